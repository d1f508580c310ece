// The secrets db (database credentials), stripe-key (an API key) and tls (a certificate and private key) for app from AWS Secrets Manager.
// SDK: software.amazon.awssdk:secretsmanager 2.57.8 (BOM software.amazon.awssdk:bom). Identity: the IAM role of the instance, task or function the application runs as.
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
    private static final String RESOURCE_ID_DB = "prod/app/db";
    private static final String RESOURCE_ID_STRIPE_KEY = "prod/app/stripe-key";
    private static final String RESOURCE_ID_TLS = "prod/app/tls";

    private Secrets() {}

    /** A client on the default credential chain, which finds the application's IAM role. */
    static SecretsManagerClient secretsClient() {
        String region = System.getenv().getOrDefault("AWS_REGION", "us-east-1");
        return SecretsManagerClient.builder()
                .region(Region.of(region))
                .credentialsProvider(DefaultCredentialsProvider.builder().build())
                // Retries are ours (withRetries below), so the SDK makes one attempt per call.
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
                .build();
    }

    /**
     * Reads the AWSCURRENT version of arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/db and how long to cache it. The field "value" holds the
     * secret's text (JSON for structured secrets: parse it with the JSON library the application already uses).
     */
    static Fetched fetchSecretDb() {
        try (SecretsManagerClient client = secretsClient()) {
            String text = client.getSecretValue(r -> r.secretId(RESOURCE_ID_DB).versionStage("AWSCURRENT")).secretString();
            return new Fetched(Map.of("value", text), CACHE_TTL_DB);
        }
    }

    /**
     * Reads the AWSCURRENT version of arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/stripe-key and how long to cache it. The field "value" holds the
     * secret's text (JSON for structured secrets: parse it with the JSON library the application already uses).
     */
    static Fetched fetchSecretStripeKey() {
        try (SecretsManagerClient client = secretsClient()) {
            String text = client.getSecretValue(r -> r.secretId(RESOURCE_ID_STRIPE_KEY).versionStage("AWSCURRENT")).secretString();
            return new Fetched(Map.of("value", text), CACHE_TTL_STRIPE_KEY);
        }
    }

    /**
     * Reads the AWSCURRENT version of arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/tls and how long to cache it. The field "value" holds the
     * secret's text (JSON for structured secrets: parse it with the JSON library the application already uses).
     */
    static Fetched fetchSecretTls() {
        try (SecretsManagerClient client = secretsClient()) {
            String text = client.getSecretValue(r -> r.secretId(RESOURCE_ID_TLS).versionStage("AWSCURRENT")).secretString();
            return new Fetched(Map.of("value", text), CACHE_TTL_TLS);
        }
    }

    /** Throttling, server errors and network failures are worth retrying; AccessDenied or a missing secret is not. */
    static boolean isRetryable(Exception error) {
        return error instanceof SdkException sdk && sdk.retryable();
    }

    private static final int MAX_ATTEMPTS = 5;
    private static final long BASE_DELAY_MILLIS = 500;
    private static final long MAX_DELAY_MILLIS = 8000;
    // How long a read stays fresh when the backend does not say: a tenth of the 1h rotation period, between 30s and 300s, so a rotated value is seen soon after it is written.
    private static final Duration CACHE_TTL_DB = Duration.ofSeconds(300);
    // How long a read stays fresh when the backend does not say: the secret changes only by hand, so a change is seen within 300s.
    private static final Duration CACHE_TTL_STRIPE_KEY = Duration.ofSeconds(300);
    // How long a read stays fresh when the backend does not say: a tenth of the 90d rotation period, between 30s and 300s, so a rotated value is seen soon after it is written.
    private static final Duration CACHE_TTL_TLS = Duration.ofSeconds(300);
    private static final Logger LOG = Logger.getLogger(Secrets.class.getName());

    /** Runs operation with bounded retries and exponential backoff with full jitter. */
    static <T> T withRetries(Callable<T> operation) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return operation.call();
            } catch (Exception error) {
                if (attempt == MAX_ATTEMPTS || !isRetryable(error)) {
                    throw error;
                }
                long cap = Math.min(MAX_DELAY_MILLIS, BASE_DELAY_MILLIS << (attempt - 1));
                long delay = ThreadLocalRandom.current().nextLong(cap + 1);
                // Only the error's type is logged: responses are never logged, so the secret is not either.
                LOG.warning(String.format("Secrets Manager request failed (%s); retry %d/%d in %dms",
                        error.getClass().getSimpleName(), attempt, MAX_ATTEMPTS - 1, delay));
                Thread.sleep(delay);
            }
        }
    }

    /** A secret's fields and how long they stay fresh. */
    record Fetched(Map<String, String> fields, Duration ttl) {
        @Override
        public String toString() {
            return "Fetched[fields=REDACTED, ttl=" + ttl + "]";
        }
    }

    /** Hands out the current secret and fetches it again once its time to live has passed. */
    public static final class SecretCache {
        private final Callable<Fetched> fetch;
        private Map<String, String> fields;
        private Instant refreshAt = Instant.EPOCH;

        SecretCache(Callable<Fetched> fetch) {
            this.fetch = fetch;
        }

        public synchronized Map<String, String> get() throws Exception {
            if (fields == null || !Instant.now().isBefore(refreshAt)) {
                Fetched fetched = withRetries(fetch);
                fields = fetched.fields();
                refreshAt = Instant.now().plus(fetched.ttl());
            }
            return fields;
        }

        /** Drops the cached copy, so the next get() reads the secret again (after the backend's value was refused). */
        public synchronized void invalidate() {
            fields = null;
        }
    }

    // The workload's secrets, one accessor each with its own cache: Secrets.<label>.get(), .invalidate().
    /** Secret "db": Database credentials (arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/db). */
    public static final SecretCache db = new SecretCache(Secrets::fetchSecretDb);

    /** Secret "stripe-key": An API key (arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/stripe-key). */
    public static final SecretCache stripeKey = new SecretCache(Secrets::fetchSecretStripeKey);

    /** Secret "tls": A certificate and private key (arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/tls). */
    public static final SecretCache tls = new SecretCache(Secrets::fetchSecretTls);

    // A refused login means the cached credential was replaced: re-read it and retry after each delay
    // (15s in all), so a new value written up to 15s after the old one stopped working is still found.
    static final long[] AUTH_RETRY_DELAY_MILLIS = {0, 1000, 2000, 4000, 8000};

    /** Opens a connection (JDBC or another driver's) from the secret's fields. */
    @FunctionalInterface
    public interface Opener<C> {
        C open(Map<String, String> fields) throws java.sql.SQLException;
    }

    /** Whether the database refused the username or password: SQLSTATE 28P01 or 28000, or MySQL and MariaDB error 1045. */
    static boolean isAuthFailure(java.sql.SQLException error) {
        String state = error.getSQLState();
        return "28P01".equals(state) || "28000".equals(state) || error.getErrorCode() == 1045;
    }

    /**
     * Opens a connection with secret's current credential; when the database refuses it, drops that
     * cached copy, reads the secret again and retries after each of retryDelayMillis, then throws.
     */
    public static <C> C connect(SecretCache secret, Opener<C> opener, long[] retryDelayMillis) throws Exception {
        for (int attempt = 0; ; attempt++) {
            Map<String, String> fields = secret.get();
            try {
                return opener.open(fields);
            } catch (java.sql.SQLException error) {
                if (attempt >= retryDelayMillis.length || !isAuthFailure(error)) {
                    throw error;
                }
                LOG.warning(String.format("the database refused the credential (%s); reading the secret again, retry %d/%d in %dms",
                        error.getClass().getSimpleName(), attempt + 1, retryDelayMillis.length, retryDelayMillis[attempt]));
                secret.invalidate();
                Thread.sleep(retryDelayMillis[attempt]);
            }
        }
    }

    /** As connect(secret, opener, retryDelayMillis), with AUTH_RETRY_DELAY_MILLIS. */
    public static <C> C connect(SecretCache secret, Opener<C> opener) throws Exception {
        return connect(secret, opener, AUTH_RETRY_DELAY_MILLIS);
    }
}
