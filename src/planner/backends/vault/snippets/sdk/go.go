// @section: authentication
// Package secrets: {{text:DESCRIPTION}} for {{text:NAME}} from Vault (or OpenBao).
//
// SDK: github.com/hashicorp/vault/api {{text:SDK_VERSION}}. Identity: {{text:IDENTITY}}.
// Nothing here logs or prints the secret: errors are logged by type only.
package secrets

import (
	"context"
// @if auth=github
	"encoding/json"
// @end
	"errors"
	"fmt"
	"log"
	"math/rand"
// @if auth=github
	"net/http"
	"net/url"
// @end
	"os"
// @if auth=kubernetes|approle-file
	"strings"
// @end
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"
)

const (
	authMount = {{str:AUTH_MOUNT}}
	vaultRole = {{str:VAULT_ROLE}}
// @if auth=kubernetes
	// A projected service account token whose audience is the one the Vault role requires.
	tokenPath = {{str:TOKEN_PATH}}
// @end
// @if auth=github
	// The audience the Vault JWT role's bound_audiences expects.
	oidcAudience = {{str:AUDIENCE}}
// @end
)
// @if auth=approle-file

// The AppRole credential files Vault Agent also reads.
const (
	roleIDPath   = {{str:ROLE_ID_PATH}}
	secretIDPath = {{str:SECRET_ID_PATH}}
)
// @end

// vaultClient returns a client for VAULT_ADDR (default {{str:VAULT_ADDR}}) with a fresh token.
func vaultClient(ctx context.Context) (*vault.Client, error) {
	config := vault.DefaultConfig()
	config.Address = envOr("VAULT_ADDR", {{str:VAULT_ADDR}})
	config.Timeout = 10 * time.Second
	// Retries are ours (withRetries below), so the client makes one attempt per call.
	config.MaxRetries = 0
	client, err := vault.NewClient(config)
	if err != nil {
		return nil, err
	}
	if namespace := envOr("VAULT_NAMESPACE", {{str:VAULT_NAMESPACE}}); namespace != "" {
		client.SetNamespace(namespace)
	}
	login, err := loginData(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := client.Logical().WriteWithContext(ctx, "auth/"+authMount+"/login", login)
	if err != nil {
		return nil, err
	}
	if resp == nil || resp.Auth == nil {
		return nil, errors.New("vault login returned no token")
	}
	client.SetToken(resp.Auth.ClientToken)
	return client, nil
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}
// @if auth=kubernetes

// loginData presents the pod's service account token to Vault's Kubernetes auth.
func loginData(context.Context) (map[string]any, error) {
	jwt, err := os.ReadFile(tokenPath)
	if err != nil {
		return nil, err
	}
	return map[string]any{"role": vaultRole, "jwt": strings.TrimSpace(string(jwt))}, nil
}
// @end
// @if auth=github

// loginData requests the job's OIDC token (needs `permissions: id-token: write`) for Vault's JWT auth.
func loginData(ctx context.Context) (map[string]any, error) {
	endpoint := os.Getenv("ACTIONS_ID_TOKEN_REQUEST_URL") + "&audience=" + url.QueryEscape(oidcAudience)
	request, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return nil, err
	}
	request.Header.Set("Authorization", "bearer "+os.Getenv("ACTIONS_ID_TOKEN_REQUEST_TOKEN"))
	response, err := http.DefaultClient.Do(request)
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	if response.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("OIDC token request answered %d", response.StatusCode)
	}
	var token struct {
		Value string `json:"value"`
	}
	if err := json.NewDecoder(response.Body).Decode(&token); err != nil {
		return nil, err
	}
	return map[string]any{"role": vaultRole, "jwt": token.Value}, nil
}
// @end
// @if auth=id-token

// loginData presents the CI job's own token in VAULT_ID_TOKEN to Vault's JWT auth.
func loginData(context.Context) (map[string]any, error) {
	return map[string]any{"role": vaultRole, "jwt": os.Getenv("VAULT_ID_TOKEN")}, nil
}
// @end
// @if auth=approle-file

// loginData presents the AppRole RoleID and SecretID files.
func loginData(context.Context) (map[string]any, error) {
	roleID, err := os.ReadFile(roleIDPath)
	if err != nil {
		return nil, err
	}
	secretID, err := os.ReadFile(secretIDPath)
	if err != nil {
		return nil, err
	}
	return map[string]any{"role_id": strings.TrimSpace(string(roleID)), "secret_id": strings.TrimSpace(string(secretID))}, nil
}
// @end

