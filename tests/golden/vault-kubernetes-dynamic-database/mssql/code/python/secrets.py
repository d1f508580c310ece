"""Short-lived database credentials for app from Vault's database secrets engine.

SDK: hvac 2.4.0. The pod logs in with Vault's Kubernetes auth method using a projected
service account token whose audience is "vault" (see kubernetes/workload-patch.yaml).
Nothing here logs or prints the credential.
"""

import dataclasses
import logging
import os
import random
import threading
import time

import hvac
from hvac import exceptions as vault_errors

VAULT_ADDR = os.environ.get("VAULT_ADDR", "https://vault.example.com:8200")
VAULT_NAMESPACE = os.environ.get("VAULT_NAMESPACE", "") or None
AUTH_MOUNT = "kubernetes"
VAULT_ROLE = "prod-app"
DATABASE_MOUNT = "database"
TOKEN_PATH = "/var/run/secrets/vault/token"

log = logging.getLogger(__name__)


def vault_login() -> hvac.Client:
    """A client holding a fresh Vault token; the credential's lease is a child of that token."""
    client = hvac.Client(url=VAULT_ADDR, namespace=VAULT_NAMESPACE, timeout=10)
    with open(TOKEN_PATH, encoding="utf-8") as token_file:
        jwt = token_file.read().strip()
    client.auth.kubernetes.login(VAULT_ROLE, jwt, mount_point=AUTH_MOUNT)
    return client


@dataclasses.dataclass(frozen=True)
class DatabaseCredentials:
    username: str
    password: str = dataclasses.field(repr=False)
    lease_id: str = dataclasses.field(repr=False)
    lease_duration: int = 0


def fetch_credentials() -> DatabaseCredentials:
    """Mints one username/password pair (GET <database_mount>/creds/<role>) with a new login."""
    client = vault_login()
    response = client.secrets.database.generate_credentials(VAULT_ROLE, mount_point=DATABASE_MOUNT)
    return DatabaseCredentials(
        username=response["data"]["username"],
        password=response["data"]["password"],
        lease_id=response["lease_id"],
        lease_duration=int(response["lease_duration"]),
    )


MAX_ATTEMPTS = 5
BASE_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 8.0
# Refresh when two thirds of the lease have passed, well before Vault revokes the user.
REFRESH_FRACTION = 2 / 3

# Server-side and network failures are worth retrying; 4xx answers (bad role, denied) are not.
RETRYABLE = (
    vault_errors.InternalServerError,
    vault_errors.BadGateway,
    vault_errors.VaultDown,
    vault_errors.RateLimitExceeded,
    OSError,
)


def with_retries(operation):
    """Runs operation with bounded retries and exponential backoff with full jitter."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return operation()
        except RETRYABLE as error:
            if attempt == MAX_ATTEMPTS:
                raise
            delay = random.uniform(0, min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** (attempt - 1)))
            # Only the error's type is logged: messages and responses never carry the password here.
            log.warning("Vault request failed (%s); retry %d/%d in %.1fs", type(error).__name__, attempt, MAX_ATTEMPTS - 1, delay)
            time.sleep(delay)
    raise RuntimeError("unreachable")


class CredentialCache:
    """Hands out the current credentials and fetches new ones before the lease runs out."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._credentials = None
        self._refresh_at = 0.0

    def get(self) -> DatabaseCredentials:
        with self._lock:
            if self._credentials is None or time.monotonic() >= self._refresh_at:
                credentials = with_retries(fetch_credentials)
                self._credentials = credentials
                self._refresh_at = time.monotonic() + credentials.lease_duration * REFRESH_FRACTION
            return self._credentials


database_credentials = CredentialCache()
