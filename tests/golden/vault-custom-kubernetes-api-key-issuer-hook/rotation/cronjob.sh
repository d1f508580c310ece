#!/bin/sh
# Rotates a third-party API key held in one KV v2 secret through its issuer hook: when the current
# key is older than its rotation period, the job POSTs {"secret_id", "idempotency_key"} to the hook
# with a service account token whose audience is the hook URL, and writes the api_key it answers
# with a check-and-set on the version it read. It refuses an empty, missing or unchanged key
# (writes nothing, fails). The Vault token never leaves for the hook.
# Needs only sh, curl, sed, tr and head (curlimages/curl). Configuration comes from the environment:
#   VAULT_ADDR, VAULT_NAMESPACE (optional), KV_MOUNT, SECRET_PATH, SECRET_FIELD,
#   ROTATION_PERIOD_SECONDS, CHECK_INTERVAL_SECONDS, ISSUER_HOOK_URL, HOOK_JWT_FILE (a projected
#   token for the hook's audience), and either VAULT_TOKEN or
#   VAULT_AUTH_MOUNT + VAULT_ROLE + VAULT_JWT_FILE (Kubernetes auth with a projected token).
# The time of the last rotation is kept in the secret's custom_metadata as rotated_at (epoch seconds).
set -eu

# No secret ever stands on curl's command line (the process list shows it to every user): tokens
# reach curl as headers on stdin, request bodies from mode 0600 files.
umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# https only, and no redirect: the hook's token and its answer never cross plain http.
# SECRETSINT_TEST_PLAIN_HTTP_HOOK is the test suite's seam for a local issuer; no plan sets it.
hook_proto='=https'
if [ "${SECRETSINT_TEST_PLAIN_HTTP_HOOK:-}" = 1 ]; then
  hook_proto='=http,https'
fi
case "${ISSUER_HOOK_URL}" in
  https://*) ;;
  http://*) [ "$hook_proto" != '=https' ] || { echo "the issuer hook ${ISSUER_HOOK_URL} is not https; refusing to call it" >&2; exit 1; } ;;
  *) echo "the issuer hook ${ISSUER_HOOK_URL} is not https; refusing to call it" >&2; exit 1 ;;
esac

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

# The version read is both the check-and-set guard and, with the path, the idempotency key: a
# retried run of the same rotation sends the same key, and the next rotation a new one.
version=$(printf '%s' "$meta" | sed -n 's/.*"current_version":\([0-9]*\).*/\1/p')
version=${version:-0}
current=''
if [ "$version" -gt 0 ]; then
  current=$(api GET "${KV_MOUNT}/data/${SECRET_PATH}?version=${version}" |
    sed -n "s/.*\"${SECRET_FIELD}\":\"\([^\"\\\\]*\)\".*/\1/p")
fi
secret_id="${KV_MOUNT}/data/${SECRET_PATH}"
idempotency_key="${secret_id}@${version}"
printf '{"secret_id":"%s","idempotency_key":"%s"}' "$secret_id" "$idempotency_key" >"$work/hook.json"
hook_jwt=$(cat "${HOOK_JWT_FILE}")
printf 'Authorization: Bearer %s\nIdempotency-Key: %s\n' "$hook_jwt" "$idempotency_key" |
  curl --silent --show-error --fail --proto "$hook_proto" --proto-redir '=https' --max-redirs 0 \
    --max-time 60 --request POST \
    --header @- \
    --header "Content-Type: application/json" \
    --data "@$work/hook.json" \
    --output "$work/answer.json" \
    "${ISSUER_HOOK_URL}"
# A key with JSON escapes (quotes, backslashes) does not match, so it is refused as missing.
value=$(sed -n 's/.*"api_key" *: *"\([^"\\]*\)".*/\1/p' "$work/answer.json" | head -n 1)
rm -f "$work/answer.json"
if [ -z "$value" ]; then
  echo "the issuer hook ${ISSUER_HOOK_URL} answered no api_key (or an empty one); nothing was written" >&2
  exit 1
fi
if [ "$value" = "$current" ]; then
  echo "the issuer hook ${ISSUER_HOOK_URL} answered the current key; nothing was written" >&2
  exit 1
fi
printf '{"options":{"cas":%s},"data":{"%s":"%s"}}' "$version" "${SECRET_FIELD}" "$value" >"$work/body.json"
api POST "${KV_MOUNT}/data/${SECRET_PATH}" --output /dev/null \
  --header "Content-Type: application/json" \
  --data "@$work/body.json"
rm -f "$work/body.json"
api PATCH "${KV_MOUNT}/metadata/${SECRET_PATH}" --output /dev/null \
  --header "Content-Type: application/merge-patch+json" \
  --data "{\"custom_metadata\":{\"rotated_at\":\"${now}\"}}"
echo "wrote the issuer hook's new key as version $((version + 1)) of ${secret_id}"
