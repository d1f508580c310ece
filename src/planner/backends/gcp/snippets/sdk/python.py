# @section: authentication
"""{{text:DESCRIPTION}} for {{text:NAME}} from Google Cloud Secret Manager.

SDK: google-cloud-secret-manager {{text:SDK_VERSION}}. Identity: {{text:IDENTITY}}.
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
# @each secret
VERSION_NAME{{id:SUFFIX_UPPER}} = {{str:SECRET_VERSION}}
# @end

log = logging.getLogger(__name__)


def secret_client() -> secretmanager.SecretManagerServiceClient:
    """A client on Application Default Credentials, which resolve to {{text:IDENTITY_SHORT}}."""
    return secretmanager.SecretManagerServiceClient()


# @section: secret_retrieval
# @each secret


def fetch_secret{{id:SUFFIX}}() -> tuple[Mapping[str, str], float]:
    """Accesses {{text:SECRET_PATH}}/versions/latest; returns its fields and how long to cache them."""
    # retry=None: retries are ours (with_retries below), so the SDK makes one attempt per call.
    response = secret_client().access_secret_version(name=VERSION_NAME{{id:SUFFIX_UPPER}}, retry=None, timeout=10)
    return parse_fields(response.payload.data.decode("utf-8")), CACHE_TTL_SECONDS{{id:SUFFIX_UPPER}}
# @end


# @section: error_handling
def is_retryable(error: Exception) -> bool:
    """Unavailable, throttled or timed-out calls are worth retrying; PermissionDenied or NotFound is not."""
    return isinstance(
        error,
        (gcp_errors.ServiceUnavailable, gcp_errors.TooManyRequests, gcp_errors.InternalServerError, gcp_errors.DeadlineExceeded),
    )
