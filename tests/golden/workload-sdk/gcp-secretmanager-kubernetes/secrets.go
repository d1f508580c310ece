// Package secrets: The secrets db (database credentials), stripe-key (an API key) and tls (a certificate and private key) for app from Google Cloud Secret Manager.
//
// SDK: cloud.google.com/go/secretmanager v1.16.0. Identity: service account app/prod--app through GKE Workload Identity Federation (Application Default Credentials).
// Nothing here logs or prints the secret: errors are logged by type only.
package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"math/rand"
	"sync"
	"time"

	secretmanager "cloud.google.com/go/secretmanager/apiv1"
	"cloud.google.com/go/secretmanager/apiv1/secretmanagerpb"
	"github.com/googleapis/gax-go/v2"
	"github.com/googleapis/gax-go/v2/apierror"
)

// versionName is the newest enabled version of the planned secret.
const versionNameDb = "projects/example-project/secrets/prod--app--db/versions/latest"
const versionNameStripeKey = "projects/example-project/secrets/prod--app--stripe-key/versions/latest"
const versionNameTls = "projects/example-project/secrets/prod--app--tls/versions/latest"

// secretClient returns a client on Application Default Credentials, which resolve to the pod's Kubernetes service account.
func secretClient(ctx context.Context) (*secretmanager.Client, error) {
	return secretmanager.NewClient(ctx)
}

// fetchSecretDb accesses projects/example-project/secrets/prod--app--db/versions/latest and how long to cache it.
func fetchSecretDb(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := secretClient(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer client.Close()
	// No SDK retryer: retries are ours (withRetries below), so the SDK makes one attempt per call.
	noRetry := gax.WithRetry(func() gax.Retryer { return nil })
	response, err := client.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: versionNameDb}, noRetry)
	if err != nil {
		return nil, 0, err
	}
	return parseFields(string(response.GetPayload().GetData())), cacheTTLDb, nil
}

// fetchSecretStripeKey accesses projects/example-project/secrets/prod--app--stripe-key/versions/latest and how long to cache it.
func fetchSecretStripeKey(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := secretClient(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer client.Close()
	// No SDK retryer: retries are ours (withRetries below), so the SDK makes one attempt per call.
	noRetry := gax.WithRetry(func() gax.Retryer { return nil })
	response, err := client.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: versionNameStripeKey}, noRetry)
	if err != nil {
		return nil, 0, err
	}
	return parseFields(string(response.GetPayload().GetData())), cacheTTLStripeKey, nil
}

// fetchSecretTls accesses projects/example-project/secrets/prod--app--tls/versions/latest and how long to cache it.
func fetchSecretTls(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := secretClient(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer client.Close()
	// No SDK retryer: retries are ours (withRetries below), so the SDK makes one attempt per call.
	noRetry := gax.WithRetry(func() gax.Retryer { return nil })
	response, err := client.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: versionNameTls}, noRetry)
	if err != nil {
		return nil, 0, err
	}
	return parseFields(string(response.GetPayload().GetData())), cacheTTLTls, nil
}

// isRetryable: unavailable, throttled or timed-out calls are worth retrying; PermissionDenied or NotFound is not.
func isRetryable(err error) bool {
	var apiErr *apierror.APIError
	if !errors.As(err, &apiErr) {
		return errors.Is(err, context.DeadlineExceeded)
	}
	switch apiErr.GRPCStatus().Code() {
	// UNAVAILABLE, RESOURCE_EXHAUSTED, INTERNAL, DEADLINE_EXCEEDED
	case 14, 8, 13, 4:
		return true
	}
	return false
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
		log.Printf("Secret Manager request failed (%T); retry %d/%d in %s", err, attempt, maxAttempts-1, delay)
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
	// Db is secret "db": Database credentials (projects/example-project/secrets/prod--app--db).
	Db *SecretCache
	// StripeKey is secret "stripe-key": An API key (projects/example-project/secrets/prod--app--stripe-key).
	StripeKey *SecretCache
	// Tls is secret "tls": A certificate and private key (projects/example-project/secrets/prod--app--tls).
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
