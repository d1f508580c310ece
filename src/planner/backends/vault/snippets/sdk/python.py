# @section: authentication
"""{{text:DESCRIPTION}} for {{text:NAME}} from Vault (or OpenBao).

SDK: hvac {{text:SDK_VERSION}}. Identity: {{text:IDENTITY}}.
Nothing here logs or prints the secret: errors are logged by type only.
"""

# @if auth=github
import json
# @end
import logging
import os
import random
import threading
import time
# @if auth=github
import urllib.parse
import urllib.request
# @end
from collections.abc import Callable, Mapping
from typing import TypeVar

import hvac
from hvac import exceptions as vault_errors

VAULT_ADDR = os.environ.get("VAULT_ADDR", {{str:VAULT_ADDR}})
VAULT_NAMESPACE = os.environ.get("VAULT_NAMESPACE", {{str:VAULT_NAMESPACE}}) or None
AUTH_MOUNT = {{str:AUTH_MOUNT}}
VAULT_ROLE = {{str:VAULT_ROLE}}
# @if auth=kubernetes
# A projected service account token whose audience is the one the Vault role requires.
TOKEN_PATH = {{str:TOKEN_PATH}}
# @end
# @if auth=github
# The audience the Vault JWT role's bound_audiences expects.
OIDC_AUDIENCE = {{str:AUDIENCE}}
# @end
# @if auth=approle-file
ROLE_ID_PATH = {{str:ROLE_ID_PATH}}
SECRET_ID_PATH = {{str:SECRET_ID_PATH}}
# @end

log = logging.getLogger(__name__)


# @if auth=kubernetes
def vault_login() -> hvac.Client:
    """A client holding a fresh Vault token from the pod's service account (Kubernetes auth)."""
    client = hvac.Client(url=VAULT_ADDR, namespace=VAULT_NAMESPACE, timeout=10)
    with open(TOKEN_PATH, encoding="utf-8") as token_file:
        jwt = token_file.read().strip()
    client.auth.kubernetes.login(VAULT_ROLE, jwt, mount_point=AUTH_MOUNT)
    return client