// @section: secret_retrieval
// @each secret

// @if source=kv
const (
	kvMount{{id:SUFFIX}} = {{str:KV_MOUNT}}
	kvPath{{id:SUFFIX}}  = {{str:KV_PATH}}
)

// fetchSecret{{id:SUFFIX}} reads the latest version of {{text:SECRET_PATH}} (KV v2) and how long to cache it.
func fetchSecret{{id:SUFFIX}}(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := vaultClient(ctx)
	if err != nil {
		return nil, 0, err
	}
	resp, err := client.KVv2(kvMount{{id:SUFFIX}}).Get(ctx, kvPath{{id:SUFFIX}})
	if err != nil {
		return nil, 0, err
	}
	return stringFields(resp.Data), cacheTTL{{id:SUFFIX}}, nil
}
// @end
// @if source=dynamic
// fetchSecret{{id:SUFFIX}} mints one username/password pair (GET {{text:SECRET_PATH}}); the lease is a child of the login token.
func fetchSecret{{id:SUFFIX}}(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := vaultClient(ctx)
	if err != nil {
		return nil, 0, err
	}
	resp, err := client.Logical().ReadWithContext(ctx, {{str:SECRET_PATH}})
	if err != nil {
		return nil, 0, err
	}
	if resp == nil {
		return nil, 0, errors.New("vault returned no credentials")
	}
	// Refresh when two thirds of the lease have passed, well before Vault revokes the user.
	return stringFields(resp.Data), time.Duration(resp.LeaseDuration) * time.Second * 2 / 3, nil
}
// @end
// @if source=pki
// fetchSecret{{id:SUFFIX}} issues a certificate and key (POST {{text:SECRET_PATH}}); Vault generates the key pair.
func fetchSecret{{id:SUFFIX}}(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := vaultClient(ctx)
	if err != nil {
		return nil, 0, err
	}
	resp, err := client.Logical().WriteWithContext(ctx, {{str:SECRET_PATH}}, map[string]any{
		"common_name": {{str:COMMON_NAME}},
		"alt_names":   {{str:ALT_NAMES}},
		"ip_sans":     {{str:IP_SANS}},
		"ttl":         {{str:CERT_TTL}},
	})
	if err != nil {
		return nil, 0, err
	}
	if resp == nil {
		return nil, 0, errors.New("vault issued no certificate")
	}
	ttl := time.Minute
	if expiration, ok := resp.Data["expiration"].(interface{ Int64() (int64, error) }); ok {
		if n, err := expiration.Int64(); err == nil {
			// Renew at two thirds of the certificate's remaining lifetime.
			ttl = time.Until(time.Unix(n, 0)) * 2 / 3
		}
	}
	return stringFields(resp.Data), ttl, nil
}
// @end
// @if source=mounted
// certDir{{id:SUFFIX}} is where the workload mounts the Secret that cert-manager keeps renewed.
const certDir{{id:SUFFIX}} = {{str:CERT_DIR}}

// fetchSecret{{id:SUFFIX}} reads the certificate cert-manager keeps renewed in the mounted Secret (tls.crt, tls.key).
func fetchSecret{{id:SUFFIX}}(context.Context) (map[string]string, time.Duration, error) {
	crt, err := os.ReadFile(certDir{{id:SUFFIX}} + "/tls.crt")
	if err != nil {
		return nil, 0, err
	}
	key, err := os.ReadFile(certDir{{id:SUFFIX}} + "/tls.key")
	if err != nil {
		return nil, 0, err
	}
	return map[string]string{"certificate": string(crt), "private_key": string(key)}, cacheTTL{{id:SUFFIX}}, nil
}
// @end
// @end

func stringFields(data map[string]any) map[string]string {
	fields := make(map[string]string, len(data))
	for key, value := range data {
		fields[key] = fmt.Sprint(value)
	}
	return fields
}

// @section: error_handling
// isRetryable: server-side and network failures are worth retrying; 4xx answers (bad role, denied) are not.
func isRetryable(err error) bool {
	var response *vault.ResponseError
	if errors.As(err, &response) {
		return response.StatusCode == 429 || response.StatusCode >= 500
	}
	return !errors.Is(err, os.ErrNotExist)
}
