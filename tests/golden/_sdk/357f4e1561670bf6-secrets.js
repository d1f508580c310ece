// Database credentials for app from Vault (or OpenBao).
// SDK: node-vault 0.12.0 (community-maintained; HashiCorp publishes no Node.js client).
// Identity: an Entra access token of the service connection "prod--app-vault" for api://prod--app-vault-federation, which an AzureCLI@2 step puts in VAULT_ID_TOKEN (az account get-access-token --resource) through Vault's JWT auth (mount jwt-azure-devops, role prod--app).
// Nothing here logs or prints the secret: errors are logged by type only.
"use strict";

const nodeVault = require("node-vault");

const VAULT_ADDR = process.env.VAULT_ADDR || "https://vault.example.com:8200";
const VAULT_NAMESPACE = process.env.VAULT_NAMESPACE || "";
const AUTH_MOUNT = "jwt-azure-devops";
const VAULT_ROLE = "prod--app";

/** @returns {Promise<Record<string, string>>} the CI job's own token in VAULT_ID_TOKEN for Vault's JWT auth */
async function loginData() {
  return { role: VAULT_ROLE, jwt: process.env.VAULT_ID_TOKEN || "" };
}

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

/**
 * Reads the latest version of secret/data/prod/app/database (KV v2) and how long to cache it.
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecret() {
  const client = await vaultClient();
  const response = await client.read("secret/data/prod/app/database");
  return { fields: stringFields(response.data.data), ttlMs: CACHE_TTL_MS };
}

/**
 * @param {Record<string, unknown>} data
 * @returns {Record<string, string>}
 */
function stringFields(data) {
  return Object.fromEntries(Object.entries(data).map(([key, value]) => [key, String(value)]));
}

/**
 * Server-side and network failures are worth retrying; 4xx answers (bad role, denied) are not.
 * @param {unknown} error
 * @returns {boolean}
 */
function isRetryable(error) {
  const status = /** @type {{response?: {statusCode?: number}}} */ (error).response?.statusCode;
  return status === undefined || status === 429 || status >= 500;
}

const MAX_ATTEMPTS = 5;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 8000;
// How long a read stays fresh when the backend does not say: the secret changes only by hand, so a change is seen within 300s.
const CACHE_TTL_MS = 300 * 1000;

/**
 * Runs operation with bounded retries and exponential backoff with full jitter.
 * @template T
 * @param {() => Promise<T>} operation
 * @returns {Promise<T>}
 */
async function withRetries(operation) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await operation();
    } catch (error) {
      if (attempt === MAX_ATTEMPTS || !isRetryable(error)) {
        throw error;
      }
      const delay = Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
      // Only the error's type is logged: responses are never logged, so the secret is not either.
      const kind = error instanceof Error ? error.name : typeof error;
      console.warn(`Vault request failed (${kind}); retry ${attempt}/${MAX_ATTEMPTS - 1} in ${Math.round(delay)}ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** Hands out the current secret and fetches it again once its time to live has passed. */
class SecretCache {
  constructor() {
    /** @type {Promise<{fields: Record<string, string>, ttlMs: number}> | null} */
    this.pending = null;
    /** @type {Record<string, string> | null} */
    this.fields = null;
    this.refreshAt = 0;
  }

  /** @returns {Promise<Record<string, string>>} */
  async get() {
    if (this.fields === null || Date.now() >= this.refreshAt) {
      // One fetch at a time: concurrent callers share it.
      this.pending ??= withRetries(fetchSecret).finally(() => {
        this.pending = null;
      });
      const { fields, ttlMs } = await this.pending;
      this.fields = fields;
      this.refreshAt = Date.now() + ttlMs;
    }
    return this.fields;
  }

  /** Drops the cached copy, so the next get() reads the secret again (after the backend's value was refused). */
  invalidate() {
    this.fields = null;
    this.refreshAt = 0;
  }
}

const secret = new SecretCache();

// A refused login means the cached credential was replaced: re-read it and retry after each delay
// (15s in all), so a new value written up to 15s after the old one stopped working is still found.
const AUTH_RETRY_DELAYS_MS = [0, 1000, 2000, 4000, 8000];
// SQLSTATE 28P01 (wrong password) and 28000 (invalid authorization); MySQL and MariaDB error 1045.
const AUTH_SQLSTATES = new Set(["28P01", "28000"]);
const MYSQL_ACCESS_DENIED = 1045;

/**
 * Whether a database driver's error says the server refused the username or password.
 * @param {unknown} error
 * @returns {boolean}
 */
function isAuthFailure(error) {
  if (error === null || typeof error !== "object") {
    return false;
  }
  // node-postgres puts the SQLSTATE in code; mysql2 the server's error number in errno.
  const { code, errno } = /** @type {{ code?: unknown, errno?: unknown }} */ (error);
  return (typeof code === "string" && AUTH_SQLSTATES.has(code)) || errno === MYSQL_ACCESS_DENIED;
}

/**
 * Opens a connection with the current credential; when the database refuses it, drops the cached
 * copy, reads the secret again and retries after each of retryDelaysMs, then throws.
 * @template C
 * @param {(fields: Record<string, string>) => Promise<C>} openConnection
 * @param {readonly number[]} [retryDelaysMs]
 * @returns {Promise<C>}
 */
async function connect(openConnection, retryDelaysMs = AUTH_RETRY_DELAYS_MS) {
  for (let attempt = 0; ; attempt += 1) {
    const fields = await secret.get();
    try {
      return await openConnection(fields);
    } catch (error) {
      if (attempt >= retryDelaysMs.length || !isAuthFailure(error)) {
        throw error;
      }
      const delay = retryDelaysMs[attempt];
      const kind = error instanceof Error ? error.name : typeof error;
      console.warn(`the database refused the credential (${kind}); reading the secret again, retry ${attempt + 1}/${retryDelaysMs.length} in ${delay}ms`);
      secret.invalidate();
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

module.exports = { secret, fetchSecret, connect, isAuthFailure };
