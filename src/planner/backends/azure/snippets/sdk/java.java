// @section: authentication
// {{text:DESCRIPTION}} for {{text:NAME}} from Azure Key Vault.
// SDK: com.azure:azure-security-keyvault-secrets {{text:SDK_VERSION}} with azure-identity (BOM com.azure:azure-sdk-bom).
// Identity: {{text:IDENTITY}}.
// Nothing here logs or prints the secret: errors are logged by type only.
package com.example.secrets;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
// @if cred=workload
import com.azure.identity.WorkloadIdentityCredentialBuilder;
// @end
// @if cred=managed
import com.azure.identity.ManagedIdentityCredentialBuilder;
// @end
// @if cred=cli
import com.azure.identity.AzureCliCredentialBuilder;
// @end
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

public final class Secrets {
// @each secret
    private static final String ITEM_NAME{{id:SUFFIX_UPPER}} = {{str:SECRET_NAME}};
// @end

    private Secrets() {}

    /** A Key Vault client that authenticates as {{text:IDENTITY_SHORT}}. */
    static SecretClient secretClient() {
// @if cred=workload
        // AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE are injected by the workload identity webhook.
        TokenCredential credential = new WorkloadIdentityCredentialBuilder().build();
// @end
// @if cred=managed
        // Set AZURE_CLIENT_ID to pick a user-assigned identity; unset uses the system-assigned one.
        ManagedIdentityCredentialBuilder builder = new ManagedIdentityCredentialBuilder();
        String clientId = System.getenv("AZURE_CLIENT_ID");
        TokenCredential credential = (clientId == null ? builder : builder.clientId(clientId)).build();
// @end
// @if cred=cli
        // The pipeline's login step (OIDC federation) leaves the Azure CLI signed in as the pipeline identity.
        TokenCredential credential = new AzureCliCredentialBuilder().build();
// @end
        return new SecretClientBuilder()
                .vaultUrl(System.getenv().getOrDefault("AZURE_KEYVAULT_URL", {{str:VAULT_URL}}))
                .credential(credential)
                // Retries are ours (withRetries below), so the SDK makes one attempt per call.
                .retryOptions(new RetryOptions(new FixedDelayOptions(0, Duration.ZERO)))
                .buildClient();
    }

// @section: secret_retrieval
// @each secret

    /**
     * Reads the current version of {{text:SECRET_PATH}} and how long to cache it. The field "value" holds the
     * secret's text (JSON for structured secrets: parse it with the JSON library the application already uses).
     */
    static Fetched fetchSecret{{id:SUFFIX}}() {
        return new Fetched(Map.of("value", secretClient().getSecret(ITEM_NAME{{id:SUFFIX_UPPER}}).getValue()), CACHE_TTL{{id:SUFFIX_UPPER}});
    }
// @end

// @section: error_handling
    /** Throttling (429), server errors and network failures are worth retrying; 403 or 404 is not. */
    static boolean isRetryable(Exception error) {
        if (error instanceof HttpResponseException http && http.getResponse() != null) {
            int status = http.getResponse().getStatusCode();
            return status == 429 || status >= 500;
        }
        return error instanceof UncheckedIOException;
    }

