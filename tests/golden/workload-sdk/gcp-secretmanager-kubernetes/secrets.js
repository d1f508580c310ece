// The secrets db (database credentials), stripe-key (an API key) and tls (a certificate and private key) for app from Google Cloud Secret Manager.
// SDK: @google-cloud/secret-manager 7.2.0. Identity: service account app/prod--app through GKE Workload Identity Federation (Application Default Credentials).
// Nothing here logs or prints the secret: errors are logged by type only.
"use strict";

const { SecretManagerServiceClient } = require("@google-cloud/secret-manager");

// The newest enabled version of the planned secret.
const VERSION_NAME_DB = "projects/example-project/secrets/prod--app--db/versions/latest";
const VERSION_NAME_STRIPE_KEY = "projects/example-project/secrets/prod--app--stripe-key/versions/latest";
const VERSION_NAME_TLS = "projects/example-project/secrets/prod--app--tls/versions/latest";

/** @returns {SecretManagerServiceClient} a client on Application Default Credentials, which resolve to the pod's Kubernetes service account */
function secretClient() {
  return new SecretManagerServiceClient();
}

/**
 * Accesses projects/example-project/secrets/prod--app--db/versions/latest and how long to cache it.
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecretDb() {
  // maxRetries 0: retries are ours (withRetries below), so the SDK makes one attempt per call.
  const [version] = await secretClient().accessSecretVersion({ name: VERSION_NAME_DB }, { maxRetries: 0, timeout: 10000 });
  const data = version.payload?.data;
  if (data === null || data === undefined) {
    throw new Error("the secret version has no payload");
  }
  return { fields: parseFields(Buffer.from(data).toString("utf8")), ttlMs: CACHE_TTL_MS_DB };
}

/**
 * Accesses projects/example-project/secrets/prod--app--stripe-key/versions/latest and how long to cache it.
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecretStripeKey() {
  // maxRetries 0: retries are ours (withRetries below), so the SDK makes one attempt per call.
  const [version] = await secretClient().accessSecretVersion({ name: VERSION_NAME_STRIPE_KEY }, { maxRetries: 0, timeout: 10000 });
  const data = version.payload?.data;
  if (data === null || data === undefined) {
    throw new Error("the secret version has no payload");
  }
  return { fields: parseFields(Buffer.from(data).toString("utf8")), ttlMs: CACHE_TTL_MS_STRIPE_KEY };
}

/**
 * Accesses projects/example-project/secrets/prod--app--tls/versions/latest and how long to cache it.
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecretTls() {
  // maxRetries 0: retries are ours (withRetries below), so the SDK makes one attempt per call.
  const [version] = await secretClient().accessSecretVersion({ name: VERSION_NAME_TLS }, { maxRetries: 0, timeout: 10000 });
  const data = version.payload?.data;
  if (data === null || data === undefined) {
    throw new Error("the secret version has no payload");
  }
  return { fields: parseFields(Buffer.from(data).toString("utf8")), ttlMs: CACHE_TTL_MS_TLS };
}

// gRPC status codes: UNAVAILABLE, RESOURCE_EXHAUSTED, INTERNAL, DEADLINE_EXCEEDED.
const RETRYABLE_CODES = new Set([14, 8, 13, 4]);

/**
 * Unavailable, throttled or timed-out calls are worth retrying; PERMISSION_DENIED or NOT_FOUND is not.
 * @param {unknown} error
 * @returns {boolean}
 */
function isRetryable(error) {
  return RETRYABLE_CODES.has(Number(/** @type {{code?: number}} */ (error).code));
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
      console.warn(`Secret Manager request failed (${kind}); retry ${attempt}/${MAX_ATTEMPTS - 1} in ${Math.round(delay)}ms`);
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
  // Secret "db": Database credentials (projects/example-project/secrets/prod--app--db).
  db: new SecretCache(fetchSecretDb),
  // Secret "stripe-key": An API key (projects/example-project/secrets/prod--app--stripe-key).
  stripeKey: new SecretCache(fetchSecretStripeKey),
  // Secret "tls": A certificate and private key (projects/example-project/secrets/prod--app--tls).
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
