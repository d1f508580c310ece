#!/bin/sh
# Writes a new version of one KV v2 secret when the current one is older than its rotation period.
# Needs only sh, curl, sed, tr and head (curlimages/curl, GitHub runners). Configuration comes
# from the environment:
#   VAULT_ADDR, VAULT_NAMESPACE (optional), KV_MOUNT, SECRET_PATH, SECRET_FIELD,
#   ROTATION_PERIOD_SECONDS, CHECK_INTERVAL_SECONDS, and either VAULT_TOKEN or
#   VAULT_AUTH_MOUNT + VAULT_ROLE + VAULT_JWT_FILE (Kubernetes auth with a projected token).
# The time of the last rotation is kept in the secret's custom_metadata as rotated_at (epoch seconds).
set -eu

# No secret ever stands on curl's command line (the process list shows it to every user): the
# token reaches curl as a header on stdin, request bodies from a mode 0600 file or stdin.
umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

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

# 43 alphanumerics: about 256 bits, and safe inside JSON and shell without quoting.
value=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 43)
printf '{"data":{"%s":"%s"}}' "${SECRET_FIELD}" "${value}" >"$work/body.json"
api POST "${KV_MOUNT}/data/${SECRET_PATH}" --output /dev/null \
  --header "Content-Type: application/json" \
  --data "@$work/body.json"
rm -f "$work/body.json"
api PATCH "${KV_MOUNT}/metadata/${SECRET_PATH}" --output /dev/null \
  --header "Content-Type: application/merge-patch+json" \
  --data "{\"custom_metadata\":{\"rotated_at\":\"${now}\"}}"
echo "wrote a new version of ${KV_MOUNT}/data/${SECRET_PATH}"
