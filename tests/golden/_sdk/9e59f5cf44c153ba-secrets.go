// Package secrets: An API key for payments from Azure Key Vault.
//
// SDK: azsecrets v1.5.0 with azidentity. Identity: the application's managed identity (AZURE_CLIENT_ID selects a user-assigned one).
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

const itemName = "staging--payments-api-key"

// secretClient returns a Key Vault client that authenticates as the application's managed identity.
func secretClient() (*azsecrets.Client, error) {
	vaultURL := os.Getenv("AZURE_KEYVAULT_URL")
	if vaultURL == "" {
		vaultURL = "https://kv-staging-payments.vault.azure.net"
	}
	// Set AZURE_CLIENT_ID to pick a user-assigned identity; unset uses the system-assigned one.
	options := &azidentity.ManagedIdentityCredentialOptions{}
	if clientID := os.Getenv("AZURE_CLIENT_ID"); clientID != "" {
		options.ID = azidentity.ClientID(clientID)
	}
	credential, err := azidentity.NewManagedIdentityCredential(options)
	if err != nil {
		return nil, err
	}
	// Retries are ours (withRetries below): MaxRetries -1 makes the SDK try once.
	return azsecrets.NewClient(vaultURL, credential, &azsecrets.ClientOptions{
		ClientOptions: azcore.ClientOptions{Retry: policy.RetryOptions{MaxRetries: -1}},
	})
}

// fetchSecret reads the current version of https://kv-staging-payments.vault.azure.net/secrets/staging--payments-api-key and how long to cache it.
func fetchSecret(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := secretClient()
	if err != nil {
		return nil, 0, err
	}
	response, err := client.GetSecret(ctx, itemName, "", nil)
	if err != nil {
		return nil, 0, err
	}
	if response.Value == nil {
		return nil, 0, errors.New("the secret has no value")
	}
	return parseFields(*response.Value), cacheTTL, nil
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
	// How long a read stays fresh when the backend does not say: a tenth of the 90d rotation period, between 30s and 300s, so a rotated value is seen soon after it is written.
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
