// @section: authentication
// Package secrets: {{text:DESCRIPTION}} for {{text:NAME}} from Google Cloud Secret Manager.
//
// SDK: cloud.google.com/go/secretmanager {{text:SDK_VERSION}}. Identity: {{text:IDENTITY}}.
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
// @each secret
const versionName{{id:SUFFIX}} = {{str:SECRET_VERSION}}
// @end

// secretClient returns a client on Application Default Credentials, which resolve to {{text:IDENTITY_SHORT}}.
func secretClient(ctx context.Context) (*secretmanager.Client, error) {
	return secretmanager.NewClient(ctx)
}

// @section: secret_retrieval
// @each secret

// fetchSecret{{id:SUFFIX}} accesses {{text:SECRET_PATH}}/versions/latest and how long to cache it.
func fetchSecret{{id:SUFFIX}}(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := secretClient(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer client.Close()
	// No SDK retryer: retries are ours (withRetries below), so the SDK makes one attempt per call.
	noRetry := gax.WithRetry(func() gax.Retryer { return nil })
	response, err := client.AccessSecretVersion(ctx, &secretmanagerpb.AccessSecretVersionRequest{Name: versionName{{id:SUFFIX}}}, noRetry)
	if err != nil {
		return nil, 0, err
	}
	return parseFields(string(response.GetPayload().GetData())), cacheTTL{{id:SUFFIX}}, nil
}
// @end

// @section: error_handling
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
