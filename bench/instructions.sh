#!/usr/bin/env bash
# Instructions per plan (valgrind cachegrind; repeatable under load, unlike wall time) for the
# heaviest combination of each backend, database credential, four languages:
# (Ir of 200 plans - Ir of 100 plans) / 100, so process start and first-use setup cancel out.
#
#   bench/instructions.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --bench plan_loop --no-run 2>/dev/null
bin=$(cargo bench --bench plan_loop --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json,sys; print([m["executable"] for m in map(json.loads, sys.stdin) if m.get("executable") and m["target"]["name"] == "plan_loop"][0])')
ir() {
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$bin" "$@" 2>&1 |
    sed -n 's/.*I *refs: *//p' | tr -d ','
}
echo "| combination (database, four languages) | instructions per plan |"
echo "|---|---|"
for c in "vault kubernetes dynamic" "aws-secrets kubernetes dynamic" "aws-secrets cicd dynamic" \
  "azure-keyvault kubernetes automatic" "azure-keyvault cicd dynamic" "gcp-secretmanager kubernetes dynamic" \
  "gcp-secretmanager cicd dynamic"; do
  # shellcheck disable=SC2086
  a=$(ir $c 100)
  # shellcheck disable=SC2086
  b=$(ir $c 200)
  echo "| ${c// / \/ } | $(((b - a) / 100)) |"
done
