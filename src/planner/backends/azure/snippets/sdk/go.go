// @section: authentication
// Package secrets: {{text:DESCRIPTION}} for {{text:NAME}} from Azure Key Vault.
//
// SDK: azsecrets {{text:SDK_VERSION}} with azidentity. Identity: {{text:IDENTITY}}.
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

// @each secret
const itemName{{id:SUFFIX}} = {{str:SECRET_NAME}}
// @end

// secretClient returns a Key Vault client that authenticates as {{text:IDENTITY_SHORT}}.
func secretClient() (*azsecrets.Client, error) {
	vaultURL := os.Getenv("AZURE_KEYVAULT_URL")
	if vaultURL == "" {
		vaultURL = {{str:VAULT_URL}}
	}
// @if cred=workload
	// AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE are injected by the workload identity webhook.
	credential, err := azidentity.NewWorkloadIdentityCredential(nil)
// @end
// @if cred=managed
	// Set AZURE_CLIENT_ID to pick a user-assigned identity; unset uses the system-assigned one.
	options := &azidentity.ManagedIdentityCredentialOptions{}
	if clientID := os.Getenv("AZURE_CLIENT_ID"); clientID != "" {
		options.ID = azidentity.ClientID(clientID)
	}
	credential, err := azidentity.NewManagedIdentityCredential(options)
// @end
// @if cred=cli
	// The pipeline's login step (OIDC federation) leaves the Azure CLI signed in as the pipeline identity.
	credential, err := azidentity.NewAzureCLICredential(nil)
// @end
	if err != nil {
		return nil, err
	}
	// Retries are ours (withRetries below): MaxRetries -1 makes the SDK try once.
	return azsecrets.NewClient(vaultURL, credential, &azsecrets.ClientOptions{
		ClientOptions: azcore.ClientOptions{Retry: policy.RetryOptions{MaxRetries: -1}},
	})
}

// @section: secret_retrieval
// @each secret

// fetchSecret{{id:SUFFIX}} reads the current version of {{text:SECRET_PATH}} and how long to cache it.
func fetchSecret{{id:SUFFIX}}(ctx context.Context) (map[string]string, time.Duration, error) {
	client, err := secretClient()
	if err != nil {
		return nil, 0, err
	}
	response, err := client.GetSecret(ctx, itemName{{id:SUFFIX}}, "", nil)
	if err != nil {
		return nil, 0, err
	}
	if response.Value == nil {
		return nil, 0, errors.New("the secret has no value")
	}
	return parseFields(*response.Value), cacheTTL{{id:SUFFIX}}, nil
}
// @end

// @section: error_handling
// isRetryable: throttling (429), server errors and network failures are worth retrying; 403 or 404 is not.
func isRetryable(err error) bool {
	var responseErr *azcore.ResponseError
	if errors.As(err, &responseErr) {
		return responseErr.StatusCode == 429 || responseErr.StatusCode >= 500
	}
	var netErr net.Error
	return errors.As(err, &netErr)
}
