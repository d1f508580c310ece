"""The secrets db (database credentials), stripe-key (an API key) and tls (a certificate and private key) for app from Vault (or OpenBao).

SDK: hvac 2.4.0. Identity: service account app/prod--app through Vault's Kubernetes auth (mount kubernetes, role prod--app) with a projected token of audience \"vault\" at /var/run/secrets/vault/token.
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
AUTH_MOUNT = "kubernetes"
VAULT_ROLE = "prod--app"
# A projected service account token whose audience is the one the Vault role requires.
TOKEN_PATH = "/var/run/secrets/vault/token"

log = logging.getLogger(__name__)


def vault_login() -> hvac.Client:
    """A client holding a fresh Vault token from the pod's service account (Kubernetes auth)."""
    client = hvac.Client(url=VAULT_ADDR, namespace=VAULT_NAMESPACE, timeout=10)
    with open(TOKEN_PATH, encoding="utf-8") as token_file:
        jwt = token_file.read().strip()
    client.auth.kubernetes.login(VAULT_ROLE, jwt, mount_point=AUTH_MOUNT)
    return client


DATABASE_MOUNT_DB = "database"


def fetch_secret_db() -> tuple[Mapping[str, str], float]:
    """Mints one username/password pair (GET database/creds/prod--app--db); the lease is a child of the login token."""
    client = vault_login()
    response = client.secrets.database.generate_credentials("prod--app--db", mount_point=DATABASE_MOUNT_DB)
    fields = {"username": str(response["data"]["username"]), "password": str(response["data"]["password"])}
    # Refresh when two thirds of the lease have passed, well before Vault revokes the user.
    return fields, int(response["lease_duration"]) * 2 / 3


KV_MOUNT_STRIPE_KEY = "secret"
KV_PATH_STRIPE_KEY = "prod/app/stripe-key"


def fetch_secret_stripe_key() -> tuple[Mapping[str, str], float]:
    """Reads the latest version of secret/data/prod/app/stripe-key (KV v2); returns its fields and how long to cache them."""
    client = vault_login()
    response = client.secrets.kv.v2.read_secret_version(path=KV_PATH_STRIPE_KEY, mount_point=KV_MOUNT_STRIPE_KEY, raise_on_deleted_version=True)
    fields = {str(key): str(value) for key, value in response["data"]["data"].items()}
    return fields, CACHE_TTL_SECONDS_STRIPE_KEY


CERT_DIR_TLS = "/var/run/secrets/prod--app--tls-tls"


def fetch_secret_tls() -> tuple[Mapping[str, str], float]:
    """Reads the certificate cert-manager keeps renewed in the mounted Secret (tls.crt, tls.key)."""
    fields = {}
    for field, filename in (("certificate", "tls.crt"), ("private_key", "tls.key")):
        with open(os.path.join(CERT_DIR_TLS, filename), encoding="utf-8") as handle:
            fields[field] = handle.read()
    return fields, CACHE_TTL_SECONDS_TLS


def is_retryable(error: Exception) -> bool:
    """Server-side and network failures are worth retrying; 4xx answers (bad role, denied) are not."""
    return isinstance(
        error,
        (vault_errors.InternalServerError, vault_errors.BadGateway, vault_errors.VaultDown, vault_errors.RateLimitExceeded, OSError),
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

    # Secret "db": Database credentials (database/creds/prod--app--db).
    db = SecretCache(fetch_secret_db)

    # Secret "stripe-key": An API key (secret/data/prod/app/stripe-key).
    stripe_key = SecretCache(fetch_secret_stripe_key)

    # Secret "tls": A certificate and private key (pki/sign/prod--app--tls).
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