# @end
# @if auth=github
def github_id_token() -> str:
    """Requests the job's OIDC token (needs `permissions: id-token: write`)."""
    url = os.environ["ACTIONS_ID_TOKEN_REQUEST_URL"] + "&" + urllib.parse.urlencode({"audience": OIDC_AUDIENCE})
    request = urllib.request.Request(url, headers={"Authorization": "bearer " + os.environ["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]})
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.load(response)["value"])


def vault_login() -> hvac.Client:
    """A client holding a fresh Vault token from the job's GitHub OIDC token (JWT auth)."""
    client = hvac.Client(url=VAULT_ADDR, namespace=VAULT_NAMESPACE, timeout=10)
    client.auth.jwt.jwt_login(VAULT_ROLE, github_id_token(), path=AUTH_MOUNT)
    return client
# @end
# @if auth=id-token
def vault_login() -> hvac.Client:
    """A client holding a fresh Vault token from the CI job's own token in VAULT_ID_TOKEN (JWT auth)."""
    client = hvac.Client(url=VAULT_ADDR, namespace=VAULT_NAMESPACE, timeout=10)
    client.auth.jwt.jwt_login(VAULT_ROLE, os.environ["VAULT_ID_TOKEN"], path=AUTH_MOUNT)
    return client
# @end
# @if auth=approle-file
def read_file(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read().strip()


def vault_login() -> hvac.Client:
    """A client holding a fresh Vault token from the AppRole RoleID and SecretID files."""
    client = hvac.Client(url=VAULT_ADDR, namespace=VAULT_NAMESPACE, timeout=10)
    client.auth.approle.login(read_file(ROLE_ID_PATH), read_file(SECRET_ID_PATH), mount_point=AUTH_MOUNT)
    return client
# @end


# @section: secret_retrieval
# @each secret


# @if source=kv
KV_MOUNT{{id:SUFFIX_UPPER}} = {{str:KV_MOUNT}}
KV_PATH{{id:SUFFIX_UPPER}} = {{str:KV_PATH}}


def fetch_secret{{id:SUFFIX}}() -> tuple[Mapping[str, str], float]:
    """Reads the latest version of {{text:SECRET_PATH}} (KV v2); returns its fields and how long to cache them."""
    client = vault_login()
    response = client.secrets.kv.v2.read_secret_version(path=KV_PATH{{id:SUFFIX_UPPER}}, mount_point=KV_MOUNT{{id:SUFFIX_UPPER}}, raise_on_deleted_version=True)
    fields = {str(key): str(value) for key, value in response["data"]["data"].items()}
    return fields, CACHE_TTL_SECONDS{{id:SUFFIX_UPPER}}
# @end
# @if source=dynamic
DATABASE_MOUNT{{id:SUFFIX_UPPER}} = {{str:DATABASE_MOUNT}}


def fetch_secret{{id:SUFFIX}}() -> tuple[Mapping[str, str], float]:
    """Mints one username/password pair (GET {{text:SECRET_PATH}}); the lease is a child of the login token."""
    client = vault_login()
# @if module=single
    response = client.secrets.database.generate_credentials(VAULT_ROLE, mount_point=DATABASE_MOUNT)
# @end
# @if module=workload
    response = client.secrets.database.generate_credentials({{str:SOURCE_ROLE}}, mount_point=DATABASE_MOUNT{{id:SUFFIX_UPPER}})
# @end
    fields = {"username": str(response["data"]["username"]), "password": str(response["data"]["password"])}
    # Refresh when two thirds of the lease have passed, well before Vault revokes the user.
    return fields, int(response["lease_duration"]) * 2 / 3
# @end
# @if source=pki
PKI_MOUNT{{id:SUFFIX_UPPER}} = {{str:PKI_MOUNT}}
COMMON_NAME{{id:SUFFIX_UPPER}} = {{str:COMMON_NAME}}
CERT_TTL{{id:SUFFIX_UPPER}} = {{str:CERT_TTL}}
ALT_NAMES{{id:SUFFIX_UPPER}} = {{str:ALT_NAMES}}
IP_SANS{{id:SUFFIX_UPPER}} = {{str:IP_SANS}}


def fetch_secret{{id:SUFFIX}}() -> tuple[Mapping[str, str], float]:
    """Issues a certificate and key (POST {{text:SECRET_PATH}}); Vault generates the key pair."""
    client = vault_login()
# @if module=single
    response = client.secrets.pki.generate_certificate(VAULT_ROLE, COMMON_NAME, extra_params={"ttl": CERT_TTL, "alt_names": ALT_NAMES, "ip_sans": IP_SANS}, mount_point=PKI_MOUNT)
# @end
# @if module=workload
    extra_params = {"ttl": CERT_TTL{{id:SUFFIX_UPPER}}, "alt_names": ALT_NAMES{{id:SUFFIX_UPPER}}, "ip_sans": IP_SANS{{id:SUFFIX_UPPER}}}
    response = client.secrets.pki.generate_certificate({{str:SOURCE_ROLE}}, COMMON_NAME{{id:SUFFIX_UPPER}}, extra_params=extra_params, mount_point=PKI_MOUNT{{id:SUFFIX_UPPER}})
# @end
    data = response["data"]
    fields = {"certificate": str(data["certificate"]), "private_key": str(data["private_key"]), "issuing_ca": str(data["issuing_ca"])}
    # Renew at two thirds of the certificate's remaining lifetime.
    return fields, max((float(data["expiration"]) - time.time()) * 2 / 3, 60.0)
# @end
# @if source=mounted
CERT_DIR{{id:SUFFIX_UPPER}} = {{str:CERT_DIR}}


def fetch_secret{{id:SUFFIX}}() -> tuple[Mapping[str, str], float]:
    """Reads the certificate cert-manager keeps renewed in the mounted Secret (tls.crt, tls.key)."""
    fields = {}
    for field, filename in (("certificate", "tls.crt"), ("private_key", "tls.key")):
        with open(os.path.join(CERT_DIR{{id:SUFFIX_UPPER}}, filename), encoding="utf-8") as handle:
            fields[field] = handle.read()
    return fields, CACHE_TTL_SECONDS{{id:SUFFIX_UPPER}}
# @end
# @end


# @section: error_handling
def is_retryable(error: Exception) -> bool:
    """Server-side and network failures are worth retrying; 4xx answers (bad role, denied) are not."""
    return isinstance(
        error,
        (vault_errors.InternalServerError, vault_errors.BadGateway, vault_errors.VaultDown, vault_errors.RateLimitExceeded, OSError),
    )
