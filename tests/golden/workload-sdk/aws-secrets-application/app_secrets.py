"""The secrets db (database credentials), stripe-key (an API key) and tls (a certificate and private key) for app from AWS Secrets Manager.

SDK: boto3 1.44.8. Identity: the IAM role of the instance, task or function the application runs as.
Nothing here logs or prints the secret: errors are logged by type only.
"""

import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionError as AwsConnectionError, ReadTimeoutError

if TYPE_CHECKING:
    # Type hints only (mypy with boto3-stubs[secretsmanager]); nothing imports it at run time.
    from mypy_boto3_secretsmanager import SecretsManagerClient

AWS_REGION = os.environ.get("AWS_REGION", "us-east-1")
# The secret's name: the ARN's random suffix is only known once the secret exists.
RESOURCE_ID_DB = "prod/app/db"
RESOURCE_ID_STRIPE_KEY = "prod/app/stripe-key"
RESOURCE_ID_TLS = "prod/app/tls"

log = logging.getLogger(__name__)
# botocore logs whole response bodies (SecretString included) at DEBUG: keep that logger quieter.
logging.getLogger("botocore.parsers").setLevel(logging.INFO)


def secrets_client() -> "SecretsManagerClient":
    """A client on the default credential chain, which finds the application's IAM role."""
    # Retries are ours (with_retries below), so the SDK makes one attempt per call.
    config = Config(region_name=AWS_REGION, retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=10)
    return boto3.client("secretsmanager", config=config)


def fetch_secret_db() -> tuple[Mapping[str, str], float]:
    """Reads the AWSCURRENT version of arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/db; returns its fields and how long to cache them."""
    response = secrets_client().get_secret_value(SecretId=RESOURCE_ID_DB, VersionStage="AWSCURRENT")
    return parse_fields(response["SecretString"]), CACHE_TTL_SECONDS_DB


def fetch_secret_stripe_key() -> tuple[Mapping[str, str], float]:
    """Reads the AWSCURRENT version of arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/stripe-key; returns its fields and how long to cache them."""
    response = secrets_client().get_secret_value(SecretId=RESOURCE_ID_STRIPE_KEY, VersionStage="AWSCURRENT")
    return parse_fields(response["SecretString"]), CACHE_TTL_SECONDS_STRIPE_KEY


def fetch_secret_tls() -> tuple[Mapping[str, str], float]:
    """Reads the AWSCURRENT version of arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/tls; returns its fields and how long to cache them."""
    response = secrets_client().get_secret_value(SecretId=RESOURCE_ID_TLS, VersionStage="AWSCURRENT")
    return parse_fields(response["SecretString"]), CACHE_TTL_SECONDS_TLS


RETRYABLE_CODES = {"ThrottlingException", "InternalServiceError", "RequestTimeout", "ServiceUnavailable"}


def is_retryable(error: Exception) -> bool:
    """Throttling, server errors and network failures are worth retrying; AccessDenied or a missing secret is not."""
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code", "") in RETRYABLE_CODES
    return isinstance(error, (AwsConnectionError, ReadTimeoutError))


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
            log.warning("Secrets Manager request failed (%s); retry %d/%d in %.1fs", type(error).__name__, attempt, MAX_ATTEMPTS - 1, delay)
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

    # Secret "db": Database credentials (arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/db).
    db = SecretCache(fetch_secret_db)

    # Secret "stripe-key": An API key (arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/stripe-key).
    stripe_key = SecretCache(fetch_secret_stripe_key)

    # Secret "tls": A certificate and private key (arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/tls).
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
