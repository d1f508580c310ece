// @section: authentication
// {{text:DESCRIPTION}} for {{text:NAME}} from AWS Secrets Manager.
// SDK: software.amazon.awssdk:secretsmanager {{text:SDK_VERSION}} (BOM software.amazon.awssdk:bom). Identity: {{text:IDENTITY}}.
// Nothing here logs or prints the secret: errors are logged by type only.
package com.example.secrets;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

public final class Secrets {
    // The secret's name: the ARN's random suffix is only known once the secret exists.
// @each secret
    private static final String RESOURCE_ID{{id:SUFFIX_UPPER}} = {{str:SECRET_ID}};
// @end

    private Secrets() {}

    /** A client on the default credential chain, which finds {{text:IDENTITY_SHORT}}. */
    static SecretsManagerClient secretsClient() {
        String region = System.getenv().getOrDefault("AWS_REGION", {{str:AWS_REGION}});
        return SecretsManagerClient.builder()
                .region(Region.of(region))
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                // Retries are ours (withRetries below), so the SDK makes one attempt per call.
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
                .build();
    }

// @section: secret_retrieval
// @each secret

    /**
     * Reads the AWSCURRENT version of {{text:SECRET_PATH}} and how long to cache it. The field "value" holds the
     * secret's text (JSON for structured secrets: parse it with the JSON library the application already uses).
     */
    static Fetched fetchSecret{{id:SUFFIX}}() {
        try (SecretsManagerClient client = secretsClient()) {
            String text = client.getSecretValue(r -> r.secretId(RESOURCE_ID{{id:SUFFIX_UPPER}}).versionStage("AWSCURRENT")).secretString();
            return new Fetched(Map.of("value", text), CACHE_TTL{{id:SUFFIX_UPPER}});
        }
    }
// @end

// @section: error_handling
    /** Throttling, server errors and network failures are worth retrying; AccessDenied or a missing secret is not. */
    static boolean isRetryable(Exception error) {
        return error instanceof SdkException sdk && sdk.retryable();
    }

