// Package secrets: The secrets db (database credentials), stripe-key (an API key) and tls (a certificate and private key) for app from Azure Key Vault.
//
// SDK: azsecrets v1.5.0 with azidentity. Identity: the workload identity federated with service account app/prod--app (the AKS webhook injects AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE).
// Nothing here logs or prints the secret: errors are logged by type only.
package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math/rand"
	"net"
	"os"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azsecrets"
)

const itemNameDb = "prod--app--db"
const itemNameStripeKey = "prod--app--stripe-key"
const itemNameTls = "prod--app--tls"

// secretClient returns a Key Vault client that authenticates as the workload identity.
func secretClient() (*azsecrets.Client, error) {
	vaultURL := os.Getenv("AZURE_KEYVAULT_URL")
	if vaultURL == "" {
		vaultURL = "https://kv-example.vault.azure.net"
	}
	// AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE are injected by the workload identity webhook.
	credential, err := azidentity.NewWorkloadIdentityCredential(nil)
	if err != nil {
		return nil, err
	}
	// Retries are ours (withRetries below): MaxRetries -1 makes the SDK try once.
	return azsecrets.NewClient(vaultURL, credential, &azsecrets.ClientOptions{
		ClientOptions: azcore.ClientOptions{Retry: policy.RetryOptions{MaxRetries: -1}},
	})
}

// fetchSecretDb reads the current version of https://kv-example.vault.azure.net/secrets/prod--app--db and how long to cache it.
func fetchSecretDb(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := secretClient()
	if err != nil {
		return nil, 0, err
	}
	response, err := client.GetSecret(ctx, itemNameDb, "", nil)
	if err != nil {
		return nil, 0, err
	}
	if response.Value == nil {
		return nil, 0, errors.New("the secret has no value")
	}
	return parseFields(*response.Value), cacheTTLDb, nil
}

// fetchSecretStripeKey reads the current version of https://kv-example.vault.azure.net/secrets/prod--app--stripe-key and how long to cache it.
func fetchSecretStripeKey(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := secretClient()
	if err != nil {
		return nil, 0, err
	}
	response, err := client.GetSecret(ctx, itemNameStripeKey, "", nil)
	if err != nil {
		return nil, 0, err
	}
	if response.Value == nil {
		return nil, 0, errors.New("the secret has no value")
	}
	return parseFields(*response.Value), cacheTTLStripeKey, nil
}

// fetchSecretTls reads the current version of https://kv-example.vault.azure.net/secrets/prod--app--tls and how long to cache it.
func fetchSecretTls(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := secretClient()
	if err != nil {
		return nil, 0, err
	}
	response, err := client.GetSecret(ctx, itemNameTls, "", nil)
	if err != nil {
		return nil, 0, err
	}
	if response.Value == nil {
		return nil, 0, errors.New("the secret has no value")
	}
	return parseFields(*response.Value), cacheTTLTls, nil
}

// isRetryable: throttling (429), server errors and network failures are worth retrying; 403 or 404 is not.
func isRetryable(err error) bool {
	var responseErr *azcore.ResponseError
	if errors.As(err, &responseErr) {
		return responseErr.StatusCode == 429 || responseErr.StatusCode >= 500
	}
	var netErr net.Error
	return errors.As(err, &netErr)
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
		log.Printf("Key Vault request failed (%T); retry %d/%d in %s", err, attempt, maxAttempts-1, delay)
		select {
		case <-ctx.Done():
			return zero, ctx.Err()
		case <-time.After(delay):
		}
	}
}

// parseFields returns a JSON object's fields, or the whole text as "value" for a plain secret.
func parseFields(text string) map[string]string {
	var document map[string]any
	if err := json.Unmarshal([]byte(text), &document); err != nil {
		return map[string]string{"value": text}
	}
	fields := make(map[string]string, len(document))
	for key, value := range document {
		fields[key] = fmt.Sprint(value)
	}
	return fields
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
	// Db is secret "db": Database credentials (https://kv-example.vault.azure.net/secrets/prod--app--db).
	Db *SecretCache
	// StripeKey is secret "stripe-key": An API key (https://kv-example.vault.azure.net/secrets/prod--app--stripe-key).
	StripeKey *SecretCache
	// Tls is secret "tls": A certificate and private key (https://kv-example.vault.azure.net/secrets/prod--app--tls).
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
