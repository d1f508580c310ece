// The secrets db (database credentials), stripe-key (an API key) and tls (a certificate and private key) for app from Vault (or OpenBao).
// SDK: Spring Vault through spring-cloud-starter-vault-config 5.0.3 (BOM spring-cloud-dependencies).
// Identity: the AppRole RoleID and SecretID files in /etc/vault-agent that Vault Agent also uses (mount approle, role prod--app).
// Nothing here logs or prints the secret: errors are logged by type only.
package com.example.secrets;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.logging.Logger;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.vault.authentication.SimpleSessionManager;
import org.springframework.vault.authentication.TokenAuthentication;
import org.springframework.vault.client.RestTemplateBuilder;
import org.springframework.vault.client.VaultEndpoint;
import org.springframework.vault.core.VaultKeyValueOperationsSupport.KeyValueBackend;
import org.springframework.vault.core.VaultTemplate;
import org.springframework.vault.support.VaultResponse;
import org.springframework.web.client.HttpStatusCodeException;
import org.springframework.web.client.ResourceAccessException;

public final class Secrets {
    private static final String AUTH_MOUNT = "approle";
    private static final String VAULT_ROLE = "prod--app";
    private static final String ROLE_ID_PATH = "/etc/vault-agent/role-id";
    private static final String SECRET_ID_PATH = "/etc/vault-agent/secret-id";

    private Secrets() {}

    private static String env(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : value;
    }

    /** A template for VAULT_ADDR holding a fresh Vault token. */
    static VaultTemplate vaultTemplate() throws Exception {
        SimpleClientHttpRequestFactory factory = new SimpleClientHttpRequestFactory();
        factory.setConnectTimeout(Duration.ofSeconds(10));
        factory.setReadTimeout(Duration.ofSeconds(10));
        RestTemplateBuilder builder = RestTemplateBuilder.builder()
                .endpoint(VaultEndpoint.from(env("VAULT_ADDR", "https://vault.example.com:8200")))
                .requestFactory(factory);
        String namespace = env("VAULT_NAMESPACE", "");
        if (!namespace.isEmpty()) {
            builder = builder.defaultHeader("X-Vault-Namespace", namespace);
        }
        VaultResponse login = builder.build().postForObject("auth/{mount}/login", loginData(), VaultResponse.class, AUTH_MOUNT);
        Map<String, Object> auth = Objects.requireNonNull(login, "vault login returned no token").getAuth();
        String token = String.valueOf(Objects.requireNonNull(auth, "vault login returned no token").get("client_token"));
        return new VaultTemplate(builder, new SimpleSessionManager(new TokenAuthentication(token)));
    }

    /** The AppRole RoleID and SecretID files. */
    private static Map<String, String> loginData() throws IOException {
        return Map.of(
                "role_id", Files.readString(Path.of(ROLE_ID_PATH)).trim(),
                "secret_id", Files.readString(Path.of(SECRET_ID_PATH)).trim());
    }

    /** Mints one username/password pair (GET database/creds/prod--app--db); the lease is a child of the login token. */
    static Fetched fetchSecretDb() throws Exception {
        VaultResponse response = Objects.requireNonNull(vaultTemplate().read("database/creds/prod--app--db"), "no credentials");
        // Refresh when two thirds of the lease have passed, well before Vault revokes the user.
        return new Fetched(stringFields(response.getData()), Duration.ofSeconds(response.getLeaseDuration() * 2 / 3));
    }

    /** Reads the latest version of secret/data/prod/app/stripe-key (KV v2) and how long to cache it. */
    static Fetched fetchSecretStripeKey() throws Exception {
        VaultResponse response = vaultTemplate().opsForKeyValue("secret", KeyValueBackend.KV_2).get("prod/app/stripe-key");
        return new Fetched(stringFields(Objects.requireNonNull(response, "secret not found").getData()), CACHE_TTL_STRIPE_KEY);
    }

    /** Issues a certificate and key (POST pki/issue/prod--app--tls); Vault generates the key pair. */
    static Fetched fetchSecretTls() throws Exception {
        VaultResponse response = Objects.requireNonNull(
                vaultTemplate().write("pki/issue/prod--app--tls", Map.of("common_name", "app.prod.example.com", "alt_names", "", "ip_sans", "", "ttl", "2160h")),
                "no certificate");
        Map<String, String> fields = stringFields(response.getData());
        // Renew at two thirds of the certificate's remaining lifetime.
        long remaining = Long.parseLong(fields.getOrDefault("expiration", "0")) - Instant.now().getEpochSecond();
        return new Fetched(fields, Duration.ofSeconds(Math.max(remaining * 2 / 3, 60)));
    }

    private static Map<String, String> stringFields(Map<String, Object> data) {
        Map<String, String> fields = new HashMap<>();
        if (data != null) {
            data.forEach((key, value) -> fields.put(key, String.valueOf(value)));
        }
        return fields;
    }

    /** Server-side and network failures are worth retrying; 4xx answers (bad role, denied) are not. */
    static boolean isRetryable(Exception error) {
        if (error instanceof HttpStatusCodeException status) {
            return status.getStatusCode().value() == 429 || status.getStatusCode().is5xxServerError();
        }
        return error instanceof ResourceAccessException || error instanceof IOException;
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
                LOG.warning(String.format("Vault request failed (%s); retry %d/%d in %dms",
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
    /** Secret "db": Database credentials (database/creds/prod--app--db). */
    public static final SecretCache db = new SecretCache(Secrets::fetchSecretDb);

    /** Secret "stripe-key": An API key (secret/data/prod/app/stripe-key). */
    public static final SecretCache stripeKey = new SecretCache(Secrets::fetchSecretStripeKey);

    /** Secret "tls": A certificate and private key (pki/issue/prod--app--tls). */
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
