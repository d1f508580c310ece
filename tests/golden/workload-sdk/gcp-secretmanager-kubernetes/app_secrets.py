"""The secrets db (database credentials), stripe-key (an API key) and tls (a certificate and private key) for app from Google Cloud Secret Manager.

SDK: google-cloud-secret-manager 2.32.0. Identity: service account app/prod--app through GKE Workload Identity Federation (Application Default Credentials).
Nothing here logs or prints the secret: errors are logged by type only.
"""

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

from google.api_core import exceptions as gcp_errors
from google.cloud import secretmanager

# The newest enabled version of the planned secret.
VERSION_NAME_DB = "projects/example-project/secrets/prod--app--db/versions/latest"
VERSION_NAME_STRIPE_KEY = "projects/example-project/secrets/prod--app--stripe-key/versions/latest"
VERSION_NAME_TLS = "projects/example-project/secrets/prod--app--tls/versions/latest"

log = logging.getLogger(__name__)


def secret_client() -> secretmanager.SecretManagerServiceClient:
    """A client on Application Default Credentials, which resolve to the pod's Kubernetes service account."""
    return secretmanager.SecretManagerServiceClient()


def fetch_secret_db() -> tuple[Mapping[str, str], float]:
    """Accesses projects/example-project/secrets/prod--app--db/versions/latest; returns its fields and how long to cache them."""
    # retry=None: retries are ours (with_retries below), so the SDK makes one attempt per call.
    response = secret_client().access_secret_version(name=VERSION_NAME_DB, retry=None, timeout=10)
    return parse_fields(response.payload.data.decode("utf-8")), CACHE_TTL_SECONDS_DB


def fetch_secret_stripe_key() -> tuple[Mapping[str, str], float]:
    """Accesses projects/example-project/secrets/prod--app--stripe-key/versions/latest; returns its fields and how long to cache them."""
    # retry=None: retries are ours (with_retries below), so the SDK makes one attempt per call.
    response = secret_client().access_secret_version(name=VERSION_NAME_STRIPE_KEY, retry=None, timeout=10)
    return parse_fields(response.payload.data.decode("utf-8")), CACHE_TTL_SECONDS_STRIPE_KEY


def fetch_secret_tls() -> tuple[Mapping[str, str], float]:
    """Accesses projects/example-project/secrets/prod--app--tls/versions/latest; returns its fields and how long to cache them."""
    # retry=None: retries are ours (with_retries below), so the SDK makes one attempt per call.
    response = secret_client().access_secret_version(name=VERSION_NAME_TLS, retry=None, timeout=10)
    return parse_fields(response.payload.data.decode("utf-8")), CACHE_TTL_SECONDS_TLS


def is_retryable(error: Exception) -> bool:
    """Unavailable, throttled or timed-out calls are worth retrying; PermissionDenied or NotFound is not."""
    return isinstance(
        error,
        (gcp_errors.ServiceUnavailable, gcp_errors.TooManyRequests, gcp_errors.InternalServerError, gcp_errors.DeadlineExceeded),
    )


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
            log.warning("Secret Manager request failed (%s); retry %d/%d in %.1fs", type(error).__name__, attempt, MAX_ATTEMPTS - 1, delay)
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

    # Secret "db": Database credentials (projects/example-project/secrets/prod--app--db).
    db = SecretCache(fetch_secret_db)

    # Secret "stripe-key": An API key (projects/example-project/secrets/prod--app--stripe-key).
    stripe_key = SecretCache(fetch_secret_stripe_key)

    # Secret "tls": A certificate and private key (projects/example-project/secrets/prod--app--tls).
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
