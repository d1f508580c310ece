"""Runs a generated Key Vault rotation Function (function_app.py) with the SDK client replaced.

Usage: python azure_rotation.py FUNCTION_APP_PY CREDENTIAL_TYPE DATABASE_ENGINE
Database variants read PGHOST, PGPORT, PGDATABASE, PGUSER and PGPASSWORD: a real PostgreSQL role
whose password the Function must change. Prints one line per scenario; exits non-zero on failure.

The SecretClient is `unittest.mock.create_autospec(SecretClient)`: calls are checked against the
real azure-keyvault-secrets signatures, and its get_secret/set_secret return real KeyVaultSecret
objects from an in-memory version list.
"""

import importlib.util
import json
import logging
import os
import sys
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional
from unittest import mock

import azure.functions as func
from azure.identity import ManagedIdentityCredential
from azure.keyvault.secrets import KeyVaultSecret, SecretClient, SecretProperties

VAULT = "https://kv-example.vault.azure.net"
NAME = "prod-app-secret"
PERIOD = 7_776_000
WINDOW = 2_592_000


class Store:
    """The versions of one secret, newest last, behind an autospecced SecretClient."""

    def __init__(self, value: str) -> None:
        self.versions: List[KeyVaultSecret] = []
        self.writes: List[Dict[str, Any]] = []
        self.fail_next_write = False
        self.add(value, {})
        self.client = mock.create_autospec(SecretClient, instance=True)
        self.client.get_secret.side_effect = self.get_secret
        self.client.set_secret.side_effect = self.set_secret

    def add(self, value: str, kwargs: Dict[str, Any]) -> KeyVaultSecret:
        version = f"{len(self.versions) + 1:032x}"
        props = SecretProperties(
            vault_id=f"{VAULT}/secrets/{NAME}/{version}",
            content_type=kwargs.get("content_type"),
            tags=kwargs.get("tags"),
        )
        secret = KeyVaultSecret(properties=props, value=value)
        self.versions.append(secret)
        return secret

    def get_secret(self, name: str, version: Optional[str] = None, **kwargs: Any) -> KeyVaultSecret:
        assert name == NAME, name
        return self.versions[-1] if version is None else next(v for v in self.versions if v.properties.version == version)

    def set_secret(self, name: str, value: str, **kwargs: Any) -> KeyVaultSecret:
        assert name == NAME, name
        if self.fail_next_write:
            self.fail_next_write = False
            raise RuntimeError("simulated Key Vault outage")
        self.writes.append(dict(kwargs, value=value))
        return self.add(value, kwargs)


