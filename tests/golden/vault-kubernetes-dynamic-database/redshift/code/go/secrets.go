// Package secrets hands out short-lived database credentials for app from Vault's
// database secrets engine (github.com/hashicorp/vault/api v1.23.0 and
// github.com/hashicorp/vault/api/auth/kubernetes). The pod logs in with a projected service
// account token whose audience is "vault"; nothing here logs the credential.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"log"
	"math/rand"
	"net/http"
	"os"
	"sync"
	"time"

	vault "github.com/hashicorp/vault/api"
	auth "github.com/hashicorp/vault/api/auth/kubernetes"
)

const (
	defaultVaultAddr      = "https://vault.example.com:8200"
	defaultVaultNamespace = ""
	authMount             = "kubernetes"
	vaultRole             = "prod-app"
	databaseMount         = "database"
	tokenPath             = "/var/run/secrets/vault/token"
)

func envOr(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// login returns a client holding a fresh Vault token; the credential's lease is its child.
func login(ctx context.Context) (*vault.Client, error) {
	cfg := vault.DefaultConfig()
	cfg.Address = envOr("VAULT_ADDR", defaultVaultAddr)
	cfg.Timeout = 10 * time.Second
	client, err := vault.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("vault client: %w", err)
	}
	if ns := envOr("VAULT_NAMESPACE", defaultVaultNamespace); ns != "" {
		client.SetNamespace(ns)
	}
	k8sAuth, err := auth.NewKubernetesAuth(vaultRole, auth.WithServiceAccountTokenPath(tokenPath), auth.WithMountPath(authMount))
	if err != nil {
		return nil, fmt.Errorf("vault kubernetes auth: %w", err)
	}
	secret, err := client.Auth().Login(ctx, k8sAuth)
	if err != nil {
		return nil, fmt.Errorf("vault login: %w", err)
	}
	if secret == nil || secret.Auth == nil {
		return nil, errors.New("vault login returned no token")
	}
	return client, nil
}

// Credentials is one username/password pair; String and GoString keep the password out of logs.
type Credentials struct {
	Username      string
	Password      string
	LeaseID       string
	LeaseDuration time.Duration
}

func (c Credentials) String() string {
	return "Credentials{Username: " + c.Username + ", Password: REDACTED}"
}

func (c Credentials) GoString() string { return c.String() }

// fetchCredentials mints one pair (GET <database_mount>/creds/<role>) with a new login.
func fetchCredentials(ctx context.Context) (Credentials, error) {
	client, err := login(ctx)
	if err != nil {
		return Credentials{}, err
	}
	secret, err := client.Logical().ReadWithContext(ctx, databaseMount+"/creds/"+vaultRole)
	if err != nil {
		return Credentials{}, fmt.Errorf("vault read creds: %w", err)
	}
	if secret == nil || secret.Data == nil {
		return Credentials{}, errors.New("vault returned no credentials")
	}
	username, okUser := secret.Data["username"].(string)
	password, okPass := secret.Data["password"].(string)
	if !okUser || !okPass {
		return Credentials{}, errors.New("vault credentials lack username or password")
	}
	return Credentials{
		Username:      username,
		Password:      password,
		LeaseID:       secret.LeaseID,
		LeaseDuration: time.Duration(secret.LeaseDuration) * time.Second,
	}, nil
}

const (
	maxAttempts = 5
	baseDelay   = 500 * time.Millisecond
	maxDelay    = 8 * time.Second
)

// retryable is false for Vault's 4xx answers (bad role, permission denied) except 429.
func retryable(err error) bool {
	var respErr *vault.ResponseError
	if errors.As(err, &respErr) {
		return respErr.StatusCode >= http.StatusInternalServerError || respErr.StatusCode == http.StatusTooManyRequests
	}
	return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
}

// withRetries runs fetch with bounded retries and exponential backoff with full jitter.
func withRetries(ctx context.Context) (Credentials, error) {
	var lastErr error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		creds, err := fetchCredentials(ctx)
		if err == nil {
			return creds, nil
		}
		lastErr = err
		if !retryable(err) || attempt == maxAttempts {
			break
		}
		backoff := baseDelay << (attempt - 1)
		if backoff > maxDelay {
			backoff = maxDelay
		}
		delay := time.Duration(rand.Int63n(int64(backoff)))
		// Errors from the Vault client name the path and status, never the password.
		log.Printf("vault request failed, retry %d/%d in %s: %v", attempt, maxAttempts-1, delay, err)
		select {
		case <-ctx.Done():
			return Credentials{}, ctx.Err()
		case <-time.After(delay):
		}
	}
	return Credentials{}, lastErr
}

// CredentialCache hands out the current pair and fetches a new one when two thirds of the
// lease have passed, well before Vault revokes the database user.
type CredentialCache struct {
	mu        sync.Mutex
	creds     Credentials
	refreshAt time.Time
}

func (c *CredentialCache) Get(ctx context.Context) (Credentials, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.creds.Username != "" && time.Now().Before(c.refreshAt) {
		return c.creds, nil
	}
	creds, err := withRetries(ctx)
	if err != nil {
		return Credentials{}, err
	}
	c.creds = creds
	c.refreshAt = time.Now().Add(creds.LeaseDuration * 2 / 3)
	return creds, nil
}
