// @section: authentication
// {{text:DESCRIPTION}} for {{text:NAME}} from Google Cloud Secret Manager.
// SDK: @google-cloud/secret-manager {{text:SDK_VERSION}}. Identity: {{text:IDENTITY}}.
// Nothing here logs or prints the secret: errors are logged by type only.
"use strict";

const { SecretManagerServiceClient } = require("@google-cloud/secret-manager");

// The newest enabled version of the planned secret.
// @each secret
const VERSION_NAME{{id:SUFFIX_UPPER}} = {{str:SECRET_VERSION}};
// @end

/** @returns {SecretManagerServiceClient} a client on Application Default Credentials, which resolve to {{text:IDENTITY_SHORT}} */
function secretClient() {
  return new SecretManagerServiceClient();
}

// @section: secret_retrieval
// @each secret

/**
 * Accesses {{text:SECRET_PATH}}/versions/latest and how long to cache it.
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecret{{id:SUFFIX}}() {
  // maxRetries 0: retries are ours (withRetries below), so the SDK makes one attempt per call.
  const [version] = await secretClient().accessSecretVersion({ name: VERSION_NAME{{id:SUFFIX_UPPER}} }, { maxRetries: 0, timeout: 10000 });
  const data = version.payload?.data;
  if (data === null || data === undefined) {
    throw new Error("the secret version has no payload");
  }
  return { fields: parseFields(Buffer.from(data).toString("utf8")), ttlMs: CACHE_TTL_MS{{id:SUFFIX_UPPER}} };
}
// @end

// @section: error_handling
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
