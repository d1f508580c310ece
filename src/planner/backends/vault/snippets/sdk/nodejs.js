// @section: authentication
// {{text:DESCRIPTION}} for {{text:NAME}} from Vault (or OpenBao).
// SDK: node-vault {{text:SDK_VERSION}} (community-maintained; HashiCorp publishes no Node.js client).
// Identity: {{text:IDENTITY}}.
// Nothing here logs or prints the secret: errors are logged by type only.
"use strict";

// @if auth=kubernetes|approle-file
const fs = require("node:fs/promises");
// @end
const nodeVault = require("node-vault");

const VAULT_ADDR = process.env.VAULT_ADDR || {{str:VAULT_ADDR}};
const VAULT_NAMESPACE = process.env.VAULT_NAMESPACE || {{str:VAULT_NAMESPACE}};
const AUTH_MOUNT = {{str:AUTH_MOUNT}};
const VAULT_ROLE = {{str:VAULT_ROLE}};
// @if auth=kubernetes
// A projected service account token whose audience is the one the Vault role requires.
const TOKEN_PATH = {{str:TOKEN_PATH}};
// @end
// @if auth=github
// The audience the Vault JWT role's bound_audiences expects.
const OIDC_AUDIENCE = {{str:AUDIENCE}};
// @end
// @if auth=approle-file
const ROLE_ID_PATH = {{str:ROLE_ID_PATH}};
const SECRET_ID_PATH = {{str:SECRET_ID_PATH}};
// @end
// @if auth=kubernetes

/** @returns {Promise<Record<string, string>>} the pod's service account token for Vault's Kubernetes auth */
async function loginData() {
  const jwt = (await fs.readFile(TOKEN_PATH, "utf8")).trim();
  return { role: VAULT_ROLE, jwt };
}
// @end
// @if auth=github

/** @returns {Promise<Record<string, string>>} the job's OIDC token (needs `permissions: id-token: write`) for Vault's JWT auth */
async function loginData() {
  const url = `${process.env.ACTIONS_ID_TOKEN_REQUEST_URL}&audience=${encodeURIComponent(OIDC_AUDIENCE)}`;
  const response = await fetch(url, {
    headers: { Authorization: `bearer ${process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN}` },
    signal: AbortSignal.timeout(10000),
  });
  if (!response.ok) {
    throw new Error(`OIDC token request answered ${response.status}`);
  }
  const { value } = /** @type {{value: string}} */ (await response.json());
  return { role: VAULT_ROLE, jwt: value };
}
// @end
// @if auth=id-token

/** @returns {Promise<Record<string, string>>} the CI job's own token in VAULT_ID_TOKEN for Vault's JWT auth */
async function loginData() {
  return { role: VAULT_ROLE, jwt: process.env.VAULT_ID_TOKEN || "" };
}
// @end
// @if auth=approle-file

/** @returns {Promise<Record<string, string>>} the AppRole RoleID and SecretID files */
async function loginData() {
  const roleId = (await fs.readFile(ROLE_ID_PATH, "utf8")).trim();
  const secretId = (await fs.readFile(SECRET_ID_PATH, "utf8")).trim();
  return { role_id: roleId, secret_id: secretId };
}
// @end

/** @returns {Promise<import("node-vault").client>} a client holding a fresh Vault token */
async function vaultClient() {
  const client = nodeVault({
    apiVersion: "v1",
    endpoint: VAULT_ADDR,
    namespace: VAULT_NAMESPACE || undefined,
    requestOptions: { timeout: 10000 },
  });
  const login = await client.write(`auth/${AUTH_MOUNT}/login`, await loginData());
  client.token = login.auth.client_token;
  return client;
}

// @section: secret_retrieval
// @each secret

// @if source=kv
/**
 * Reads the latest version of {{text:SECRET_PATH}} (KV v2) and how long to cache it.
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecret{{id:SUFFIX}}() {
  const client = await vaultClient();
  const response = await client.read({{str:SECRET_PATH}});
  return { fields: stringFields(response.data.data), ttlMs: CACHE_TTL_MS{{id:SUFFIX_UPPER}} };
}
// @end
// @if source=dynamic
/**
 * Mints one username/password pair (GET {{text:SECRET_PATH}}); the lease is a child of the login token.
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecret{{id:SUFFIX}}() {
  const client = await vaultClient();
  const response = await client.read({{str:SECRET_PATH}});
  // Refresh when two thirds of the lease have passed, well before Vault revokes the user.
  return { fields: stringFields(response.data), ttlMs: (response.lease_duration * 1000 * 2) / 3 };
}
// @end
// @if source=pki
/**
 * Issues a certificate and key (POST {{text:SECRET_PATH}}); Vault generates the key pair.
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecret{{id:SUFFIX}}() {
  const client = await vaultClient();
  const response = await client.write({{str:SECRET_PATH}}, { common_name: {{str:COMMON_NAME}}, alt_names: {{str:ALT_NAMES}}, ip_sans: {{str:IP_SANS}}, ttl: {{str:CERT_TTL}} });
  // Renew at two thirds of the certificate's remaining lifetime.
  const ttlMs = Math.max(((Number(response.data.expiration) * 1000 - Date.now()) * 2) / 3, 60000);
  return { fields: stringFields(response.data), ttlMs };
}
// @end
// @if source=mounted
// Where the workload mounts the Secret that cert-manager keeps renewed.
const CERT_DIR{{id:SUFFIX_UPPER}} = {{str:CERT_DIR}};

/**
 * Reads the certificate cert-manager keeps renewed in the mounted Secret (tls.crt, tls.key).
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecret{{id:SUFFIX}}() {
  /** @type {Record<string, string>} */
  const fields = {};
  for (const [field, file] of [["certificate", "tls.crt"], ["private_key", "tls.key"]]) {
    fields[field] = await fs.readFile(`${CERT_DIR{{id:SUFFIX_UPPER}}}/${file}`, "utf8");
  }
  return { fields, ttlMs: CACHE_TTL_MS{{id:SUFFIX_UPPER}} };
}
// @end
// @end

/**
 * @param {Record<string, unknown>} data
 * @returns {Record<string, string>}
 */
function stringFields(data) {
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, String(value)]));
}

// @section: error_handling
/**
 * Server-side and network failures are worth retrying; 4xx answers (bad role, denied) are not.
 * @param {unknown} error
 * @returns {boolean}
 */
function isRetryable(error) {
  const status = /** @type {{response?: {statusCode?: number}}} */ (error).response?.statusCode;
  return status === undefined || status === 429 || status >= 500;
}
