// The secrets db (database credentials), stripe-key (an API key) and tls (a certificate and private key) for app from Vault (or OpenBao).
// SDK: node-vault 0.12.0 (community-maintained; HashiCorp publishes no Node.js client).
// Identity: service account app/prod--app through Vault's Kubernetes auth (mount kubernetes, role prod--app) with a projected token of audience "vault" at /var/run/secrets/vault/token.
// Nothing here logs or prints the secret: errors are logged by type only.
"use strict";

const fs = require("node:fs/promises");
const nodeVault = require("node-vault");

const VAULT_ADDR = process.env.VAULT_ADDR || "https://vault.example.com:8200";
const VAULT_NAMESPACE = process.env.VAULT_NAMESPACE || "";
const AUTH_MOUNT = "kubernetes";
const VAULT_ROLE = "prod--app";
// A projected service account token whose audience is the one the Vault role requires.
const TOKEN_PATH = "/var/run/secrets/vault/token";

/** @returns {Promise<Record<string, string>>} the pod's service account token for Vault's Kubernetes auth */
async function loginData() {
  const jwt = (await fs.readFile(TOKEN_PATH, "utf8")).trim();
  return { role: VAULT_ROLE, jwt };
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
 * Mints one username/password pair (GET database/creds/prod--app--db); the lease is a child of the login token.
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecretDb() {
  const client = await vaultClient();
  const response = await client.read("database/creds/prod--app--db");
  // Refresh when two thirds of the lease have passed, well before Vault revokes the user.
  return { fields: stringFields(response.data), ttlMs: (response.lease_duration * 1000 * 2) / 3 };
}

/**
 * Reads the latest version of secret/data/prod/app/stripe-key (KV v2) and how long to cache it.
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecretStripeKey() {
  const client = await vaultClient();
  const response = await client.read("secret/data/prod/app/stripe-key");
  return { fields: stringFields(response.data.data), ttlMs: CACHE_TTL_MS_STRIPE_KEY };
}

// Where the workload mounts the Secret that cert-manager keeps renewed.
const CERT_DIR_TLS = "/var/run/secrets/prod--app--tls-tls";

/**
 * Reads the certificate cert-manager keeps renewed in the mounted Secret (tls.crt, tls.key).
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecretTls() {
  /** @type {Record<string, string>} */
  const fields = {};
  for (const [field, file] of [["certificate", "tls.crt"], ["private_key", "tls.key"]]) {
    fields[field] = await fs.readFile(`${CERT_DIR_TLS}/${file}`, "utf8");
  }
  return { fields, ttlMs: CACHE_TTL_MS_TLS };
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
// How long a read stays fresh when the backend does not say: a tenth of the 1h rotation period, between 30s and 300s, so a rotated value is seen soon after it is written.
const CACHE_TTL_MS_DB = 300 * 1000;
// How long a read stays fresh when the backend does not say: the secret changes only by hand, so a change is seen within 300s.
const CACHE_TTL_MS_STRIPE_KEY = 300 * 1000;
// How long a read stays fresh when the backend does not say: a tenth of the 90d rotation period, between 30s and 300s, so a rotated value is seen soon after it is written.
const CACHE_TTL_MS_TLS = 300 * 1000;

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
  /** @param {() => Promise<{fields: Record<string, string>, ttlMs: number}>} fetch reads the secret and says how long to cache it */
  constructor(fetch) {
    this.fetch = fetch;
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
      this.pending ??= withRetries(this.fetch).finally(() => {
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

/** The workload's secrets, one accessor each with its own cache: secrets.<label>.get(), .invalidate(). */
const secrets = Object.freeze({
  // Secret "db": Database credentials (database/creds/prod--app--db).
  db: new SecretCache(fetchSecretDb),
  // Secret "stripe-key": An API key (secret/data/prod/app/stripe-key).
  stripeKey: new SecretCache(fetchSecretStripeKey),
  // Secret "tls": A certificate and private key (pki/sign/prod--app--tls).
  tls: new SecretCache(fetchSecretTls),
});

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
 * Opens a connection with secret's current credential; when the database refuses it, drops that
 * cached copy, reads the secret again and retries after each of retryDelaysMs, then throws.
 * @template C
 * @param {SecretCache} secret a database secret's accessor, such as secrets.<label>
 * @param {(fields: Record<string, string>) => Promise<C>} openConnection
 * @param {readonly number[]} [retryDelaysMs]
 * @returns {Promise<C>}
 */
async function connect(secret, openConnection, retryDelaysMs = AUTH_RETRY_DELAYS_MS) {
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

module.exports = { secrets, SecretCache, connect, isAuthFailure };
