// A secret for app from Google Cloud Secret Manager.
// SDK: @google-cloud/secret-manager 7.2.0. Identity: the pipeline's Workload Identity Federation credentials (the auth step writes GOOGLE_APPLICATION_CREDENTIALS).
// Nothing here logs or prints the secret: errors are logged by type only.
"use strict";

const { SecretManagerServiceClient } = require("@google-cloud/secret-manager");

// The newest enabled version of the planned secret.
const VERSION_NAME = "projects/example-project/secrets/prod--app-config/versions/latest";

/** @returns {SecretManagerServiceClient} a client on Application Default Credentials, which resolve to the pipeline's federated identity */
function secretClient() {
  return new SecretManagerServiceClient();
}

/**
 * Accesses projects/example-project/secrets/prod--app-config/versions/latest and how long to cache it.
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecret() {
  // maxRetries 0: retries are ours (withRetries below), so the SDK makes one attempt per call.
  const [version] = await secretClient().accessSecretVersion({ name: VERSION_NAME }, { maxRetries: 0, timeout: 10000 });
  const data = version.payload?.data;
  if (data === null || data === undefined) {
    throw new Error("the secret version has no payload");
  }
  return { fields: parseFields(Buffer.from(data).toString("utf8")), ttlMs: CACHE_TTL_MS };
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