def load(path: str) -> Any:
    spec = importlib.util.spec_from_file_location("function_app", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def event(version: str, name: str = NAME, event_type: str = "Microsoft.KeyVault.SecretNearExpiry") -> func.EventGridEvent:
    return func.EventGridEvent(
        id="00000000-0000-0000-0000-000000000001",
        data={"Id": f"{VAULT}/secrets/{name}/{version}", "VaultName": "kv-example", "ObjectType": "Secret",
              "ObjectName": name, "Version": version, "NBF": None, "EXP": 1_790_000_000},
        topic="/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-secrets/providers/Microsoft.KeyVault/vaults/kv-example",
        subject=name,
        event_type=event_type,
        event_time=datetime.now(timezone.utc),
        data_version="1",
    )


def run(module: Any, store: Store, e: func.EventGridEvent) -> None:
    credential = mock.create_autospec(ManagedIdentityCredential, instance=True)
    with mock.patch.object(module, "SecretClient", return_value=store.client) as client_class, \
            mock.patch.object(module, "ManagedIdentityCredential", return_value=credential):
        module.rotate_secret(e)
    if client_class.call_count:
        client_class.assert_called_with(vault_url=VAULT, credential=credential)


def check(condition: bool, message: str) -> None:
    if not condition:
        print(f"FAIL: {message}")
        sys.exit(1)


def pg_login(password: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(host=os.environ["PGHOST"], port=int(os.environ["PGPORT"]), dbname=os.environ["PGDATABASE"],
                             user=os.environ["PGUSER"], password=password, sslmode="disable", connect_timeout=5) as c:
            c.execute("SELECT 1")
        return True
    except psycopg.OperationalError:
        return False


def remind(path: str, module: Any) -> None:
    """A third-party API key's Function: it logs a reminder and never writes the secret."""
    with open(path, encoding="utf-8") as f:
        source = f.read()
    for write_path in ("set_secret", "token_urlsafe", "import secrets", "SecretClient", "import random"):
        check(write_path not in source, f"the reminder holds a write or random path: {write_path}")
    store = Store("initial-key-for-tests")
    v1 = store.versions[0].properties.version
    assert v1 is not None
    records: List[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    logging.getLogger().addHandler(Keep())
    # Any Key Vault client the Function made would be the store's autospecced one.
    with mock.patch("azure.keyvault.secrets.SecretClient", return_value=store.client):
        module.rotate_secret(event(v1, name="another-secret"))
        module.rotate_secret(event(v1))
    errors = [r.getMessage() for r in records if r.levelno >= logging.ERROR]
    check(len(errors) == 1 and NAME in errors[0] and "az keyvault secret set" in errors[0], str(errors))
    check(store.client.set_secret.call_count == 0 and store.writes == [], "the reminder wrote the secret")
    check(len(store.versions) == 1 and store.versions[0].value == "initial-key-for-tests", "the key changed")
    print("ok: a third-party API key's Function reminds and writes nothing")


def main() -> None:
    path, credential, engine = sys.argv[1:4]
    os.environ.update({
        "KEY_VAULT_URL": VAULT, "SECRET_NAME": NAME, "ROTATION_PERIOD_SECONDS": str(PERIOD),
        "NEAR_EXPIRY_WINDOW_SECONDS": str(WINDOW), "AZURE_CLIENT_ID": "00000000-0000-0000-0000-000000000000",
    })
    module = load(path)
    if engine == "reminder":
        remind(path, module)
        return
    if credential == "database":
        first: Dict[str, Any] = {
            "engine": engine, "host": os.environ.get("PGHOST", "db.example.com"), "port": int(os.environ.get("PGPORT", "5432")),
            "dbname": os.environ.get("PGDATABASE", "app"), "username": os.environ.get("PGUSER", "app"),
            "password": os.environ.get("PGPASSWORD", "initial-password"), "sslmode": "disable",
        }
        initial = json.dumps(first)
    else:
        initial = "initial-value"
    store = Store(initial)
    v1 = store.versions[0].properties.version
    assert v1 is not None

    # Events that are not for this secret, or not near-expiry, change nothing.
    run(module, store, event(v1, name="another-secret"))
    run(module, store, event(v1, event_type="Microsoft.KeyVault.SecretExpired"))
    check(len(store.versions) == 1, "unrelated events wrote a version")
    print("ok: unrelated events write nothing")

    if credential == "database" and engine not in ("postgresql", "redshift"):
        try:
            run(module, store, event(v1))
            check(False, f"{engine}: the Function must refuse to rotate")
        except RuntimeError as err:
            check("not implemented" in str(err), str(err))
        check(len(store.versions) == 1, f"{engine}: a version was written without changing the database")
        print(f"ok: {engine} stops before writing a version")
        return

    if credential == "database":
        check(pg_login(first["password"]), "the initial password must work before rotation")
        # A failed write rolls the password change back: the old password keeps working.
        store.fail_next_write = True
        try:
            run(module, store, event(v1))
            check(False, "a failed write must fail the Function")
        except RuntimeError:
            pass
        check(len(store.versions) == 1, "a failed write left a version")
        check(pg_login(first["password"]), "a failed write must roll the password change back")
        print("ok: a failed write rolls the database password change back")

    before = datetime.now(timezone.utc)
    run(module, store, event(v1))
    after = datetime.now(timezone.utc)
    check(len(store.versions) == 2 and len(store.writes) == 1, f"want exactly one new version, got {len(store.versions) - 1}")
    write = store.writes[0]
    expires = write["expires_on"]
    check(before + timedelta(seconds=PERIOD + WINDOW) <= expires <= after + timedelta(seconds=PERIOD + WINDOW),
          f"expires_on {expires}")
    check(write["tags"]["previous-version"] == v1, str(write["tags"]))
    check(write["value"] != initial, "the value did not change")
    if credential == "database":
        doc = json.loads(write["value"])
        check({k: v for k, v in doc.items() if k != "password"} == {k: v for k, v in first.items() if k != "password"},
              "only the password may change")
        check(doc["password"] != first["password"] and len(doc["password"]) == 32, "new password")
        check(pg_login(doc["password"]), "the database must accept the new password")
        check(not pg_login(first["password"]), "the database must refuse the old password")
        check(write["content_type"] == "application/json", write["content_type"])
    print("ok: one near-expiry event writes exactly one version")

    # Redelivery of the same event (Event Grid is at-least-once) adds nothing.
    run(module, store, event(v1))
    check(len(store.versions) == 2, "a redelivered event wrote a second version")
    print("ok: a redelivered event writes nothing")


if __name__ == "__main__":
    main()
