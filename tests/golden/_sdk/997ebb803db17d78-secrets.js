// An API key for payments from Azure Key Vault.
// SDK: @azure/keyvault-secrets 4.12.0 with @azure/identity. Identity: the application's managed identity (AZURE_CLIENT_ID selects a user-assigned one).
// Nothing here logs or prints the secret: errors are logged by type only.
"use strict";

const { ManagedIdentityCredential } = require("@azure/identity");
const { SecretClient } = require("@azure/keyvault-secrets");

const VAULT_URL = process.env.AZURE_KEYVAULT_URL || "https://kv-staging-payments.vault.azure.net";
const ITEM_NAME = "staging--payments-api-key";

/** @returns {SecretClient} a Key Vault client that authenticates as the application's managed identity */
function secretClient() {
  // Set AZURE_CLIENT_ID to pick a user-assigned identity; unset uses the system-assigned one.
  const clientId = process.env.AZURE_CLIENT_ID;
  const credential = clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
  // Retries are ours (withRetries below), so the SDK makes one attempt per call.
  return new SecretClient(VAULT_URL, credential, { retryOptions: { maxRetries: 0 } });
}

/**
 * Reads the current version of https://kv-staging-payments.vault.azure.net/secrets/staging--payments-api-key and how long to cache it.
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecret() {
  const { value } = await secretClient().getSecret(ITEM_NAME);
  if (value === undefined) {
    throw new Error("the secret has no value");
  }
  return { fields: parseFields(value), ttlMs: CACHE_TTL_MS };
}

/**
 * Throttling (429), server errors and network failures are worth retrying; 403 or 404 is not.
 * @param {unknown} error
 * @returns {boolean}
 */
function isRetryable(error) {
  const status = /** @type {{statusCode?: number}} */ (error).statusCode;
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
      console.warn(`Key Vault request failed (${kind}); retry ${attempt}/${MAX_ATTEMPTS - 1} in ${Math.round(delay)}ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/**
 * A JSON object's fields, or the whole text as "value" for a plain secret.
 * @param {string} text
 * @returns {Record<string, string>}
 */
function parseFields(text) {
  try {
    const document = JSON.parse(text);
    if (document !== null && typeof document === "object" && !Array.isArray(document)) {
      return Object.fromEntries(Object.entries(document).map(([key, value]) => [key, String(value)]));
    }
  } catch {
    // Not JSON: a plain secret.
  }
  return { value: text };
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
