// @section: authentication
// Package secrets: {{text:DESCRIPTION}} for {{text:NAME}} from AWS Secrets Manager.
//
// SDK: github.com/aws/aws-sdk-go-v2/service/secretsmanager {{text:SDK_VERSION}}. Identity: {{text:IDENTITY}}.
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
// @each secret
const resourceID{{id:SUFFIX}} = {{str:SECRET_ID}}
// @end

// secretsClient returns a client on the default credential chain, which finds {{text:IDENTITY_SHORT}}.
func secretsClient(ctx context.Context) (*secretsmanager.Client, error) {
	region := os.Getenv("AWS_REGION")
	if region == "" {
		region = {{str:AWS_REGION}}
	}
	// Retries are ours (withRetries below), so the SDK makes one attempt per call.
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region), config.WithRetryMaxAttempts(1))
	if err != nil {
		return nil, err
	}
	return secretsmanager.NewFromConfig(cfg), nil
}

// @section: secret_retrieval
// @each secret

// fetchSecret{{id:SUFFIX}} reads the AWSCURRENT version of {{text:SECRET_PATH}} and how long to cache it.
func fetchSecret{{id:SUFFIX}}(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := secretsClient(ctx)
	if err != nil {
		return nil, 0, err
	}
	output, err := client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{
		SecretId:     aws.String(resourceID{{id:SUFFIX}}),
		VersionStage: aws.String("AWSCURRENT"),
	})
	if err != nil {
		return nil, 0, err
	}
	text := output.SecretString
	if text == nil {
		return nil, 0, errors.New("the secret has no SecretString")
	}
	return parseFields(*text), cacheTTL{{id:SUFFIX}}, nil
}
// @end

// @section: error_handling
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
