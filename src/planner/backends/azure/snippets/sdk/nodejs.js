// @section: authentication
// {{text:DESCRIPTION}} for {{text:NAME}} from Azure Key Vault.
// SDK: @azure/keyvault-secrets {{text:SDK_VERSION}} with @azure/identity. Identity: {{text:IDENTITY}}.
// Nothing here logs or prints the secret: errors are logged by type only.
"use strict";

// @if cred=workload
const { WorkloadIdentityCredential } = require("@azure/identity");
// @end
// @if cred=managed
const { ManagedIdentityCredential } = require("@azure/identity");
// @end
// @if cred=cli
const { AzureCliCredential } = require("@azure/identity");
// @end
const { SecretClient } = require("@azure/keyvault-secrets");

const VAULT_URL = process.env.AZURE_KEYVAULT_URL || {{str:VAULT_URL}};
// @each secret
const ITEM_NAME{{id:SUFFIX_UPPER}} = {{str:SECRET_NAME}};
// @end

/** @returns {SecretClient} a Key Vault client that authenticates as {{text:IDENTITY_SHORT}} */
function secretClient() {
// @if cred=workload
  // AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE are injected by the workload identity webhook.
  const credential = new WorkloadIdentityCredential();
// @end
// @if cred=managed
  // Set AZURE_CLIENT_ID to pick a user-assigned identity; unset uses the system-assigned one.
  const clientId = process.env.AZURE_CLIENT_ID;
  const credential = clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
// @end
// @if cred=cli
  // The pipeline's login step (OIDC federation) leaves the Azure CLI signed in as the pipeline identity.
  const credential = new AzureCliCredential();
// @end
  // Retries are ours (withRetries below), so the SDK makes one attempt per call.
  return new SecretClient(VAULT_URL, credential, { retryOptions: { maxRetries: 0 } });
}

// @section: secret_retrieval
// @each secret

/**
 * Reads the current version of {{text:SECRET_PATH}} and how long to cache it.
 * @returns {Promise<{fields: Record<string, string>, ttlMs: number}>}
 */
async function fetchSecret{{id:SUFFIX}}() {
  const { value } = await secretClient().getSecret(ITEM_NAME{{id:SUFFIX_UPPER}});
  if (value === undefined) {
    throw new Error("the secret has no value");
  }
  return { fields: parseFields(value), ttlMs: CACHE_TTL_MS{{id:SUFFIX_UPPER}} };
}
// @end

// @section: error_handling
/**
 * Throttling (429), server errors and network failures are worth retrying; 403 or 404 is not.
 * @param {unknown} error
 * @returns {boolean}
 */
function isRetryable(error) {
  const status = /** @type {{statusCode?: number}} */ (error).statusCode;
  return status === undefined || status === 429 || status >= 500;
}
