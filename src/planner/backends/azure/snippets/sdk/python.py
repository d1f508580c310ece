# @section: authentication
"""{{text:DESCRIPTION}} for {{text:NAME}} from Azure Key Vault.

SDK: azure-keyvault-secrets {{text:SDK_VERSION}} with azure-identity {{text:IDENTITY_VERSION}}. Identity: {{text:IDENTITY}}.
Nothing here logs or prints the secret: errors are logged by type only.
"""

import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

from azure.core.exceptions import HttpResponseError, ServiceRequestError, ServiceResponseError
# @if cred=workload
from azure.identity import WorkloadIdentityCredential
# @end
# @if cred=managed
from azure.identity import ManagedIdentityCredential
# @end
# @if cred=cli
from azure.identity import AzureCliCredential
# @end
from azure.keyvault.secrets import SecretClient

VAULT_URL = os.environ.get("AZURE_KEYVAULT_URL", {{str:VAULT_URL}})
# @each secret
ITEM_NAME{{id:SUFFIX_UPPER}} = {{str:SECRET_NAME}}
# @end

log = logging.getLogger(__name__)


def secret_client() -> SecretClient:
    """A Key Vault client that authenticates as {{text:IDENTITY_SHORT}}."""
# @if cred=workload
    # AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE are injected by the workload identity webhook.
    credential = WorkloadIdentityCredential()
# @end
# @if cred=managed
    # Set AZURE_CLIENT_ID to pick a user-assigned identity; unset uses the system-assigned one.
    credential = ManagedIdentityCredential(client_id=os.environ.get("AZURE_CLIENT_ID"))
# @end
# @if cred=cli
    # The pipeline's login step (OIDC federation) leaves the Azure CLI signed in as the pipeline identity.
    credential = AzureCliCredential()
# @end
    # Retries are ours (with_retries below), so the SDK makes one attempt per call.
    return SecretClient(vault_url=VAULT_URL, credential=credential, retry_total=0)


# @section: secret_retrieval
# @each secret


def fetch_secret{{id:SUFFIX}}() -> tuple[Mapping[str, str], float]:
    """Reads the current version of {{text:SECRET_PATH}}; returns its fields and how long to cache them."""
    value = secret_client().get_secret(ITEM_NAME{{id:SUFFIX_UPPER}}).value
    if value is None:
        raise LookupError("the secret has no value")
    return parse_fields(value), CACHE_TTL_SECONDS{{id:SUFFIX_UPPER}}
# @end


# @section: error_handling
def is_retryable(error: Exception) -> bool:
    """Throttling (429), server errors and network failures are worth retrying; 403 or 404 is not."""
    if isinstance(error, (ServiceRequestError, ServiceResponseError)):
        return True
    return isinstance(error, HttpResponseError) and (error.status_code == 429 or (error.status_code or 0) >= 500)
