// A secret for app from Vault (or OpenBao).
// SDK: node-vault 0.12.0 (community-maintained; HashiCorp publishes no Node.js client).
// Identity: the AppRole RoleID and SecretID files in /etc/vault-agent that Vault Agent also uses (mount approle, role prod--app).
// Nothing here logs or prints the secret: errors are logged by type only.
"use strict";

const fs = require("node:fs/promises");
const nodeVault = require("node-vault");

const VAULT_ADDR = process.env.VAULT_ADDR || "https://vault.example.com:8200";
const VAULT_NAMESPACE = process.env.VAULT_NAMESPACE || "";
const AUTH_MOUNT = "approle";
const VAULT_ROLE = "prod--app";
const ROLE_ID_PATH = "/etc/vault-agent/role-id";
const SECRET_ID_PATH = "/etc/vault-agent/secret-id";

/** @returns {Promise<Record<string, string>>} the AppRole RoleID and SecretID files */
async function loginData() {
  const roleId = (await fs.readFile(ROLE_ID_PATH, "utf8")).trim();
  const secretId = (await fs.readFile(SECRET_ID_PATH, "utf8")).trim();
  return { role_id: roleId, secret_id: secretId };
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
 * Reads the latest version of secret/data/prod/app/config (KV v2) and how long to cache it.
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecret() {
  const client = await vaultClient();
  const response = await client.read("secret/data/prod/app/config");
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
// How long a read stays fresh when the backend does not say: a tenth of the 90d rotation period, between 30s and 300s, so a rotated value is seen soon after it is written.
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

module.exports = { secret, fetchSecret };
