#!/bin/sh
# Reminds people to rotate a third-party API key held in one KV v2 secret: when the current key is
# older than its rotation period, the job fails with what to do, so the schedule's failure
# notice is the reminder. It never writes the secret: only the key's issuer can make a new key.
# Needs only sh, curl, sed, tr and head (curlimages/curl, GitHub runners). Configuration comes
# from the environment:
#   VAULT_ADDR, VAULT_NAMESPACE (optional), KV_MOUNT, SECRET_PATH, SECRET_FIELD,
#   ROTATION_PERIOD_SECONDS, CHECK_INTERVAL_SECONDS, and either VAULT_TOKEN or
#   VAULT_AUTH_MOUNT + VAULT_ROLE + VAULT_JWT_FILE (Kubernetes auth with a projected token).
# The time of the last rotation is kept in the secret's custom_metadata as rotated_at (epoch seconds),
# which whoever writes the new key sets (the reminder says how).
set -eu

# No secret ever stands on curl's command line (the process list shows it to every user): the
# token reaches curl as a header on stdin.

api() {
  method=$1
  path=$2
  shift 2
  printf 'X-Vault-Token: %s\n' "${VAULT_TOKEN}" |
    curl --silent --show-error --fail --request "$method" \
      --header @- \
      --header "X-Vault-Namespace: ${VAULT_NAMESPACE:-}" \
      "$@" "${VAULT_ADDR}/v1/${path}"
}

if [ -z "${VAULT_TOKEN:-}" ]; then
  jwt=$(cat "${VAULT_JWT_FILE}")
  login=$(printf '{"role":"%s","jwt":"%s"}' "${VAULT_ROLE}" "${jwt}" |
    curl --silent --show-error --fail --request POST \
      --header "X-Vault-Namespace: ${VAULT_NAMESPACE:-}" \
      --data @- \
      "${VAULT_ADDR}/v1/auth/${VAULT_AUTH_MOUNT}/login")
  VAULT_TOKEN=$(printf '%s' "$login" | sed -n 's/.*"client_token":"\([^"]*\)".*/\1/p')
  [ -n "$VAULT_TOKEN" ] || { echo "login to auth/${VAULT_AUTH_MOUNT} as ${VAULT_ROLE} failed" >&2; exit 1; }
fi

now=$(date -u +%s)
meta=$(api GET "${KV_MOUNT}/metadata/${SECRET_PATH}" 2>/dev/null || true)
last=$(printf '%s' "$meta" | sed -n 's/.*"rotated_at":"\([0-9]*\)".*/\1/p')
last=${last:-0}
# Due one check interval early, so the new version exists before the period ends.
if [ $((now - last)) -lt $((ROTATION_PERIOD_SECONDS - CHECK_INTERVAL_SECONDS)) ]; then
  echo "${KV_MOUNT}/data/${SECRET_PATH} was rotated at ${last}; not due yet"
  exit 0
fi

cat >&2 <<EOF
The API key in ${KV_MOUNT}/data/${SECRET_PATH} is due for rotation (last rotated at ${last}).
It is issued by a third party, so this job changes nothing: rotate it at the issuer, then write it
and record the time, which stops this reminder until the next period:
  vault kv put -mount=${KV_MOUNT} ${SECRET_PATH} ${SECRET_FIELD}=- < new-${SECRET_FIELD}.txt
  vault kv metadata patch -mount=${KV_MOUNT} -custom-metadata=rotated_at=\$(date -u +%s) ${SECRET_PATH}
EOF
exit 1
