// @section: authentication
// {{text:DESCRIPTION}} for {{text:NAME}} from Vault (or OpenBao).
// SDK: Spring Vault through spring-cloud-starter-vault-config {{text:SDK_VERSION}} (BOM spring-cloud-dependencies).
// Identity: {{text:IDENTITY}}.
// Nothing here logs or prints the secret: errors are logged by type only.
package com.example.secrets;

import java.io.IOException;
// @if auth=github
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
// @end
// @if auth=kubernetes|approle-file
import java.nio.file.Files;
import java.nio.file.Path;
// @end
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
    private static final String AUTH_MOUNT = {{str:AUTH_MOUNT}};
    private static final String VAULT_ROLE = {{str:VAULT_ROLE}};
// @if auth=kubernetes
    // A projected service account token whose audience is the one the Vault role requires.
    private static final String TOKEN_PATH = {{str:TOKEN_PATH}};
// @end
// @if auth=github
    // The audience the Vault JWT role's bound_audiences expects.
    private static final String OIDC_AUDIENCE = {{str:AUDIENCE}};
// @end
// @if auth=approle-file
    private static final String ROLE_ID_PATH = {{str:ROLE_ID_PATH}};
    private static final String SECRET_ID_PATH = {{str:SECRET_ID_PATH}};
// @end

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
                .endpoint(VaultEndpoint.from(env("VAULT_ADDR", {{str:VAULT_ADDR}})))
                .requestFactory(factory);
        String namespace = env("VAULT_NAMESPACE", {{str:VAULT_NAMESPACE}});
        if (!namespace.isEmpty()) {
            builder = builder.defaultHeader("X-Vault-Namespace", namespace);
        }
        VaultResponse login = builder.build().postForObject("auth/{mount}/login", loginData(), VaultResponse.class, AUTH_MOUNT);
        Map<String, Object> auth = Objects.requireNonNull(login, "vault login returned no token").getAuth();
        String token = String.valueOf(Objects.requireNonNull(auth, "vault login returned no token").get("client_token"));
        return new VaultTemplate(builder, new SimpleSessionManager(new TokenAuthentication(token)));
    }
// @if auth=kubernetes

    /** The pod's service account token for Vault's Kubernetes auth. */
    private static Map<String, String> loginData() throws IOException {
        return Map.of("role", VAULT_ROLE, "jwt", Files.readString(Path.of(TOKEN_PATH)).trim());
    }
// @end
// @if auth=github

    /** The job's OIDC token (needs `permissions: id-token: write`) for Vault's JWT auth. */
    private static Map<String, String> loginData() throws IOException, InterruptedException {
        String url = System.getenv("ACTIONS_ID_TOKEN_REQUEST_URL") + "&audience="
                + URLEncoder.encode(OIDC_AUDIENCE, StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "bearer " + System.getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN"))
                .timeout(Duration.ofSeconds(10))
                .build();
        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("OIDC token request answered " + response.statusCode());
        }
        // The answer is {"count":..,"value":"<jwt>"}; a JWT holds no quotes, so the value ends at the next one.
        String body = response.body();
        int start = body.indexOf("\"value\":\"") + "\"value\":\"".length();
        return Map.of("role", VAULT_ROLE, "jwt", body.substring(start, body.indexOf('"', start)));
    }
// @end
// @if auth=id-token

    /** The CI job's own token in VAULT_ID_TOKEN for Vault's JWT auth. */
    private static Map<String, String> loginData() {
        return Map.of("role", VAULT_ROLE, "jwt", env("VAULT_ID_TOKEN", ""));
    }
// @end
// @if auth=approle-file

    /** The AppRole RoleID and SecretID files. */
    private static Map<String, String> loginData() throws IOException {
        return Map.of(
                "role_id", Files.readString(Path.of(ROLE_ID_PATH)).trim(),
                "secret_id", Files.readString(Path.of(SECRET_ID_PATH)).trim());
    }
// @end

// @section: secret_retrieval
// @each secret

// @if source=kv
    /** Reads the latest version of {{text:SECRET_PATH}} (KV v2) and how long to cache it. */
    static Fetched fetchSecret{{id:SUFFIX}}() throws Exception {
        VaultResponse response = vaultTemplate().opsForKeyValue({{str:KV_MOUNT}}, KeyValueBackend.KV_2).get({{str:KV_PATH}});
        return new Fetched(stringFields(Objects.requireNonNull(response, "secret not found").getData()), CACHE_TTL{{id:SUFFIX_UPPER}});
    }
// @end
// @if source=dynamic
    /** Mints one username/password pair (GET {{text:SECRET_PATH}}); the lease is a child of the login token. */
    static Fetched fetchSecret{{id:SUFFIX}}() throws Exception {
        VaultResponse response = Objects.requireNonNull(vaultTemplate().read({{str:SECRET_PATH}}), "no credentials");
        // Refresh when two thirds of the lease have passed, well before Vault revokes the user.
        return new Fetched(stringFields(response.getData()), Duration.ofSeconds(response.getLeaseDuration() * 2 / 3));
    }
// @end
// @if source=pki
    /** Issues a certificate and key (POST {{text:SECRET_PATH}}); Vault generates the key pair. */
    static Fetched fetchSecret{{id:SUFFIX}}() throws Exception {
        VaultResponse response = Objects.requireNonNull(
                vaultTemplate().write({{str:SECRET_PATH}}, Map.of("common_name", {{str:COMMON_NAME}}, "alt_names", {{str:ALT_NAMES}}, "ip_sans", {{str:IP_SANS}}, "ttl", {{str:CERT_TTL}})),
                "no certificate");
        Map<String, String> fields = stringFields(response.getData());
        // Renew at two thirds of the certificate's remaining lifetime.
        long remaining = Long.parseLong(fields.getOrDefault("expiration", "0")) - Instant.now().getEpochSecond();
        return new Fetched(fields, Duration.ofSeconds(Math.max(remaining * 2 / 3, 60)));
    }
// @end
// @if source=mounted
    // Where the workload mounts the Secret that cert-manager keeps renewed.
    private static final String CERT_DIR{{id:SUFFIX_UPPER}} = {{str:CERT_DIR}};

    /** Reads the certificate cert-manager keeps renewed in the mounted Secret (tls.crt, tls.key). */
    static Fetched fetchSecret{{id:SUFFIX}}() throws IOException {
        return new Fetched(
                Map.of(
                        "certificate", Files.readString(Path.of(CERT_DIR{{id:SUFFIX_UPPER}}, "tls.crt")),
                        "private_key", Files.readString(Path.of(CERT_DIR{{id:SUFFIX_UPPER}}, "tls.key"))),
                CACHE_TTL{{id:SUFFIX_UPPER}});
    }
// @end
// @end

    private static Map<String, String> stringFields(Map<String, Object> data) {
        Map<String, String> fields = new HashMap<>();
        if (data != null) {
            data.forEach((key, value) -> fields.put(key, String.valueOf(value)));
        }
        return fields;
    }

// @section: error_handling
    /** Server-side and network failures are worth retrying; 4xx answers (bad role, denied) are not. */
    static boolean isRetryable(Exception error) {
        if (error instanceof HttpStatusCodeException status) {
            return status.getStatusCode().value() == 429 || status.getStatusCode().is5xxServerError();
        }
        return error instanceof ResourceAccessException || error instanceof IOException;
    }

