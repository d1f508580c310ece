// The secrets db (database credentials), stripe-key (an API key) and tls (a certificate and private key) for app from Azure Key Vault.
// SDK: com.azure:azure-security-keyvault-secrets 4.11.1 with azure-identity (BOM com.azure:azure-sdk-bom).
// Identity: the application's managed identity (AZURE_CLIENT_ID selects a user-assigned one).
// Nothing here logs or prints the secret: errors are logged by type only.
package com.example.secrets;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.identity.ManagedIdentityCredentialBuilder;
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
    private static final String ITEM_NAME_DB = "prod--app--db";
    private static final String ITEM_NAME_STRIPE_KEY = "prod--app--stripe-key";
    private static final String ITEM_NAME_TLS = "prod--app--tls";

    private Secrets() {}

    /** A Key Vault client that authenticates as the application's managed identity. */
    static SecretClient secretClient() {
        // Set AZURE_CLIENT_ID to pick a user-assigned identity; unset uses the system-assigned one.
        ManagedIdentityCredentialBuilder builder = new ManagedIdentityCredentialBuilder();
        String clientId = System.getenv("AZURE_CLIENT_ID");
        TokenCredential credential = (clientId == null ? builder : builder.clientId(clientId)).build();
        return new SecretClientBuilder()
                .vaultUrl(System.getenv().getOrDefault("AZURE_KEYVAULT_URL", "https://kv-example.vault.azure.net"))
                .credential(credential)
                // Retries are ours (withRetries below), so the SDK makes one attempt per call.
                .retryOptions(new RetryOptions(new FixedDelayOptions(0, Duration.ZERO)))
                .buildClient();
    }

    /**
     * Reads the current version of https://kv-example.vault.azure.net/secrets/prod--app--db and how long to cache it. The field "value" holds the
     * secret's text (JSON for structured secrets: parse it with the JSON library the application already uses).
     */
    static Fetched fetchSecretDb() {
        return new Fetched(Map.of("value", secretClient().getSecret(ITEM_NAME_DB).getValue()), CACHE_TTL_DB);
    }

    /**
     * Reads the current version of https://kv-example.vault.azure.net/secrets/prod--app--stripe-key and how long to cache it. The field "value" holds the
     * secret's text (JSON for structured secrets: parse it with the JSON library the application already uses).
     */
    static Fetched fetchSecretStripeKey() {
        return new Fetched(Map.of("value", secretClient().getSecret(ITEM_NAME_STRIPE_KEY).getValue()), CACHE_TTL_STRIPE_KEY);
    }

    /**
     * Reads the current version of https://kv-example.vault.azure.net/secrets/prod--app--tls and how long to cache it. The field "value" holds the
     * secret's text (JSON for structured secrets: parse it with the JSON library the application already uses).
     */
    static Fetched fetchSecretTls() {
        return new Fetched(Map.of("value", secretClient().getSecret(ITEM_NAME_TLS).getValue()), CACHE_TTL_TLS);
    }

    /** Throttling (429), server errors and network failures are worth retrying; 403 or 404 is not. */
    static boolean isRetryable(Exception error) {
        if (error instanceof HttpResponseException http && http.getResponse() != null) {
            int status = http.getResponse().getStatusCode();
            return status == 429 || status >= 500;
        }
        return error instanceof UncheckedIOException;
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
                LOG.warning(String.format("Key Vault request failed (%s); retry %d/%d in %dms",
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
    /** Secret "db": Database credentials (https://kv-example.vault.azure.net/secrets/prod--app--db). */
    public static final SecretCache db = new SecretCache(Secrets::fetchSecretDb);

    /** Secret "stripe-key": An API key (https://kv-example.vault.azure.net/secrets/prod--app--stripe-key). */
    public static final SecretCache stripeKey = new SecretCache(Secrets::fetchSecretStripeKey);

    /** Secret "tls": A certificate and private key (https://kv-example.vault.azure.net/secrets/prod--app--tls). */
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
