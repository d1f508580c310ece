# @section: authentication
"""{{text:DESCRIPTION}} for {{text:NAME}} from AWS Secrets Manager.

SDK: boto3 {{text:SDK_VERSION}}. Identity: {{text:IDENTITY}}.
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

AWS_REGION = os.environ.get("AWS_REGION", {{str:AWS_REGION}})
# The secret's name: the ARN's random suffix is only known once the secret exists.
# @each secret
RESOURCE_ID{{id:SUFFIX_UPPER}} = {{str:SECRET_ID}}
# @end

log = logging.getLogger(__name__)
# botocore logs whole response bodies (SecretString included) at DEBUG: keep that logger quieter.
logging.getLogger("botocore.parsers").setLevel(logging.INFO)


def secrets_client() -> "SecretsManagerClient":
    """A client on the default credential chain, which finds {{text:IDENTITY_SHORT}}."""
    # Retries are ours (with_retries below), so the SDK makes one attempt per call.
    config = Config(region_name=AWS_REGION, retries={"total_max_attempts": 1, "mode": "standard"}, connect_timeout=5, read_timeout=10)
    return boto3.client("secretsmanager", config=config)


# @section: secret_retrieval
# @each secret


def fetch_secret{{id:SUFFIX}}() -> tuple[Mapping[str, str], float]:
    """Reads the AWSCURRENT version of {{text:SECRET_PATH}}; returns its fields and how long to cache them."""
    response = secrets_client().get_secret_value(SecretId=RESOURCE_ID{{id:SUFFIX_UPPER}}, VersionStage="AWSCURRENT")
    return parse_fields(response["SecretString"]), CACHE_TTL_SECONDS{{id:SUFFIX_UPPER}}
# @end


# @section: error_handling
RETRYABLE_CODES = {"ThrottlingException", "InternalServiceError", "RequestTimeout", "ServiceUnavailable"}


def is_retryable(error: Exception) -> bool:
    """Throttling, server errors and network failures are worth retrying; AccessDenied or a missing secret is not."""
    if isinstance(error, ClientError):
        return error.response.get("Error", {}).get("Code", "") in RETRYABLE_CODES
    return isinstance(error, (AwsConnectionError, ReadTimeoutError))
