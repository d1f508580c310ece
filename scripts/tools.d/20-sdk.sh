# shellcheck shell=bash
# SDK snippet checkers and the pipeline schema validator, all into .tools/sdk (tests/it/sdk_check.rs,
# tests/it/sdk_run.rs, tests/it/pipelines.rs):
#   .tools/sdk/venv   mypy + every pinned Python SDK of src/planner/versions.rs (+ typed stubs), jsonschema
#                     + check-jsonschema (its vendored GitLab CI ci.json and Azure Pipelines
#                     service-schema.json validate the generated pipelines), moto[server] (the boto3 snippet runs against it)
#                     and the pg8000 / PyMySQL drivers (the connect helper's re-read on a refused login runs against them)
#   .tools/sdk/node   typescript + @types/node + every pinned Node SDK (tsc --noEmit --allowJs --checkJs)
#   gofmt / javac / groovy   Debian golang-go / default-jdk-headless / groovy, only when missing
# The SDK pins must equal versions.rs: tests/it/sdk_check.rs compares the installed versions with the table.
SDK_DIR=$TOOLS/sdk
SDK_VENV=$SDK_DIR/venv
SDK_NODE=$SDK_DIR/node
SDK_PY_PINS=(
  "mypy==2.4.1"
  "hvac==2.4.0"
  "types-hvac==2.4.0.20260731"
  "boto3==1.44.8"
  "boto3-stubs==1.44.1"
  "mypy-boto3-secretsmanager==1.43.0"
  "azure-keyvault-secrets==4.12.0"
  "azure-identity==1.27.0"
  "google-cloud-secret-manager==2.32.0"
  "jsonschema==4.26.0"
  "check-jsonschema==0.39.0"
  "moto[server]==5.2.5"
  "pg8000==1.31.6"
  "PyMySQL==1.2.4"
)
SDK_NPM_PINS=(
  "typescript@5.9.3"
  "@types/node@22.20.7"
  "node-vault@0.12.0"
  "@aws-sdk/client-secrets-manager@3.1164.0"
  "@azure/keyvault-secrets@4.12.0"
  "@azure/identity@4.14.1"
  "@google-cloud/secret-manager@7.2.0"
)
sdk_py_want=${SDK_PY_PINS[*]}
sdk_npm_want=${SDK_NPM_PINS[*]}
mkdir -p -- "$SDK_DIR"

if [[ -x $SDK_VENV/bin/python && -f $SDK_VENV/.installed && "$(cat -- "$SDK_VENV/.installed")" == "$sdk_py_want" ]]; then
  log "SDK venv already in .tools/sdk/venv"
else
  log "pip install ${SDK_PY_PINS[*]} into .tools/sdk/venv"
  [[ -x $SDK_VENV/bin/python ]] || "$PYTHON" -m venv "$SDK_VENV" || die "python3 -m venv failed for .tools/sdk/venv"
  retry "$SDK_VENV/bin/python" -m pip install -q "${SDK_PY_PINS[@]}" >&2 || die "pip install of the SDK pins failed"
  printf '%s\n' "$sdk_py_want" >"$SDK_VENV/.installed"
fi

if [[ -f $SDK_NODE/.installed && "$(cat -- "$SDK_NODE/.installed")" == "$sdk_npm_want" ]]; then
  log "SDK node packages already in .tools/sdk/node"
else
  log "npm install ${SDK_NPM_PINS[*]} into .tools/sdk/node"
  rm -rf -- "$SDK_NODE"
  mkdir -p -- "$SDK_NODE"
  printf '{"name":"secretsint-sdk-check","private":true}\n' >"$SDK_NODE/package.json"
  (cd -- "$SDK_NODE" && retry npm install --no-audit --no-fund --save-exact --silent --engine-strict=false "${SDK_NPM_PINS[@]}") >&2 ||
    die "npm install of the Node SDK pins failed"
  printf '%s\n' "$sdk_npm_want" >"$SDK_NODE/.installed"
fi

sdk_apt=()
command -v gofmt >/dev/null 2>&1 || sdk_apt+=(golang-go)
command -v javac >/dev/null 2>&1 || sdk_apt+=(default-jdk-headless)
# Apache Groovy (Debian bookworm: 2.4.21) parses generated Jenkinsfiles (tests/it/jenkinsfile_check.groovy).
command -v groovy >/dev/null 2>&1 || sdk_apt+=(groovy)
# jq runs the generated CI secret-export steps in tests/it/injection.rs (runner images carry it).
command -v jq >/dev/null 2>&1 || sdk_apt+=(jq)
if ((${#sdk_apt[@]})); then
  command -v apt-get >/dev/null 2>&1 || die "${sdk_apt[*]} missing and apt-get is not available"
  log "apt-get install ${sdk_apt[*]}"
  (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq --no-install-recommends "${sdk_apt[@]}") >&2 ||
    die "apt-get install ${sdk_apt[*]} failed"
fi
