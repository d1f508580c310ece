// @section: authentication
// Short-lived database credentials for __NAME__ from Vault's database secrets engine.
// SDK: org.springframework.vault:spring-vault-core __SDK_VERSION__. The pod logs in with a
// projected service account token whose audience is "vault"; nothing here logs the credential.
// Package-private classes, so the file compiles under any name; move them into your package.

import java.net.URI;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.logging.Logger;

import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.vault.VaultException;
import org.springframework.vault.authentication.KubernetesAuthentication;
import org.springframework.vault.authentication.KubernetesAuthenticationOptions;
import org.springframework.vault.authentication.KubernetesServiceAccountTokenFile;
import org.springframework.vault.client.RestTemplateBuilder;
import org.springframework.vault.client.VaultEndpoint;
import org.springframework.vault.client.VaultHttpHeaders;
import org.springframework.vault.core.VaultTemplate;
import org.springframework.vault.support.VaultResponse;
import org.springframework.vault.support.VaultToken;
import org.springframework.web.client.HttpStatusCodeException;
import org.springframework.web.client.ResourceAccessException;

final class VaultSettings {
    static final String VAULT_ADDR = envOr("VAULT_ADDR", __VAULT_ADDR__);
    static final String VAULT_NAMESPACE = envOr("VAULT_NAMESPACE", __VAULT_NAMESPACE__);
    static final String AUTH_MOUNT = __AUTH_MOUNT__;
    static final String VAULT_ROLE = __VAULT_ROLE__;
    static final String DATABASE_MOUNT = __DATABASE_MOUNT__;
    static final String TOKEN_PATH = __TOKEN_PATH__;

    private VaultSettings() {
    }

    private static String envOr(String name, String fallback) {
        String value = System.getenv(name);
        return value == null || value.isEmpty() ? fallback : value;
    }

    static RestTemplateBuilder restTemplateBuilder() {
        SimpleClientHttpRequestFactory requestFactory = new SimpleClientHttpRequestFactory();
        requestFactory.setConnectTimeout(10_000);
        requestFactory.setReadTimeout(10_000);
        RestTemplateBuilder builder = RestTemplateBuilder.builder()
                .endpoint(VaultEndpoint.from(URI.create(VAULT_ADDR)))
                .requestFactory(requestFactory);
        if (!VAULT_NAMESPACE.isEmpty()) {
            builder = builder.defaultHeader(VaultHttpHeaders.VAULT_NAMESPACE, VAULT_NAMESPACE);
        }
        return builder;
    }

    /** A template holding a fresh Vault token; the credential's lease is its child. */
    static VaultTemplate login() {
        KubernetesAuthenticationOptions options = KubernetesAuthenticationOptions.builder()
                .path(AUTH_MOUNT)
                .role(VAULT_ROLE)
                .jwtSupplier(new KubernetesServiceAccountTokenFile(TOKEN_PATH))
                .build();
        VaultToken token = new KubernetesAuthentication(options, restTemplateBuilder().build()).login();
        return new VaultTemplate(restTemplateBuilder(), () -> token);
    }
}

// @section: secret_retrieval
/** One username/password pair; toString keeps the password out of logs. */
record DatabaseCredentials(String username, String password, String leaseId, long leaseDurationSeconds) {
    @Override
    public String toString() {
        return "DatabaseCredentials[username=" + username + ", password=REDACTED]";
    }

    /** Mints one pair (GET <database_mount>/creds/<role>) with a new login. */
    static DatabaseCredentials fetch() {
        VaultResponse response = VaultSettings.login().read(VaultSettings.DATABASE_MOUNT + "/creds/" + VaultSettings.VAULT_ROLE);
        if (response == null || response.getData() == null) {
            throw new VaultException("Vault returned no credentials");
        }
        Map<String, Object> data = response.getData();
        return new DatabaseCredentials(
                Objects.toString(data.get("username")),
                Objects.toString(data.get("password")),
                response.getLeaseId(),
                response.getLeaseDuration());
    }
}

// @section: error_handling
/** Hands out the current pair and fetches a new one before the lease runs out. */
final class DatabaseCredentialCache {
    private static final Logger LOG = Logger.getLogger(DatabaseCredentialCache.class.getName());
    private static final int MAX_ATTEMPTS = 5;
    private static final long BASE_DELAY_MS = 500;
    private static final long MAX_DELAY_MS = 8_000;

    private DatabaseCredentials credentials;
    private long refreshAtNanos;

    synchronized DatabaseCredentials get() throws InterruptedException {
        if (credentials == null || System.nanoTime() - refreshAtNanos >= 0) {
            DatabaseCredentials fresh = withRetries(DatabaseCredentials::fetch);
            credentials = fresh;
            // Refresh when two thirds of the lease have passed, well before Vault revokes the user.
            refreshAtNanos = System.nanoTime() + fresh.leaseDurationSeconds() * 1_000_000_000L * 2 / 3;
        }
        return credentials;
    }

    /** Vault's 4xx answers (bad role, permission denied) are final, except 429. */
    private static boolean isRetryable(RuntimeException error) {
        if (error instanceof HttpStatusCodeException status) {
            return status.getStatusCode().is5xxServerError() || status.getStatusCode().value() == 429;
        }
        return error instanceof ResourceAccessException || error instanceof VaultException;
    }

    /** Runs operation with bounded retries and exponential backoff with full jitter. */
    static <T> T withRetries(Supplier<T> operation) throws InterruptedException {
        for (int attempt = 1; ; attempt++) {
            try {
                return operation.get();
            } catch (RuntimeException error) {
                if (attempt >= MAX_ATTEMPTS || !isRetryable(error)) {
                    throw error;
                }
                long cap = Math.min(MAX_DELAY_MS, BASE_DELAY_MS << (attempt - 1));
                long delay = ThreadLocalRandom.current().nextLong(cap + 1);
                // Only the error's type is logged: Vault error bodies never carry the password.
                LOG.warning("Vault request failed (" + error.getClass().getSimpleName() + "); retry " + attempt + "/"
                        + (MAX_ATTEMPTS - 1) + " in " + delay + "ms");
                Thread.sleep(delay);
            }
        }
    }
}
