# shellcheck shell=bash
# Azure Key Vault checkers into .tools/azure (a venv of its own): mypy with the pinned Azure SDKs
# (src/planner/versions.rs, domain-facts §7), the Azure Functions runtime library the rotation
# function imports (1.26.0: the newest for Python 3.11; 2.x needs 3.13), and the database drivers
# of its database step: psycopg (PostgreSQL, Redshift) and PyMySQL (MySQL/MariaDB, with its type
# stubs for mypy). tests/it/azure_backend.rs type-checks the generated rotation function with it,
# runs its logic with the SDK client replaced, and soaks it against PostgreSQL and MariaDB.
AZURE_VENV=$TOOLS/azure
AZURE_PINS=(
  "mypy==2.4.1"
  "azure-keyvault-secrets==4.12.0"
  "azure-identity==1.27.0"
  "azure-functions==1.26.0"
  "psycopg==3.3.9"
  "psycopg-binary==3.3.9"
  "PyMySQL==1.2.4"
  "types-PyMySQL==1.2.0.20260923"
)
AZURE_WANT=${AZURE_PINS[*]}
if [[ -f $AZURE_VENV/.installed && "$(cat -- "$AZURE_VENV/.installed")" == "$AZURE_WANT" && -x $AZURE_VENV/bin/mypy ]]; then
  log "${AZURE_WANT} already in ${AZURE_VENV#"$REPO_ROOT"/}"
else
  log "pip install ${AZURE_WANT} into ${AZURE_VENV#"$REPO_ROOT"/}"
  rm -rf -- "$AZURE_VENV"
  "$PYTHON" -m venv "$AZURE_VENV" >&2 || die "python3 -m venv for the Azure checkers failed"
  retry "$AZURE_VENV/bin/python" -m pip install -q "${AZURE_PINS[@]}" >&2 ||
    die "pip install ${AZURE_WANT} failed"
  printf '%s\n' "$AZURE_WANT" >"$AZURE_VENV/.installed"
fi
