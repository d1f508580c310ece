// Package secrets: The secrets db (database credentials), stripe-key (an API key) and tls (a certificate and private key) for app from Vault (or OpenBao).
//
// SDK: github.com/hashicorp/vault/api v1.23.0. Identity: service account app/prod--app through Vault's Kubernetes auth (mount kubernetes, role prod--app) with a projected token of audience "vault" at /var/run/secrets/vault/token.
// Nothing here logs or prints the secret: errors are logged by type only.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math/rand"
	"os"
	"strings"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"
)

const (
	authMount = "kubernetes"
	vaultRole = "prod--app"
	// A projected service account token whose audience is the one the Vault role requires.
	tokenPath = "/var/run/secrets/vault/token"
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

// loginData presents the pod's service account token to Vault's Kubernetes auth.
func loginData(context.Context) (map[string]any, error) {
	jwt, err := os.ReadFile(tokenPath)
	if err != nil {
		return nil, err
	}
	return map[string]any{"role": vaultRole, "jwt": strings.TrimSpace(string(jwt))}, nil
}

// fetchSecretDb mints one username/password pair (GET database/creds/prod--app--db); the lease is a child of the login token.
func fetchSecretDb(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := vaultClient(ctx)
	if err != nil {
		return nil, 0, err
	}
	resp, err := client.Logical().ReadWithContext(ctx, "database/creds/prod--app--db")
	if err != nil {
		return nil, 0, err
	}
	if resp == nil {
		return nil, 0, errors.New("vault returned no credentials")
	}
	// Refresh when two thirds of the lease have passed, well before Vault revokes the user.
	return stringFields(resp.Data), time.Duration(resp.LeaseDuration) * time.Second * 2 / 3, nil
}

const (
	kvMountStripeKey = "secret"
	kvPathStripeKey  = "prod/app/stripe-key"
)

// fetchSecretStripeKey reads the latest version of secret/data/prod/app/stripe-key (KV v2) and how long to cache it.
func fetchSecretStripeKey(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := vaultClient(ctx)
	if err != nil {
		return nil, 0, err
	}
	resp, err := client.KVv2(kvMountStripeKey).Get(ctx, kvPathStripeKey)
	if err != nil {
		return nil, 0, err
	}
	return stringFields(resp.Data), cacheTTLStripeKey, nil
}

// certDirTls is where the workload mounts the Secret that cert-manager keeps renewed.
const certDirTls = "/var/run/secrets/prod--app--tls-tls"

// fetchSecretTls reads the certificate cert-manager keeps renewed in the mounted Secret (tls.crt, tls.key).
func fetchSecretTls(context.Context) (map[string]string, time.Duration, error) {
	crt, err := os.ReadFile(certDirTls + "/tls.crt")
	if err != nil {
		return nil, 0, err
	}
	key, err := os.ReadFile(certDirTls + "/tls.key")
	if err != nil {
		return nil, 0, err
	}
	return map[string]string{"certificate": string(crt), "private_key": string(key)}, cacheTTLTls, nil
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
	// How long a read stays fresh when the backend does not say: a tenth of the 1h rotation period, between 30s and 300s, so a rotated value is seen soon after it is written.
	cacheTTLDb = 300 * time.Second
	// How long a read stays fresh when the backend does not say: the secret changes only by hand, so a change is seen within 300s.
	cacheTTLStripeKey = 300 * time.Second
	// How long a read stays fresh when the backend does not say: a tenth of the 90d rotation period, between 30s and 300s, so a rotated value is seen soon after it is written.
	cacheTTLTls = 300 * time.Second
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
	fetch     func(context.Context) (map[string]string, time.Duration, error)
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
			fields, ttl, err := c.fetch(ctx)
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

// Secrets holds the workload's secrets, one accessor each with its own cache: Secrets.<Label>.Get(ctx), .Invalidate().
var Secrets = struct {
	// Db is secret "db": Database credentials (database/creds/prod--app--db).
	Db *SecretCache
	// StripeKey is secret "stripe-key": An API key (secret/data/prod/app/stripe-key).
	StripeKey *SecretCache
	// Tls is secret "tls": A certificate and private key (pki/sign/prod--app--tls).
	Tls *SecretCache
}{
	// Db reads with fetchSecretDb.
	Db: &SecretCache{fetch: fetchSecretDb},
	// StripeKey reads with fetchSecretStripeKey.
	StripeKey: &SecretCache{fetch: fetchSecretStripeKey},
	// Tls reads with fetchSecretTls.
	Tls: &SecretCache{fetch: fetchSecretTls},
}

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

// Connect opens a connection with secret's current credential; when the database refuses it, it drops
// that cached copy, reads the secret again and retries after each of retryDelays, then returns the error.
func Connect[C any](ctx context.Context, secret *SecretCache, open func(context.Context, map[string]string) (C, error), retryDelays []time.Duration) (C, error) {
	var zero C
	for attempt := 0; ; attempt++ {
		fields, err := secret.Get(ctx)
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
		secret.Invalidate()
		select {
		case <-ctx.Done():
			return zero, ctx.Err()
		case <-time.After(retryDelays[attempt]):
		}
	}
}
