// The secrets db (database credentials), stripe-key (an API key) and tls (a certificate and private key) for app from Google Cloud Secret Manager.
// SDK: com.google.cloud:google-cloud-secretmanager 2.85.0 (BOM com.google.cloud:libraries-bom).
// Identity: the service account attached to the application (Application Default Credentials).
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
    private static final String VERSION_NAME_DB = "projects/example-project/secrets/prod--app--db/versions/latest";
    private static final String VERSION_NAME_STRIPE_KEY = "projects/example-project/secrets/prod--app--stripe-key/versions/latest";
    private static final String VERSION_NAME_TLS = "projects/example-project/secrets/prod--app--tls/versions/latest";

    private Secrets() {}

    /** A client on Application Default Credentials, which resolve to the application's service account. */
    static SecretManagerServiceClient secretClient() throws IOException {
        SecretManagerServiceSettings.Builder settings = SecretManagerServiceSettings.newBuilder();
        // Retries are ours (withRetries below), so the SDK makes one attempt per call.
        settings.accessSecretVersionSettings().setRetrySettings(
                settings.accessSecretVersionSettings().getRetrySettings().toBuilder().setMaxAttempts(1).build());
        return SecretManagerServiceClient.create(settings.build());
    }

    /**
     * Accesses projects/example-project/secrets/prod--app--db/versions/latest and how long to cache it. The field "value" holds the
     * secret's text (JSON for structured secrets: parse it with the JSON library the application already uses).
     */
    static Fetched fetchSecretDb() throws IOException {
        try (SecretManagerServiceClient client = secretClient()) {
            String text = client.accessSecretVersion(VERSION_NAME_DB).getPayload().getData().toStringUtf8();
            return new Fetched(Map.of("value", text), CACHE_TTL_DB);
        }
    }

    /**
     * Accesses projects/example-project/secrets/prod--app--stripe-key/versions/latest and how long to cache it. The field "value" holds the
     * secret's text (JSON for structured secrets: parse it with the JSON library the application already uses).
     */
    static Fetched fetchSecretStripeKey() throws IOException {
        try (SecretManagerServiceClient client = secretClient()) {
            String text = client.accessSecretVersion(VERSION_NAME_STRIPE_KEY).getPayload().getData().toStringUtf8();
            return new Fetched(Map.of("value", text), CACHE_TTL_STRIPE_KEY);
        }
    }

    /**
     * Accesses projects/example-project/secrets/prod--app--tls/versions/latest and how long to cache it. The field "value" holds the
     * secret's text (JSON for structured secrets: parse it with the JSON library the application already uses).
     */
    static Fetched fetchSecretTls() throws IOException {
        try (SecretManagerServiceClient client = secretClient()) {
            String text = client.accessSecretVersion(VERSION_NAME_TLS).getPayload().getData().toStringUtf8();
            return new Fetched(Map.of("value", text), CACHE_TTL_TLS);
        }
    }

    /** Unavailable, throttled or timed-out calls are worth retrying; PermissionDenied or NotFound is not. */
    static boolean isRetryable(Exception error) {
        return error instanceof ApiException api && api.isRetryable();
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
                LOG.warning(String.format("Secret Manager request failed (%s); retry %d/%d in %dms",
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
    /** Secret "db": Database credentials (projects/example-project/secrets/prod--app--db). */
    public static final SecretCache db = new SecretCache(Secrets::fetchSecretDb);

    /** Secret "stripe-key": An API key (projects/example-project/secrets/prod--app--stripe-key). */
    public static final SecretCache stripeKey = new SecretCache(Secrets::fetchSecretStripeKey);

    /** Secret "tls": A certificate and private key (projects/example-project/secrets/prod--app--tls). */
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
