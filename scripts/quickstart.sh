#!/usr/bin/env bash
# The main job on a fresh machine: build the provider, install it into the local plugin mirror
# (~/.terraform.d/plugins) with real Terraform 1.15.5, then `terraform init` + `plan` the
# example in examples/quickstart/ and show what it computes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root=$PWD

scripts/install-tools.sh --terraform-only >/dev/null
cargo build --release --quiet
target/release/secretsint install

# Our own CLI config: a filesystem mirror for this provider, everything else from the registry.
mirror="${HOME}/.terraform.d/plugins"
cat > "$root/.tools/terraform.rc" <<RC
provider_installation {
  filesystem_mirror {
    path    = "$mirror"
    include = ["registry.terraform.io/secretsint/*"]
  }
  direct {
    exclude = ["registry.terraform.io/secretsint/*"]
  }
}
RC
export TF_CLI_CONFIG_FILE="$root/.tools/terraform.rc" CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
unset TF_CLI_ARGS

tf="$root/.tools/bin/terraform"
# Every local build of the same version has a new checksum, so a lock file from an earlier run
# would refuse it; the example's lock records only this machine's build anyway.
rm -f examples/quickstart/.terraform.lock.hcl
"$tf" -chdir=examples/quickstart init -input=false -no-color >/dev/null
"$tf" -chdir=examples/quickstart plan -input=false -no-color
