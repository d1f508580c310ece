"""A certificate and private key for app from Google Cloud Secret Manager.

SDK: google-cloud-secret-manager 2.32.0. Identity: the pipeline's Workload Identity Federation credentials (the auth step writes GOOGLE_APPLICATION_CREDENTIALS).
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
VERSION_NAME = "projects/example-project/secrets/prod--app-certificate/versions/latest"

log = logging.getLogger(__name__)


def secret_client() -> secretmanager.SecretManagerServiceClient:
    """A client on Application Default Credentials, which resolve to the pipeline's federated identity."""
    return secretmanager.SecretManagerServiceClient()


def fetch_secret() -> tuple[Mapping[str, str], float]:
    """Accesses projects/example-project/secrets/prod--app-certificate/versions/latest; returns its fields and how long to cache them."""
    # retry=None: retries are ours (with_retries below), so the SDK makes one attempt per call.
    response = secret_client().access_secret_version(name=VERSION_NAME, retry=None, timeout=10)
    return parse_fields(response.payload.data.decode("utf-8")), CACHE_TTL_SECONDS


def is_retryable(error: Exception) -> bool:
    """Unavailable, throttled or timed-out calls are worth retrying; PermissionDenied or NotFound is not."""
    return isinstance(
        error,
        (gcp_errors.ServiceUnavailable, gcp_errors.TooManyRequests, gcp_errors.InternalServerError, gcp_errors.DeadlineExceeded),
    )


MAX_ATTEMPTS = 5
BASE_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 8.0
# How long a read stays fresh when the backend does not say: the secret changes only by hand, so a change is seen within 300s.
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
            log.warning("Secret Manager request failed (%s); retry %d/%d in %.1fs", type(error).__name__, attempt, MAX_ATTEMPTS - 1, delay)
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
