const MAX_ATTEMPTS = 5;
const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 8000;
// How long a read stays fresh when the backend does not say: {{text:CACHE_REASON}}.
const CACHE_TTL_MS = {{int:CACHE_TTL}} * 1000;

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
}

const secret = new SecretCache();

module.exports = { secret, fetchSecret };
