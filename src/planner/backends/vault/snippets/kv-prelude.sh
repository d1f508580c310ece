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
