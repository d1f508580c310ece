# shellcheck shell=bash
# GCP Secret Manager half: a venv at .tools/gcp with mypy and the exact packages the generated
# rotation Cloud Function imports (its requirements.txt reads the same pins from
# src/planner/versions.rs). tests/it/gcp_backend.rs type-checks the function with mypy and runs
# its logic with the Secret Manager client replaced.
GCP_VENV=$TOOLS/gcp
GCP_PACKAGES=(
  "mypy==2.4.1"
  "google-cloud-secret-manager==2.32.0"
  "google-cloud-private-ca==1.20.0"
  "functions-framework==3.10.2"
  "cloudevents==1.12.0"
  "cryptography==50.0.2"
  "pg8000==1.31.6"
  "PyMySQL==1.2.4"
  "types-PyMySQL==1.2.0.20260923"
)
GCP_STAMP="${GCP_PACKAGES[*]}"
if [[ -f $GCP_VENV/.installed && "$(cat -- "$GCP_VENV/.installed")" == "$GCP_STAMP" ]]; then
  log "gcp venv already in .tools/gcp"
else
  log "creating .tools/gcp: ${GCP_PACKAGES[*]}"
  rm -rf -- "$GCP_VENV"
  "$PYTHON" -m venv "$GCP_VENV" >&2 || die "python3 -m venv for .tools/gcp failed"
  retry "$GCP_VENV/bin/python" -m pip install -q "${GCP_PACKAGES[@]}" >&2 ||
    die "pip install into .tools/gcp failed"
  printf '%s\n' "$GCP_STAMP" >"$GCP_VENV/.installed"
fi

# The hashicorp/google (6.50.0), google-beta and archive provider schemas as published in the
# cdktf prebuilt provider packages (npm, TypeScript declarations only are read): tests/it/gcp_backend.rs
# checks every resource type, block and argument of the generated Terraform against them, since no
# provider binary can be installed offline for `terraform validate`.
GCP_SCHEMA_DIR=$TOOLS/gcp-schema
GCP_SCHEMA_PACKAGES=(
  "@cdktf/provider-google@16.12.1"
  "@cdktf/provider-google-beta@16.12.1"
  "@cdktf/provider-archive@11.0.1"
)
GCP_SCHEMA_STAMP="${GCP_SCHEMA_PACKAGES[*]}"
if [[ -f $GCP_SCHEMA_DIR/.installed && "$(cat -- "$GCP_SCHEMA_DIR/.installed")" == "$GCP_SCHEMA_STAMP" ]]; then
  log "google provider schemas already in .tools/gcp-schema"
else
  log "npm install ${GCP_SCHEMA_PACKAGES[*]} (~100 MB of declarations)"
  rm -rf -- "$GCP_SCHEMA_DIR"
  mkdir -p -- "$GCP_SCHEMA_DIR"
  printf '{"name":"secretsint-gcp-schema","private":true}\n' >"$GCP_SCHEMA_DIR/package.json"
  # Only the .d.ts files are read: no peer dependencies (cdktf, constructs), no install scripts.
  (cd -- "$GCP_SCHEMA_DIR" && retry npm install --no-audit --no-fund --save-exact --silent --legacy-peer-deps \
    --ignore-scripts "${GCP_SCHEMA_PACKAGES[@]}") >&2 || die "npm install of the google provider schemas failed"
  printf '%s\n' "$GCP_SCHEMA_STAMP" >"$GCP_SCHEMA_DIR/.installed"
fi

# shellcheck (Debian) for the CI access script and the inline scripts of generated pipelines.
GCP_SHELLCHECK_VERSION=0.9.0-1
if [[ "$(dpkg-query -W -f='${Version}' shellcheck 2>/dev/null || true)" == "$GCP_SHELLCHECK_VERSION" ]]; then
  log "shellcheck $GCP_SHELLCHECK_VERSION already installed"
else
  command -v apt-get >/dev/null 2>&1 || die "shellcheck $GCP_SHELLCHECK_VERSION is needed and apt-get is missing"
  log "apt-get install shellcheck=$GCP_SHELLCHECK_VERSION"
  (export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && apt-get install -y -qq "shellcheck=$GCP_SHELLCHECK_VERSION") >&2 ||
    die "apt-get install shellcheck=$GCP_SHELLCHECK_VERSION failed"
fi
