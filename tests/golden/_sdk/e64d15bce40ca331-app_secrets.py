"""An API key for app from AWS Secrets Manager.

SDK: boto3 1.44.8. Identity: the IAM role of service account app/prod--app through IRSA (EKS injects AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE).
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
RESOURCE_ID = "prod/app/api-key"

log = logging.getLogger(__name__)
# botocore logs whole response bodies (SecretString included) at DEBUG: keep that logger quieter.
logging.getLogger("botocore.parsers").setLevel(logging.INFO)


def secrets_client() -> "SecretsManagerClient":
    """A client on the default credential chain, which finds the pod's IAM role."""
    # Retries are ours (with_retries below), so the SDK makes one attempt per call.
    config = Config(region_name=AWS_REGION, retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=10)
    return boto3.client("secretsmanager", config=config)


def fetch_secret() -> tuple[Mapping[str, str], float]:
    """Reads the AWSCURRENT version of arn:aws:secretsmanager:us-east-1:123456789012:secret:prod/app/api-key; returns its fields and how long to cache them."""
    response = secrets_client().get_secret_value(SecretId=RESOURCE_ID, VersionStage="AWSCURRENT")
    return parse_fields(response["SecretString"]), CACHE_TTL_SECONDS


RETRYABLE_CODES = {"ThrottlingException", "InternalServiceError", "RequestTimeout", "ServiceUnavailable"}


def is_retryable(error: Exception) -> bool:
    """Throttling, server errors and network failures are worth retrying; AccessDenied or a missing secret is not."""
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code", "") in RETRYABLE_CODES
    return isinstance(error, (AwsConnectionError, ReadTimeoutError))


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
            log.warning("Secrets Manager request failed (%s); retry %d/%d in %.1fs", type(error).__name__, attempt, MAX_ATTEMPTS - 1, delay)
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
