"""Soak of the Key Vault rotation Function (issue 15): the Function a plan generates rotates a
database secret again and again while two consumers keep logging in to the real database, each
through a read path the plan plans, with its staleness:
- "eso": a copy External Secrets Operator refreshes every ESO_REFRESH and the kubelet shows a
  KUBELET_SYNC later (the Kubernetes target);
- "sdk": the plan's generated Python SDK module, caching reads for CACHE (the application target).
Time runs compressed: a rotation every PERIOD seconds instead of days, and staleness a far larger
share of the period than the plan's.

usage: azure_soak.py FUNCTION_APP_PY SDK_PY SPEC_JSON
SPEC_JSON: {"engine", "secret" (first version), "admin" (the admin secret's value, or null),
"alternate" (whether the Function gets ADMIN_SECRET_NAME, as terraform/azure.tf sets it),
"rotations", "period_seconds", "eso_refresh_seconds", "kubelet_sync_seconds", "cache_seconds",
"connect_every_seconds", "query"}.
Both the Function and the SDK module get an autospecced SecretClient (calls checked against the
real azure-keyvault-secrets signatures) over one in-memory vault; Event Grid is simulated by
sending SecretNearExpiry for the current version every period, delivered twice (at-least-once).
Prints JSON: rotations, versions written, the logins refused with a version read the instant it
was written ("refused_at_write"), and each consumer's connections, failed logins (the server
refused the credential), other errors, the users it logged in as.
"""

import importlib.util
import json
import os
import sys
import threading
import time
from datetime import datetime, timezone
from typing import Any, Dict, List, Optional
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "soak"))

import azure.functions as func  # noqa: E402
from azure.identity import ManagedIdentityCredential, WorkloadIdentityCredential  # noqa: E402
from azure.keyvault.secrets import KeyVaultSecret, SecretClient, SecretProperties  # noqa: E402
from logins import AUTH_REFUSALS, Consumer, SyncedCopy, login  # noqa: E402

VAULT = "https://kv-example.vault.azure.net"
NAME = "prod-app-database"
ADMIN = "prod-app-database-admin"


