// Package secrets: An API key for app from Google Cloud Secret Manager.
//
// SDK: cloud.google.com/go/secretmanager v1.16.0. Identity: the service account attached to the application (Application Default Credentials).
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
const versionName = "projects/example-project/secrets/prod--app-api-key/versions/latest"

// secretClient returns a client on Application Default Credentials, which resolve to the application's service account.
func secretClient(ctx context.Context) (*secretmanager.Client, error) {
	return secretmanager.NewClient(ctx)
}

// fetchSecret accesses projects/example-project/secrets/prod--app-api-key/versions/latest and how long to cache it.
func fetchSecret(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := secretClient(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer client.Close()
	// No SDK retryer: retries are ours (withRetries below), so the SDK makes one attempt per call.
	noRetry := gax.WithRetry(func() gax.Retryer { return nil })
	response, err := client.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: versionName}, noRetry)
	if err != nil {
		return nil, 0, err
	}
	return parseFields(string(response.GetPayload().GetData())), cacheTTL, nil
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
