"""Runs a generated Key Vault rotation Function (function_app.py) with the SDK client replaced.

Usage: python azure_rotation.py FUNCTION_APP_PY CREDENTIAL_TYPE DATABASE_ENGINE
Database variants read PGHOST, PGPORT, PGDATABASE, PGUSER and PGPASSWORD: a real PostgreSQL role
whose password the Function must change. Prints one line per scenario; exits non-zero on failure.

The SecretClient is `unittest.mock.create_autospec(SecretClient)`: calls are checked against the
real azure-keyvault-secrets signatures, and its get_secret/set_secret return real KeyVaultSecret
objects from an in-memory version list.
"""

import http.server
import importlib.util
import json
import logging
import os
import sys
import threading
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional
from unittest import mock

import azure.functions as func
from azure.core.credentials import AccessToken
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


def event(version: str, name: str = NAME, event_type: str = "Microsoft.KeyVault.SecretNearExpiry",
          event_id: str = "00000000-0000-0000-0000-000000000001") -> func.EventGridEvent:
    return func.EventGridEvent(
        id=event_id,
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


class Issuer:
    """A real HTTP server on 127.0.0.1 standing in for the issuer hook: it records every request
    and answers the next queued body."""

    def __init__(self) -> None:
        self.requests: List[Dict[str, Any]] = []
        self.answers: List[Any] = []
        issuer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                issuer.requests.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
                answer = json.dumps(issuer.answers.pop(0)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/mint"


def hook(path: str, module: Any) -> None:
    """A third-party API key with an issuer hook: the Function stores exactly the hook's key."""
    with open(path, encoding="utf-8") as f:
        source = f.read()
    for random_path in ("token_urlsafe", "import secrets", "import random", "os.urandom"):
        check(random_path not in source, f"the hook Function holds a random source: {random_path}")
    issuer = Issuer()
    os.environ.update({"ISSUER_HOOK_URL": issuer.url, "ISSUER_HOOK_AUDIENCE": "api://issuer-hook"})
    store = Store("initial-key")
    v1 = store.versions[0].properties.version
    assert v1 is not None
    credential = mock.create_autospec(ManagedIdentityCredential, instance=True)
    credential.get_token.return_value = AccessToken("token-from-the-managed-identity", 2_000_000_000)

    def run_hook(e: func.EventGridEvent) -> Optional[Exception]:
        with mock.patch.object(module, "SecretClient", return_value=store.client), \
                mock.patch.object(module, "ManagedIdentityCredential", return_value=credential) as made:
            try:
                module.rotate_secret(e)
            except Exception as err:  # noqa: BLE001 (the scenario checks which)
                return err
        made.assert_called_with(client_id="00000000-0000-0000-0000-000000000000")
        return None

    run_hook(event(v1, name="another-secret"))
    check(issuer.requests == [] and len(store.versions) == 1, "an unrelated event called the hook or wrote")
    # The generated code calls https only: the local http server is refused before any request.
    err = run_hook(event(v1))
    check(isinstance(err, module.HookRefused) and "https" in str(err), f"plain http must be refused: {err!r}")
    check(issuer.requests == [] and len(store.versions) == 1, "an http hook was called or wrote")
    print("ok: the generated Function refuses a hook that is not https")
    # The test seam: the harness, not the generated code, lets the Function reach http://127.0.0.1.
    module.HOOK_SCHEMES = ("https", "http")

    for answer, why in (({"api_key": ""}, "an empty key"), ({}, "no key"), ({"api_key": "initial-key"}, "the current key")):
        issuer.answers.append(answer)
        err = run_hook(event(v1, event_id=f"refused-{len(issuer.requests)}"))
        check(isinstance(err, module.HookRefused), f"{why} must be refused: {err!r}")
        check(len(store.versions) == 1 and store.versions[-1].value == "initial-key" and store.writes == [],
              f"{why}: the stored key changed")
    print("ok: an empty, missing or unchanged key is refused and the stored key stays")

    issuer.answers.append({"api_key": "minted-by-the-issuer"})
    before = datetime.now(timezone.utc)
    check(run_hook(event(v1, event_id="event-42")) is None, "the rotation failed")
    after = datetime.now(timezone.utc)
    check(len(store.versions) == 2 and len(store.writes) == 1, f"want one new version, got {len(store.versions) - 1}")
    write = store.writes[0]
    check(write["value"] == "minted-by-the-issuer", f"stored {write['value']!r}, not the hook's key")
    check(before + timedelta(seconds=PERIOD + WINDOW) <= write["expires_on"] <= after + timedelta(seconds=PERIOD + WINDOW),
          f"expires_on {write['expires_on']}")
    check(write["tags"]["previous-version"] == v1, str(write["tags"]))
    sent = issuer.requests[-1]
    check(sent["path"] == "/mint", sent["path"])
    check(sent["headers"].get("Authorization") == "Bearer token-from-the-managed-identity", str(sent["headers"]))
    check(sent["headers"].get("Idempotency-Key") == "event-42", str(sent["headers"]))
    check(sent["body"] == {"secret_id": f"{VAULT}/secrets/{NAME}", "idempotency_key": "event-42"}, str(sent["body"]))
    credential.get_token.assert_called_with("api://issuer-hook/.default")
    print("ok: the Function stores exactly the hook's key, sent with a bearer token and the event ID as idempotency key")

    calls = len(issuer.requests)
    check(run_hook(event(v1, event_id="event-42")) is None, "a redelivery failed")
    check(len(issuer.requests) == calls and len(store.versions) == 2, "a redelivered event minted or wrote again")
    print("ok: a redelivered event neither calls the hook nor writes")
    issuer.server.shutdown()
    print("ok: the issuer hook Function writes exactly one version")


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
    if engine == "hook":
        hook(path, module)
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
