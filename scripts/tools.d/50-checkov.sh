# shellcheck shell=bash
# checkov (PyPI) into .tools/checkov, its own venv: it pins an older boto3 than moto does.
# tests/it/checkov.rs runs it over every generated Terraform and Kubernetes file; with TF_ACC=1 a
# missing checkov fails that test.
CHECKOV_PKGS="checkov==3.3.30"
CHECKOV_VENV=$TOOLS/checkov
if [[ -f $CHECKOV_VENV/.installed && "$(cat -- "$CHECKOV_VENV/.installed")" == "$CHECKOV_PKGS" && -x $CHECKOV_VENV/bin/checkov ]]; then
  log "$CHECKOV_PKGS already in ${CHECKOV_VENV#"$REPO_ROOT"/}"
else
  log "pip install $CHECKOV_PKGS"
  rm -rf -- "$CHECKOV_VENV"
  "$PYTHON" -m venv "$CHECKOV_VENV" >&2 || die "python3 -m venv for checkov failed"
  # shellcheck disable=SC2086 # one word per requirement
  retry "$CHECKOV_VENV/bin/python" -m pip install -q $CHECKOV_PKGS >&2 || die "pip install $CHECKOV_PKGS failed"
  printf '%s\n' "$CHECKOV_PKGS" >"$CHECKOV_VENV/.installed"
fi
