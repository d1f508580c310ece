"""A secret for app from Vault (or OpenBao).

SDK: hvac 2.4.0. Identity: the AppRole RoleID and SecretID files in /etc/vault-agent that Vault Agent also uses (mount approle, role prod--app).
Nothing here logs or prints the secret: errors are logged by type only.
"""

import logging
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import TypeVar

import hvac
from hvac import exceptions as vault_errors

VAULT_ADDR = os.environ.get("VAULT_ADDR", "https://vault.example.com:8200")
VAULT_NAMESPACE = os.environ.get("VAULT_NAMESPACE", "") or None
AUTH_MOUNT = "approle"
VAULT_ROLE = "prod--app"
ROLE_ID_PATH = "/etc/vault-agent/role-id"
SECRET_ID_PATH = "/etc/vault-agent/secret-id"

log = logging.getLogger(__name__)


def read_file(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()


def vault_login() -> hvac.Client:
    """A client holding a fresh Vault token from the AppRole RoleID and SecretID files."""
    client = hvac.Client(url=VAULT_ADDR, namespace=VAULT_NAMESPACE, timeout=10)
    client.auth.approle.login(read_file(ROLE_ID_PATH), read_file(SECRET_ID_PATH), mount_point=AUTH_MOUNT)
    return client


KV_MOUNT = "secret"
KV_PATH = "prod/app/config"


def fetch_secret() -> tuple[Mapping[str, str], float]:
    """Reads the latest version of secret/data/prod/app/config (KV v2); returns its fields and how long to cache them."""
    client = vault_login()
    response = client.secrets.kv.v2.read_secret_version(path=KV_PATH, mount_point=KV_MOUNT, raise_on_deleted_version=True)
    fields = {str(key): str(value) for key, value in response["data"]["data"].items()}
    return fields, CACHE_TTL_SECONDS


def is_retryable(error: Exception) -> bool:
    """Server-side and network failures are worth retrying; 4xx answers (bad role, denied) are not."""
    return isinstance(
        error,
        (vault_errors.InternalServerError, vault_errors.BadGateway, vault_errors.VaultDown, vault_errors.RateLimitExceeded, OSError),
    )


MAX_ATTEMPTS = 5
BASE_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 8.0
# How long a read stays fresh when the backend does not say: the secret changes only by hand, so a change is seen within 300s.
CACHE_TTL_SECONDS = 300

T = TypeVar("T")


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
            log.warning("Vault request failed (%s); retry %d/%d in %.1fs", type(error).__name__, attempt, MAX_ATTEMPTS - 1, delay)
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
