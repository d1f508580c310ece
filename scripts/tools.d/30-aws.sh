# shellcheck shell=bash
# AWS Secrets Manager checkers (PyPI) into .tools/aws, one venv:
#   moto[server] (a local AWS API: IAM, Secrets Manager, STS), boto3 (the SDK the rotation Lambda
#   imports), parliament (IAM policy linter), cfn-lint (CloudFormation linter, offline specs),
#   pg8000 and PyMySQL (the pure-Python PostgreSQL and MySQL/MariaDB drivers the generated Lambda
#   uses, pinned as its requirements.txt pins them). tests/it/aws_backend.rs runs them; with TF_ACC=1 a missing one fails the test.
AWS_PKGS="moto[server]==5.2.5 boto3==1.44.8 parliament==1.6.4 pg8000==1.31.6 PyMySQL==1.2.4 cfn-lint==1.58.0"
AWS_VENV=$TOOLS/aws
if [[ -f $AWS_VENV/.installed && "$(cat -- "$AWS_VENV/.installed")" == "$AWS_PKGS" && -x $AWS_VENV/bin/python ]]; then
  log "$AWS_PKGS already in ${AWS_VENV#"$REPO_ROOT"/}"
else
  log "pip install $AWS_PKGS"
  rm -rf -- "$AWS_VENV"
  "$PYTHON" -m venv "$AWS_VENV" >&2 || die "python3 -m venv for the AWS tools failed"
  # shellcheck disable=SC2086 # one word per requirement
  retry "$AWS_VENV/bin/python" -m pip install -q $AWS_PKGS >&2 || die "pip install $AWS_PKGS failed"
  printf '%s\n' "$AWS_PKGS" >"$AWS_VENV/.installed"
fi
