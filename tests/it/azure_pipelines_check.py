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

# Marketplace extension tasks the schema (built-in tasks only) does not list, with the inputs their
# own task.json declares: name -> (required inputs, every input). Such a step is checked against this
# table, then validated by the schema as a plain script step, so the rest of the file is still checked.
# AWS Toolkit for Azure DevOps, SecretsManagerGetSecret@1 (aws/aws-toolkit-azure-devops, task.json).
EXTENSION_TASKS = {
    "SecretsManagerGetSecret@1": (
        {"secretIdOrName", "variableName"},
        {"awsCredentials", "regionName", "secretIdOrName", "variableName", "versionId", "versionStage",
         "logRequest", "logResponse"},
    ),
}


def extension_steps(node, path, problems):
    """Checks extension-task steps anywhere in the document and swaps them for script steps."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "steps" and isinstance(value, list):
                for i, step in enumerate(value):
                    task = step.get("task") if isinstance(step, dict) else None
                    if task in EXTENSION_TASKS:
                        required, known = EXTENSION_TASKS[task]
                        inputs = step.get("inputs") or {}
                        for name in sorted(required - set(inputs)):
                            problems.append(f"{path}: {task} misses required input {name}")
                        for name in sorted(set(inputs) - known):
                            problems.append(f"{path}: {task} has unknown input {name}")
                        value[i] = {"script": ":", "displayName": step.get("displayName", task)}
            extension_steps(value, path, problems)
    elif isinstance(node, list):
        for item in node:
            extension_steps(item, path, problems)


def main() -> int:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema)
    loader = YAML(typ="base")
    problems = 0
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as handle:
            document = loader.load(handle)
        found: list[str] = []
        extension_steps(document, path, found)
        for line in found:
            problems += 1
            print(line)
        for error in validator.iter_errors(document):
            problems += 1
            best = jsonschema.exceptions.best_match([error])
            where = "/".join(str(p) for p in best.absolute_path)
            print(f"{path}: at /{where}: {best.message[:300]}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
