"""The secrets db (database credentials), stripe-key (an API key) and tls (a certificate and private key) for app from Azure Key Vault.

SDK: azure-keyvault-secrets 4.12.0 with azure-identity 1.27.0. Identity: the workload identity federated with service account app/prod--app (the AKS webhook injects AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE).
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
from azure.identity import WorkloadIdentityCredential
from azure.keyvault.secrets import SecretClient

VAULT_URL = os.environ.get("AZURE_KEYVAULT_URL", "https://kv-example.vault.azure.net")
ITEM_NAME_DB = "prod--app--db"
ITEM_NAME_STRIPE_KEY = "prod--app--stripe-key"
ITEM_NAME_TLS = "prod--app--tls"

log = logging.getLogger(__name__)


def secret_client() -> SecretClient:
    """A Key Vault client that authenticates as the workload identity."""
    # AZURE_CLIENT_ID, AZURE_TENANT_ID and AZURE_FEDERATED_TOKEN_FILE are injected by the workload identity webhook.
    credential = WorkloadIdentityCredential()
    # Retries are ours (with_retries below), so the SDK makes one attempt per call.
    return SecretClient(vault_url=VAULT_URL, credential=credential, retry_total=0)


def fetch_secret_db() -> tuple[Mapping[str, str], float]:
    """Reads the current version of https://kv-example.vault.azure.net/secrets/prod--app--db; returns its fields and how long to cache them."""
    value = secret_client().get_secret(ITEM_NAME_DB).value
    if value is None:
        raise LookupError("the secret has no value")
    return parse_fields(value), CACHE_TTL_SECONDS_DB


def fetch_secret_stripe_key() -> tuple[Mapping[str, str], float]:
    """Reads the current version of https://kv-example.vault.azure.net/secrets/prod--app--stripe-key; returns its fields and how long to cache them."""
    value = secret_client().get_secret(ITEM_NAME_STRIPE_KEY).value
    if value is None:
        raise LookupError("the secret has no value")
    return parse_fields(value), CACHE_TTL_SECONDS_STRIPE_KEY


def fetch_secret_tls() -> tuple[Mapping[str, str], float]:
    """Reads the current version of https://kv-example.vault.azure.net/secrets/prod--app--tls; returns its fields and how long to cache them."""
    value = secret_client().get_secret(ITEM_NAME_TLS).value
    if value is None:
        raise LookupError("the secret has no value")
    return parse_fields(value), CACHE_TTL_SECONDS_TLS


def is_retryable(error: Exception) -> bool:
    """Throttling (429), server errors and network failures are worth retrying; 403 or 404 is not."""
    if isinstance(error, (ServiceRequestError, ServiceResponseError)):
        return True
    return isinstance(error, HttpResponseError) and (error.status_code == 429 or (error.status_code or 0) >= 500)


MAX_ATTEMPTS = 5
BASE_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 8.0
# How long a read stays fresh when the backend does not say: a tenth of the 1h rotation period, between 30s and 300s, so a rotated value is seen soon after it is written.
CACHE_TTL_SECONDS_DB = 300
# How long a read stays fresh when the backend does not say: the secret changes only by hand, so a change is seen within 300s.
CACHE_TTL_SECONDS_STRIPE_KEY = 300
# How long a read stays fresh when the backend does not say: a tenth of the 90d rotation period, between 30s and 300s, so a rotated value is seen soon after it is written.
CACHE_TTL_SECONDS_TLS = 300

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

    def __init__(self, fetch: Callable[[], tuple[Mapping[str, str], float]]) -> None:
        self._fetch = fetch
        self._lock = threading.Lock()
        self._fields: Mapping[str, str] | None = None
        self._refresh_at = 0.0

    def get(self) -> Mapping[str, str]:
        with self._lock:
            if self._fields is None or time.monotonic() >= self._refresh_at:
                fields, ttl = with_retries(self._fetch)
                self._fields = fields
                self._refresh_at = time.monotonic() + ttl
            return self._fields

    def invalidate(self) -> None:
        """Drops the cached copy, so the next get() reads the secret again (after the backend's value was refused)."""
        with self._lock:
            self._fields = None


class Secrets:
    """The workload's secrets, one accessor each with its own cache: Secrets.<label>.get(), .invalidate()."""

    # Secret "db": Database credentials (https://kv-example.vault.azure.net/secrets/prod--app--db).
    db = SecretCache(fetch_secret_db)

    # Secret "stripe-key": An API key (https://kv-example.vault.azure.net/secrets/prod--app--stripe-key).
    stripe_key = SecretCache(fetch_secret_stripe_key)

    # Secret "tls": A certificate and private key (https://kv-example.vault.azure.net/secrets/prod--app--tls).
    tls = SecretCache(fetch_secret_tls)


# A refused login means the cached credential was replaced: re-read it and retry after each delay
# (15s in all), so a new value written up to 15s after the old one stopped working is still found.
AUTH_RETRY_DELAYS_SECONDS = (0.0, 1.0, 2.0, 4.0, 8.0)
# SQLSTATE 28P01 (wrong password) and 28000 (invalid authorization); MySQL and MariaDB error 1045.
AUTH_SQLSTATES = frozenset({"28P01", "28000"})
MYSQL_ACCESS_DENIED = 1045

Connection = TypeVar("Connection")


def is_auth_failure(error: Exception) -> bool:
    """Whether a database driver's error says the server refused the username or password."""
    # psycopg 3 names the SQLSTATE sqlstate, psycopg2 pgcode.
    if getattr(error, "sqlstate", None) in AUTH_SQLSTATES or getattr(error, "pgcode", None) in AUTH_SQLSTATES:
        return True
    first = error.args[0] if error.args else None
    if isinstance(first, dict):
        # pg8000 passes the server's error fields; "C" is the SQLSTATE.
        return first.get("C") in AUTH_SQLSTATES
    # PyMySQL and mysqlclient pass the server's error number first.
    return first == MYSQL_ACCESS_DENIED


def connect(
    secret: SecretCache,
    open_connection: Callable[[Mapping[str, str]], Connection],
    retry_delays: tuple[float, ...] = AUTH_RETRY_DELAYS_SECONDS,
) -> Connection:
    """Opens a connection with the current credential; when the database refuses it, drops the
    cached copy, reads the secret again and retries after each of retry_delays, then raises."""
    for attempt in range(len(retry_delays) + 1):
        fields = secret.get()
        try:
            return open_connection(fields)
        except Exception as error:
            if attempt == len(retry_delays) or not is_auth_failure(error):
                raise
            delay = retry_delays[attempt]
            log.warning("the database refused the credential (%s); reading the secret again, retry %d/%d in %.1fs", type(error).__name__, attempt + 1, len(retry_delays), delay)
            secret.invalidate()
            time.sleep(delay)
    raise RuntimeError("unreachable")
