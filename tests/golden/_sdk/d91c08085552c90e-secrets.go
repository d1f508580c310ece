// Package secrets: A certificate and private key for app from Vault (or OpenBao).
//
// SDK: github.com/hashicorp/vault/api v1.23.0. Identity: the Jenkins build's oidc-provider token (credential "vault-prod--app-id-token", audience https://vault.example.com:8200), which the step that runs the code exports from its file (export VAULT_ID_TOKEN="?(cat "?ID_TOKEN_FILE")") through Vault's JWT auth (mount jwt-jenkins, role prod--app).
// Nothing here logs or prints the secret: errors are logged by type only.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math/rand"
	"os"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"
)

const (
	authMount = "jwt-jenkins"
	vaultRole = "prod--app"
)

// vaultClient returns a client for VAULT_ADDR (default "https://vault.example.com:8200") with a fresh token.
func vaultClient(ctx context.Context) (*vault.Client, error) {
	config := vault.DefaultConfig()
	config.Address = envOr("VAULT_ADDR", "https://vault.example.com:8200")
	config.Timeout = 10 * time.Second
	// Retries are ours (withRetries below), so the client makes one attempt per call.
	config.MaxRetries = 0
	client, err := vault.NewClient(config)
	if err != nil {
		return nil, err
	}
	if namespace := envOr("VAULT_NAMESPACE", ""); namespace != "" {
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

// loginData presents the CI job's own token in VAULT_ID_TOKEN to Vault's JWT auth.
func loginData(context.Context) (map[string]any, error) {
	return map[string]any{"role": vaultRole, "jwt": os.Getenv("VAULT_ID_TOKEN")}, nil
}

const (
	kvMount = "secret"
	kvPath  = "prod/app/certificate"
)

// fetchSecret reads the latest version of secret/data/prod/app/certificate (KV v2) and how long to cache it.
func fetchSecret(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := vaultClient(ctx)
	if err != nil {
		return nil, 0, err
	}
	resp, err := client.KVv2(kvMount).Get(ctx, kvPath)
	if err != nil {
		return nil, 0, err
	}
	return stringFields(resp.Data), cacheTTL, nil
}

func stringFields(data map[string]any) map[string]string {
	fields := make(map[string]string, len(data))
	for key, value := range data {
		fields[key] = fmt.Sprint(value)
	}
	return fields
}

// isRetryable: server-side and network failures are worth retrying; 4xx answers (bad role, denied) are not.
func isRetryable(err error) bool {
	var response *vault.ResponseError
	if errors.As(err, &response) {
		return response.StatusCode == 429 || response.StatusCode >= 500
	}
	return !errors.Is(err, os.ErrNotExist)
}

const (
	maxAttempts = 5
	baseDelay   = 500 * time.Millisecond
	maxDelay    = 8 * time.Second
	// How long a read stays fresh when the backend does not say: the secret changes only by hand, so a change is seen within 300s.
	cacheTTL = 300 * time.Second
)

// withRetries runs op with bounded retries and exponential backoff with full jitter.
func withRetries[T any](ctx context.Context, op func(context.Context) (T, error)) (T, error) {
	var zero T
	for attempt := 1; ; attempt++ {
		result, err := op(ctx)
		if err == nil {
			return result, nil
		}
		if attempt == maxAttempts || !isRetryable(err) {
			return zero, err
		}
		backoff := baseDelay << (attempt - 1)
		if backoff > maxDelay {
			backoff = maxDelay
		}
		delay := time.Duration(rand.Int63n(int64(backoff) + 1))
		// Only the error's type is logged: responses are never logged, so the secret is not either.
		log.Printf("Vault request failed (%T); retry %d/%d in %s", err, attempt, maxAttempts-1, delay)
		select {
		case <-ctx.Done():
			return zero, ctx.Err()
		case <-time.After(delay):
		}
	}
}

// SecretCache hands out the current secret and fetches it again once its time to live has passed.
type SecretCache struct {
	mu        sync.Mutex
	fields    map[string]string
	refreshAt time.Time
}

type fetched struct {
	fields map[string]string
	ttl    time.Duration
}

// Get returns the cached fields, fetching them first when they are missing or stale.
func (c *SecretCache) Get(ctx context.Context) (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fields == nil || time.Now().After(c.refreshAt) {
		result, err := withRetries(ctx, func(ctx context.Context) (fetched, error) {
			fields, ttl, err := fetchSecret(ctx)
			return fetched{fields, ttl}, err
		})
		if err != nil {
			return nil, err
		}
		c.fields = result.fields
		c.refreshAt = time.Now().Add(result.ttl)
	}
	return c.fields, nil
}

// Invalidate drops the cached copy, so the next Get reads the secret again (after the backend's value was refused).
func (c *SecretCache) Invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fields = nil
}

// Secret is the process-wide cache of the planned secret.
var Secret = &SecretCache{}
