// Validates custom resources with the schemas of @kubernetes-models/external-secrets@2.0.0 and
// @kubernetes-models/cert-manager@6.0.0 (installed by scripts/install-tools.sh into .tools/node).
// Usage: node validate_crds.mjs <node_modules dir> < docs.json   (a JSON array of objects)
// Prints one line per invalid document and exits 1 if there is any.
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const modules = process.argv[2];
const packages = {
  "external-secrets.io": "@kubernetes-models/external-secrets",
  "generators.external-secrets.io": "@kubernetes-models/external-secrets",
  "cert-manager.io": "@kubernetes-models/cert-manager",
};
const docs = JSON.parse(readFileSync(0, "utf8"));
let failed = 0;
for (const doc of docs) {
  const [group, version] = doc.apiVersion.split("/");
  const pkg = packages[group];
  if (!pkg) {
    console.log(`${doc.kind} ${doc.metadata?.name}: no schema package for ${doc.apiVersion}`);
    failed++;
    continue;
  }
  const file = `${modules}/${pkg}/${group}/${version}/${doc.kind}.js`;
  try {
    const mod = await import(pathToFileURL(file).href);
    new mod[doc.kind](doc).validate();
  } catch (e) {
    console.log(`${doc.apiVersion} ${doc.kind} ${doc.metadata?.name}: ${e.message}`);
    failed++;
  }
}
process.exit(failed ? 1 : 0);