class Vault:
    """The versions of every secret, newest last, behind autospecced SecretClients; thread-safe,
    since the Function, ESO and the SDK read it at once."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.versions: Dict[str, List[KeyVaultSecret]] = {}
        # Called with each new version's value the moment it becomes readable.
        self.on_write: Optional[Any] = None

    def put(self, name: str, value: str, **kwargs: Any) -> KeyVaultSecret:
        with self.lock:
            versions = self.versions.setdefault(name, [])
            version = f"{len(versions) + 1:032x}"
            props = SecretProperties(vault_id=f"{VAULT}/secrets/{name}/{version}",
                                     content_type=kwargs.get("content_type"), tags=kwargs.get("tags"))
            secret = KeyVaultSecret(properties=props, value=value)
            versions.append(secret)
        if self.on_write is not None and name == NAME:
            self.on_write(value)
        return secret

    def get(self, name: str, version: Optional[str] = None, **kwargs: Any) -> KeyVaultSecret:
        with self.lock:
            versions = self.versions[name]
            return versions[-1] if version is None else next(v for v in versions if v.properties.version == version)

    def client(self) -> Any:
        client = mock.create_autospec(SecretClient, instance=True)
        client.get_secret.side_effect = self.get
        client.set_secret.side_effect = lambda name, value, **kwargs: self.put(name, value, **kwargs)
        return client


def load(path: str, name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def near_expiry(version: str) -> func.EventGridEvent:
    return func.EventGridEvent(
        id=f"event-{version}",
        data={"Id": f"{VAULT}/secrets/{NAME}/{version}", "VaultName": "kv-example", "ObjectType": "Secret",
              "ObjectName": NAME, "Version": version, "NBF": None, "EXP": 1_790_000_000},
        topic="/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-secrets/providers/Microsoft.KeyVault/vaults/kv-example",
        subject=NAME,
        event_type="Microsoft.KeyVault.SecretNearExpiry",
        event_time=datetime.now(timezone.utc),
        data_version="1",
    )


def main() -> None:
    function_path, sdk_path, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    # The app settings terraform/azure.tf gives the Function.
    os.environ.update({"KEY_VAULT_URL": VAULT, "SECRET_NAME": NAME, "ROTATION_PERIOD_SECONDS": "86400",
                       "NEAR_EXPIRY_WINDOW_SECONDS": "2592000", "AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000000"})
    if spec["alternate"]:
        os.environ["ADMIN_SECRET_NAME"] = ADMIN
    vault = Vault()
    vault.put(NAME, json.dumps(spec["secret"]), content_type="application/json")
    if spec["admin"] is not None:
        vault.put(ADMIN, json.dumps(spec["admin"]), content_type="application/json")

    function = load(function_path, "function_app")
    sdk = load(sdk_path, "app_secrets")
    sdk.ITEM_NAME = NAME
    sdk.VAULT_URL = VAULT
    sdk.CACHE_TTL_SECONDS = spec["cache_seconds"]

    def sdk_client(vault_url: str, credential: Any, **kwargs: Any) -> Any:
        assert vault_url == VAULT, vault_url
        return vault.client()

    # The SDK module builds its own client on every read; both credential kinds it may use are
    # autospecced, so no token is ever requested.
    patches = [
        mock.patch.object(sdk, "SecretClient", side_effect=sdk_client),
        mock.patch.object(function, "SecretClient", side_effect=sdk_client),
        mock.patch.object(function, "ManagedIdentityCredential",
                          return_value=mock.create_autospec(ManagedIdentityCredential, instance=True)),
    ]
    for credential in ("WorkloadIdentityCredential", "ManagedIdentityCredential", "AzureCliCredential"):
        if hasattr(sdk, credential):
            cls = WorkloadIdentityCredential if credential == "WorkloadIdentityCredential" else ManagedIdentityCredential
            patches.append(mock.patch.object(sdk, credential, return_value=mock.create_autospec(cls, instance=True)))
    for p in patches:
        p.start()

    # The sharpest consumer: one that reads a version the instant it is written and logs in with
    # it. Every rotation must hand out a credential the database already accepts.
    refused_at_write: List[str] = []

    def login_at_write(value: str) -> None:
        try:
            login(spec["engine"], json.loads(value), spec.get("query"))
        except Exception as error:  # noqa: BLE001 - counted by kind below
            refused = any(r in str(error) for r in AUTH_REFUSALS)
            refused_at_write.append(f"{'refused' if refused else 'error'}: {type(error).__name__}")

    vault.on_write = login_at_write
    rotations = 0
    eso = SyncedCopy(lambda: json.loads(vault.get(NAME).value or "{}"), spec["eso_refresh_seconds"], spec["kubelet_sync_seconds"])
    consumers = [
        Consumer("eso", spec["engine"], eso.get, spec["connect_every_seconds"], lambda: rotations, spec["rotations"], spec.get("query")),
        Consumer("sdk", spec["engine"], sdk.secret.get, spec["connect_every_seconds"], lambda: rotations, spec["rotations"], spec.get("query")),
    ]
    eso.start()
    for c in consumers:
        c.start()
    redeliveries_ignored = 0
    try:
        for _ in range(spec["rotations"]):
            time.sleep(spec["period_seconds"])
            current = vault.get(NAME).properties.version
            assert current is not None
            before = len(vault.versions[NAME])
            function.rotate_secret(near_expiry(current))
            # Event Grid delivers at least once: the same event again must write nothing.
            function.rotate_secret(near_expiry(current))
            if len(vault.versions[NAME]) == before + 1:
                redeliveries_ignored += 1
            rotations += 1
        time.sleep(spec["period_seconds"])
    finally:
        for c in consumers:
            c.stop.set()
        eso.stop.set()
        for c in consumers:
            c.join()
        eso.join()
        for p in patches:
            p.stop()
    json.dump({
        "rotations": rotations,
        "versions_written": len(vault.versions[NAME]) - 1,
        "redeliveries_ignored": redeliveries_ignored,
        "eso_reads": eso.reads,
        "refused_at_write": refused_at_write,
        "consumers": {c.name: c.report() for c in consumers},
    }, sys.stdout)


if __name__ == "__main__":
    main()
