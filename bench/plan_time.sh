#!/usr/bin/env bash
# `terraform plan` wall time with N secretsint_plan data sources (release build, filesystem
# mirror, Terraform 1.15.5), against the same plan with N builtin terraform_data resources.
# Usage: bench/plan_time.sh [N ...]   (default: 1 100); prints the median of 5 runs each.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD
tf="$root/.tools/bin/terraform"
[ -x "$tf" ] || scripts/install-tools.sh >/dev/null
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
target/release/secretsint install --dir "$work/mirror" >/dev/null
cat > "$work/tf.rc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$work/mirror"
    include = ["registry.terraform.io/secretsint/*"]
  }
  direct {
    exclude = ["registry.terraform.io/secretsint/*"]
  }
}
RC
export TF_CLI_CONFIG_FILE="$work/tf.rc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
unset TF_CLI_ARGS TF_LOG

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
time_plan() {
  local dir=$1 s e
  for _ in 1 2 3 4 5; do
    s=$(date +%s.%N)
    "$tf" -chdir="$dir" plan -input=false -no-color -refresh=false >/dev/null
    e=$(date +%s.%N)
    echo "$e - $s" | bc
  done | median
}

for n in "${@:-1 100}"; do
  for n1 in $n; do
    p="$work/provider-$n1"
    f="$work/floor-$n1"
    mkdir -p "$p" "$f"
    {
      echo 'terraform {'
      echo '  required_providers {'
      echo '    secretsint = { source = "secretsint/secretsint" }'
      echo '  }'
      echo '}'
      for i in $(seq 1 "$n1"); do
        echo "data \"secretsint_plan\" \"p$i\" {"
        echo '  secrets_backend    = "vault"'
        echo '  integration_target = "kubernetes"'
        echo '  rotation_policy    = "dynamic"'
        echo '  credential_type    = "database"'
        echo "  name               = \"app$i\""
        echo '}'
      done
    } > "$p/main.tf"
    for i in $(seq 1 "$n1"); do echo "resource \"terraform_data\" \"r$i\" { input = \"app$i\" }"; done > "$f/main.tf"
    "$tf" -chdir="$p" init -input=false >/dev/null
    "$tf" -chdir="$f" init -input=false >/dev/null
    echo "N=$n1 provider: $(time_plan "$p") s   floor (terraform_data): $(time_plan "$f") s"
  done
done
