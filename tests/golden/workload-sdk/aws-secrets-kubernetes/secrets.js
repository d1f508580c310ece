// The secrets db (database credentials), stripe-key (an API key) and tls (a certificate and private key) for app from AWS Secrets Manager.
// SDK: @aws-sdk/client-secrets-manager 3.1164.0. Identity: the IAM role of service account app/prod--app through IRSA (EKS injects AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE).
// Nothing here logs or prints the secret: errors are logged by type only.
"use strict";

const { GetSecretValueCommand, SecretsManagerClient } = require("@aws-sdk/client-secrets-manager");

const AWS_REGION = process.env.AWS_REGION || "us-east-1";
// The secret's name: the ARN's random suffix is only known once the secret exists.
const RESOURCE_ID_DB = "prod/app/db";
const RESOURCE_ID_STRIPE_KEY = "prod/app/stripe-key";
const RESOURCE_ID_TLS = "prod/app/tls";

/** @returns {SecretsManagerClient} a client on the default credential chain, which finds the pod's IAM role */
function secretsClient() {
  // Retries are ours (withRetries below), so the SDK makes one attempt per call.
  return new SecretsManagerClient({ region: AWS_REGION, maxAttempts: 1 });
}

/**
 * Reads the AWSCURRENT version of arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/db and how long to cache it.
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecretDb() {
  const response = await secretsClient().send(new GetSecretValueCommand({ SecretId: RESOURCE_ID_DB, VersionStage: "AWSCURRENT" }));
  if (response.SecretString === undefined) {
    throw new Error("the secret has no SecretString");
  }
  return { fields: parseFields(response.SecretString), ttlMs: CACHE_TTL_MS_DB };
}

/**
 * Reads the AWSCURRENT version of arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/stripe-key and how long to cache it.
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecretStripeKey() {
  const response = await secretsClient().send(new GetSecretValueCommand({ SecretId: RESOURCE_ID_STRIPE_KEY, VersionStage: "AWSCURRENT" }));
  if (response.SecretString === undefined) {
    throw new Error("the secret has no SecretString");
  }
  return { fields: parseFields(response.SecretString), ttlMs: CACHE_TTL_MS_STRIPE_KEY };
}

/**
 * Reads the AWSCURRENT version of arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/tls and how long to cache it.
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecretTls() {
  const response = await secretsClient().send(new GetSecretValueCommand({ SecretId: RESOURCE_ID_TLS, VersionStage: "AWSCURRENT" }));
  if (response.SecretString === undefined) {
    throw new Error("the secret has no SecretString");
  }
  return { fields: parseFields(response.SecretString), ttlMs: CACHE_TTL_MS_TLS };
}

const RETRYABLE = new Set(["ThrottlingException", "InternalServiceError", "TimeoutError", "ECONNRESET", "ETIMEDOUT"]);

/**
 * Throttling, server errors and network failures are worth retrying; AccessDenied or a missing secret is not.
 * @param {unknown} error
 * @returns {boolean}
 */
function isRetryable(error) {
  return error instanceof Error && (RETRYABLE.has(error.name) || RETRYABLE.has(String(/** @type {{code?: string}} */ (error).code)));
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
      console.warn(`Secrets Manager request failed (${kind}); retry ${attempt}/${MAX_ATTEMPTS - 1} in ${Math.round(delay)}ms`);
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
  // Secret "db": Database credentials (arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/db).
  db: new SecretCache(fetchSecretDb),
  // Secret "stripe-key": An API key (arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/stripe-key).
  stripeKey: new SecretCache(fetchSecretStripeKey),
  // Secret "tls": A certificate and private key (arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/tls).
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
