const MAX_ATTEMPTS = 5;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 8000;
// @each secret
// How long a read stays fresh when the backend does not say: {{text:CACHE_REASON}}.
const CACHE_TTL_MS{{id:SUFFIX_UPPER}} = {{int:CACHE_TTL}} * 1000;
// @end

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
      console.warn(`{{part:BACKEND_LABEL}} request failed (${kind}); retry ${attempt}/${MAX_ATTEMPTS - 1} in ${Math.round(delay)}ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
// @if payload=text

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
// @end

/** Hands out the current secret and fetches it again once its time to live has passed. */
class SecretCache {
// @if module=single
  constructor() {
// @end
// @if module=workload
  /** @param {() => Promise<{fields: Record<string, string>, ttlMs: number}>} fetch reads the secret and says how long to cache it */
  constructor(fetch) {
    this.fetch = fetch;
// @end
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
// @if module=single
      this.pending ??= withRetries(fetchSecret).finally(() => {
// @end
// @if module=workload
      this.pending ??= withRetries(this.fetch).finally(() => {
// @end
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
// @if module=single

const secret = new SecretCache();
// @end
// @if module=workload

/** The workload's secrets, one accessor each with its own cache: secrets.<label>.get(), .invalidate(). */
const secrets = Object.freeze({
// @each secret
  // Secret "{{text:LABEL}}": {{text:DESCRIPTION}} ({{text:SECRET_PATH}}).
  {{id:ACCESSOR}}: new SecretCache(fetchSecret{{id:SUFFIX}}),
// @end
});
// @end
// @if credential=database

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

// @if module=single
/**
 * Opens a connection with the current credential; when the database refuses it, drops the cached
 * copy, reads the secret again and retries after each of retryDelaysMs, then throws.
 * @template C
 * @param {(fields: Record<string, string>) => Promise<C>} openConnection
 * @param {readonly number[]} [retryDelaysMs]
 * @returns {Promise<C>}
 */
async function connect(openConnection, retryDelaysMs = AUTH_RETRY_DELAYS_MS) {
// @end
// @if module=workload
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
// @end
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
// @if module=single

module.exports = { secret, fetchSecret, connect, isAuthFailure };
// @end
// @if module=workload

module.exports = { secrets, SecretCache, connect, isAuthFailure };
// @end
// @end
// @if credential=api-key|certificate|generic
// @if module=single

module.exports = { secret, fetchSecret };
// @end
// @end
// @if module=workload
// @if databases=none

module.exports = { secrets, SecretCache };
// @end
// @end
