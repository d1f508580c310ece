// Package secrets: The secrets db (database credentials), stripe-key (an API key) and tls (a certificate and private key) for app from AWS Secrets Manager.
//
// SDK: github.com/aws/aws-sdk-go-v2/service/secretsmanager v1.50.12. Identity: the IAM role of the instance, task or function the application runs as.
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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// resourceID is the secret's name: the ARN's random suffix is only known once the secret exists.
const resourceIDDb = "prod/app/db"
const resourceIDStripeKey = "prod/app/stripe-key"
const resourceIDTls = "prod/app/tls"

// secretsClient returns a client on the default credential chain, which finds the application's IAM role.
func secretsClient(ctx context.Context) (*secretsmanager.Client, error) {
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = "us-east-1"
	}
	// Retries are ours (withRetries below), so the SDK makes one attempt per call.
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region), config.WithRetryMaxAttempts(1))
	if err != nil {
		return nil, err
	}
	return secretsmanager.NewFromConfig(cfg), nil
}

// fetchSecretDb reads the AWSCURRENT version of arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/db and how long to cache it.
func fetchSecretDb(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := secretsClient(ctx)
	if err != nil {
		return nil, 0, err
	}
	output, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId:     aws.String(resourceIDDb),
		VersionStage: aws.String("AWSCURRENT"),
	})
	if err != nil {
		return nil, 0, err
	}
	text := output.SecretString
	if text == nil {
		return nil, 0, errors.New("the secret has no SecretString")
	}
	return parseFields(*text), cacheTTLDb, nil
}

// fetchSecretStripeKey reads the AWSCURRENT version of arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/stripe-key and how long to cache it.
func fetchSecretStripeKey(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := secretsClient(ctx)
	if err != nil {
		return nil, 0, err
	}
	output, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId:     aws.String(resourceIDStripeKey),
		VersionStage: aws.String("AWSCURRENT"),
	})
	if err != nil {
		return nil, 0, err
	}
	text := output.SecretString
	if text == nil {
		return nil, 0, errors.New("the secret has no SecretString")
	}
	return parseFields(*text), cacheTTLStripeKey, nil
}

// fetchSecretTls reads the AWSCURRENT version of arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/tls and how long to cache it.
func fetchSecretTls(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := secretsClient(ctx)
	if err != nil {
		return nil, 0, err
	}
	output, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId:     aws.String(resourceIDTls),
		VersionStage: aws.String("AWSCURRENT"),
	})
	if err != nil {
		return nil, 0, err
	}
	text := output.SecretString
	if text == nil {
		return nil, 0, errors.New("the secret has no SecretString")
	}
	return parseFields(*text), cacheTTLTls, nil
}

// isRetryable: throttling, server errors and network failures are worth retrying; AccessDenied or a missing secret is not.
func isRetryable(err error) bool {
	var apiErr interface{ ErrorCode() string }
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode() {
		case "ThrottlingException", "InternalServiceError", "RequestTimeout", "ServiceUnavailable":
			return true
		}
		return false
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
		log.Printf("Secrets Manager request failed (%T); retry %d/%d in %s", err, attempt, maxAttempts-1, delay)
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
	// Db is secret "db": Database credentials (arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/db).
	Db *SecretCache
	// StripeKey is secret "stripe-key": An API key (arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/stripe-key).
	StripeKey *SecretCache
	// Tls is secret "tls": A certificate and private key (arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/tls).
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
