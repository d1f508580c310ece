// @section: authentication
// {{text:DESCRIPTION}} for {{text:NAME}} from AWS Secrets Manager.
// SDK: @aws-sdk/client-secrets-manager {{text:SDK_VERSION}}. Identity: {{text:IDENTITY}}.
// Nothing here logs or prints the secret: errors are logged by type only.
"use strict";

const { GetSecretValueCommand, SecretsManagerClient } = require("@aws-sdk/client-secrets-manager");

const AWS_REGION = process.env.AWS_REGION || {{str:AWS_REGION}};
// The secret's name: the ARN's random suffix is only known once the secret exists.
// @each secret
const RESOURCE_ID{{id:SUFFIX_UPPER}} = {{str:SECRET_ID}};
// @end

/** @returns {SecretsManagerClient} a client on the default credential chain, which finds {{text:IDENTITY_SHORT}} */
function secretsClient() {
  // Retries are ours (withRetries below), so the SDK makes one attempt per call.
  return new SecretsManagerClient({ region: AWS_REGION, maxAttempts: 1 });
}

// @section: secret_retrieval
// @each secret

/**
 * Reads the AWSCURRENT version of {{text:SECRET_PATH}} and how long to cache it.
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecret{{id:SUFFIX}}() {
  const response = await secretsClient().send(new GetSecretValueCommand({ SecretId: RESOURCE_ID{{id:SUFFIX_UPPER}}, VersionStage: "AWSCURRENT" }));
  if (response.SecretString === undefined) {
    throw new Error("the secret has no SecretString");
  }
  return { fields: parseFields(response.SecretString), ttlMs: CACHE_TTL_MS{{id:SUFFIX_UPPER}} };
}
// @end

// @section: error_handling
const RETRYABLE = new Set(["ThrottlingException", "InternalServiceError", "TimeoutError", "ECONNRESET", "ETIMEDOUT"]);

/**
 * Throttling, server errors and network failures are worth retrying; AccessDenied or a missing secret is not.
 * @param {unknown} error
 * @returns {boolean}
 */
function isRetryable(error) {
  return error instanceof Error && (RETRYABLE.has(error.name) || RETRYABLE.has(String(/** @type {{code?: string}} */ (error).code)));
}
