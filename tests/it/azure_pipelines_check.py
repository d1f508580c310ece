"""Validates Azure Pipelines YAML files against the Azure Pipelines schema the way Azure's own
language server reads them: every YAML scalar is a string (ruamel.yaml "base" loader), then JSON
Schema draft 7 (the schema's own dialect). Prints one line per problem; exits 1 if any.

Usage: azure_pipelines_check.py FILE.yml...   (the schema is microsoft/azure-pipelines-vscode's
service-schema.json as vendored, byte for byte, by check-jsonschema 0.39.0)
"""

import json
import sys

import importlib.resources

import jsonschema
from ruamel.yaml import YAML

SCHEMA = importlib.resources.files("check_jsonschema.builtin_schemas.vendor") / "azure-pipelines.json"


def main() -> int:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    loader = YAML(typ="base")
    problems = 0
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as handle:
            document = loader.load(handle)
        for error in validator.iter_errors(document):
            problems += 1
            best = jsonschema.exceptions.best_match([error])
            where = "/".join(str(p) for p in best.absolute_path)
            print(f"{path}: at /{where}: {best.message[:300]}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
