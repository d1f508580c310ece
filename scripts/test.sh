#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs the real tools the tests use,
# checks formatting and lints, then runs the unit, golden, protocol, plugin and acceptance tests
# (real Terraform 1.15.5 and 1.0.3 against the provider in a filesystem mirror, OpenBao, PostgreSQL,
# moto and the linters; those tests are #[ignore]d in a bare `cargo test` and run here).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/install-tools.sh >/dev/null

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --quiet -- -D warnings
if [[ -x .tools/cargo/bin/cargo-deny ]]; then
  # Advisories need the RustSec DB from GitHub (unreachable); tests/it/supply_chain.rs covers
  # sources and licenses when cargo-deny is not installed.
  echo "== cargo deny check licenses bans sources"
  .tools/cargo/bin/cargo-deny check licenses bans sources
fi
# Tests that need the real tools are #[ignore]d, so a bare `cargo test` reports them as ignored,
# never as passed; here they run (--include-ignored). The one ignored test left out writes the
# fuzz corpora and is not a check (criterion benches take no libtest flags: a run of their own).
echo "== cargo test: unit tests and benches in test mode"
cargo test --lib --bins --benches --no-fail-fast
echo "== cargo test --test it --include-ignored (TF_ACC=1): every test, real tools included"
TF_ACC=1 cargo test --test it --no-fail-fast -- --include-ignored --skip write_fuzz_seeds
