// @section: authentication
// {{text:DESCRIPTION}} for {{text:NAME}} from Google Cloud Secret Manager.
// SDK: com.google.cloud:google-cloud-secretmanager {{text:SDK_VERSION}} (BOM com.google.cloud:libraries-bom).
// Identity: {{text:IDENTITY}}.
// Nothing here logs or prints the secret: errors are logged by type only.
package com.example.secrets;

import com.google.api.gax.rpc.ApiException;
import com.google.cloud.secretmanager.v1.SecretManagerServiceClient;
import com.google.cloud.secretmanager.v1.SecretManagerServiceSettings;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;

public final class Secrets {
    // The newest enabled version of the planned secret.
// @each secret
    private static final String VERSION_NAME{{id:SUFFIX_UPPER}} = {{str:SECRET_VERSION}};
// @end

    private Secrets() {}

    /** A client on Application Default Credentials, which resolve to {{text:IDENTITY_SHORT}}. */
    static SecretManagerServiceClient secretClient() throws IOException {
        SecretManagerServiceSettings.Builder settings = SecretManagerServiceSettings.newBuilder();
        // Retries are ours (withRetries below), so the SDK makes one attempt per call.
        settings.accessSecretVersionSettings().setRetrySettings(
                settings.accessSecretVersionSettings().getRetrySettings().toBuilder().setMaxAttempts(1).build());
        return SecretManagerServiceClient.create(settings.build());
    }

// @section: secret_retrieval
// @each secret

    /**
     * Accesses {{text:SECRET_PATH}}/versions/latest and how long to cache it. The field "value" holds the
     * secret's text (JSON for structured secrets: parse it with the JSON library the application already uses).
     */
    static Fetched fetchSecret{{id:SUFFIX}}() throws IOException {
        try (SecretManagerServiceClient client = secretClient()) {
            String text = client.accessSecretVersion(VERSION_NAME{{id:SUFFIX_UPPER}}).getPayload().getData().toStringUtf8();
            return new Fetched(Map.of("value", text), CACHE_TTL{{id:SUFFIX_UPPER}});
        }
    }
// @end

// @section: error_handling
    /** Unavailable, throttled or timed-out calls are worth retrying; PermissionDenied or NotFound is not. */
    static boolean isRetryable(Exception error) {
        return error instanceof ApiException api && api.isRetryable();
    }

