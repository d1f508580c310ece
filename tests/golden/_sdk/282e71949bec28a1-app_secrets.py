"""An API key for payments from Azure Key Vault.

SDK: azure-keyvault-secrets 4.12.0 with azure-identity 1.27.0. Identity: the application's managed identity (AZURE_CLIENT_ID selects a user-assigned one).
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
from azure.identity import ManagedIdentityCredential
from azure.keyvault.secrets import SecretClient

VAULT_URL = os.environ.get("AZURE_KEYVAULT_URL", "https://kv-staging-payments.vault.azure.net")
ITEM_NAME = "staging--payments-api-key"

log = logging.getLogger(__name__)


def secret_client() -> SecretClient:
    """A Key Vault client that authenticates as the application's managed identity."""
    # Set AZURE_CLIENT_ID to pick a user-assigned identity; unset uses the system-assigned one.
    credential = ManagedIdentityCredential(client_id=os.environ.get("AZURE_CLIENT_ID"))
    # Retries are ours (with_retries below), so the SDK makes one attempt per call.
    return SecretClient(vault_url=VAULT_URL, credential=credential, retry_total=0)


def fetch_secret() -> tuple[Mapping[str, str], float]:
    """Reads the current version of https://kv-staging-payments.vault.azure.net/secrets/staging--payments-api-key; returns its fields and how long to cache them."""
    value = secret_client().get_secret(ITEM_NAME).value
    if value is None:
        raise LookupError("the secret has no value")
    return parse_fields(value), CACHE_TTL_SECONDS


def is_retryable(error: Exception) -> bool:
    """Throttling (429), server errors and network failures are worth retrying; 403 or 404 is not."""
    if isinstance(error, (ServiceRequestError, ServiceResponseError)):
        return True
    return isinstance(error, HttpResponseError) and (error.status_code == 429 or (error.status_code or 0) >= 500)


MAX_ATTEMPTS = 5
BASE_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 8.0
# How long a read stays fresh when the backend does not say: a tenth of the 90d rotation period, between 30s and 300s, so a rotated value is seen soon after it is written.
CACHE_TTL_SECONDS = 300

T = TypeVar("T")


def parse_fields(text: str) -> Mapping[str, str]:
    """A JSON object's fields, or the whole text as "value" for a plain secret."""
    try:
        document = json.loads(text)
    except ValueError:
        return {"value": text}
    if isinstance(document, dict):
        return {str(key): str(value) for key, value in document.items()}
    return {"value": text}


def with_retries(operation: Callable[[], T]) -> T:
    """Runs operation with bounded retries and exponential backoff with full jitter."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return operation()
        except Exception as error:
            if attempt == MAX_ATTEMPTS or not is_retryable(error):
                raise
            delay = random.uniform(0, min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** (attempt - 1)))
            # Only the error's type is logged: responses are never logged, so the secret is not either.
            log.warning("Key Vault request failed (%s); retry %d/%d in %.1fs", type(error).__name__, attempt, MAX_ATTEMPTS - 1, delay)
            time.sleep(delay)
    raise RuntimeError("unreachable")


class SecretCache:
    """Hands out the current secret and fetches it again once its time to live has passed."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fields: Mapping[str, str] | None = None
        self._refresh_at = 0.0

    def get(self) -> Mapping[str, str]:
        with self._lock:
            if self._fields is None or time.monotonic() >= self._refresh_at:
                fields, ttl = with_retries(fetch_secret)
                self._fields = fields
                self._refresh_at = time.monotonic() + ttl
            return self._fields

    def invalidate(self) -> None:
        """Drops the cached copy, so the next get() reads the secret again (after the backend's value was refused)."""
        with self._lock:
            self._fields = None


secret = SecretCache()
