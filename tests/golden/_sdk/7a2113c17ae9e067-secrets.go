// Package secrets: Database credentials for app from Vault (or OpenBao).
//
// SDK: github.com/hashicorp/vault/api v1.23.0. Identity: the GitHub Actions job's OIDC token (audience https://vault.example.com:8200) through Vault's JWT auth (mount jwt, role prod--app).
// Nothing here logs or prints the secret: errors are logged by type only.
package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math/rand"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"
)

const (
	authMount = "jwt"
	vaultRole = "prod--app"
	// The audience the Vault JWT role's bound_audiences expects.
	oidcAudience = "https://vault.example.com:8200"
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

const (
	kvMount = "secret"
	kvPath  = "prod/app/database"
)

// fetchSecret reads the latest version of secret/data/prod/app/database (KV v2) and how long to cache it.
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

// AuthRetryDelays: a refused login means the cached credential was replaced, so Connect re-reads
// it and retries after each delay (15s in all): a new value written up to 15s after the old one
// stopped working is still found.
var AuthRetryDelays = []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}

// IsAuthFailure reports whether a database driver's error says the server refused the username or
// password: SQLSTATE 28P01 or 28000 (pgx's *pgconn.PgError reports it through SQLState), or MySQL and
// MariaDB error 1045 (go-sql-driver/mysql's *mysql.MySQLError prints it as "Error 1045").
func IsAuthFailure(err error) bool {
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) {
		state := coded.SQLState()
		return state == "28P01" || state == "28000"
	}
	for ; err != nil; err = errors.Unwrap(err) {
		message := err.Error()
		if len(message) >= 11 && message[:10] == "Error 1045" && (message[10] == ':' || message[10] == ' ') {
			return true
		}
	}
	return false
}

// Connect opens a connection with the current credential; when the database refuses it, it drops
// the cached copy, reads the secret again and retries after each of retryDelays, then returns the error.
func Connect[C any](ctx context.Context, open func(context.Context, map[string]string) (C, error), retryDelays []time.Duration) (C, error) {
	var zero C
	for attempt := 0; ; attempt++ {
		fields, err := Secret.Get(ctx)
		if err != nil {
			return zero, err
		}
		conn, err := open(ctx, fields)
		if err == nil {
			return conn, nil
		}
		if attempt >= len(retryDelays) || !IsAuthFailure(err) {
			return zero, err
		}
		log.Printf("the database refused the credential (%T); reading the secret again, retry %d/%d in %s", err, attempt+1, len(retryDelays), retryDelays[attempt])
		Secret.Invalidate()
		select {
		case <-ctx.Done():
			return zero, ctx.Err()
		case <-time.After(retryDelays[attempt]):
		}
	}
}
