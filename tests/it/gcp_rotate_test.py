"""Runs the generated GCP rotation function's logic with the Secret Manager client (and the database
driver / CA Service client) replaced at their documented interfaces. Driven by tests/it/gcp_backend.rs:
    python gcp_rotate_test.py DIR
where DIR/<credential>/main.py is a generated function and DIR/<credential>/env.json the environment
its Terraform sets. Asserts that SECRET_ROTATE adds exactly one version and everything else adds none.
"""

import base64
import contextlib
import http.server
import importlib.util
import io
import json
import os
import sys
import threading
import types
import unittest
import uuid
from datetime import datetime, timedelta, timezone
from unittest import mock

from cloudevents.http import CloudEvent
from cryptography import x509
from cryptography.x509.oid import NameOID
from google.api_core import exceptions
from google.cloud import secretmanager

ROOT = sys.argv.pop(1)
PUBLISHED = "2026-11-28T00:00:00.123456789Z"
PUBLISHED_AT = datetime(2026, 11, 28, 0, 0, 0, 123456, tzinfo=timezone.utc)


def load(credential):
    path = os.path.join(ROOT, credential, "main.py")
    spec = importlib.util.spec_from_file_location(f"rotate_{credential.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with open(os.path.join(ROOT, credential, "env.json"), encoding="utf-8") as f:
        env = json.load(f)
    return module, env


class FakeSecretManager:
    """SecretManagerServiceClient's get_secret_version, access_secret_version, add_secret_version,
    list_secret_versions, disable_secret_version and destroy_secret_version."""

    def __init__(self, latest=None, admin=None, current=None, versions=()):
        self.latest = latest
        self.admin = admin
        self.current = current
        self.versions = list(versions)
        self.added = []
        self.accessed = []
        self.disabled = []
        self.destroyed = []

    def get_secret_version(self, *, name):
        if self.latest is None:
            raise exceptions.NotFound(f"{name} has no versions")
        return types.SimpleNamespace(name=name.replace("latest", "1"), create_time=self.latest)

    def access_secret_version(self, *, name):
        self.accessed.append(name)
        if name.endswith("-database-admin/versions/latest"):
            value = self.admin
        elif self.latest is None or self.current is None:
            raise exceptions.NotFound(f"{name} has no versions")
        else:
            value = self.current
        data = json.dumps(value).encode("utf-8")
        return types.SimpleNamespace(name=name, payload=types.SimpleNamespace(data=data))

    def list_secret_versions(self, *, parent):
        return list(self.versions)

    def disable_secret_version(self, *, name):
        self.disabled.append(name)

    def destroy_secret_version(self, *, name):
        self.destroyed.append(name)

    def add_secret_version(self, *, parent, payload):
        self.added.append((parent, json.loads(payload.data.decode("utf-8"))))
        return types.SimpleNamespace(name=f"{parent}/versions/{len(self.added) + 1}")


def event(env, event_type="SECRET_ROTATE", secret=None):
    secret_id = env["SECRET_NAME"].rsplit("/", 1)[-1]
    message = {
        "attributes": {
            "eventType": event_type,
            "secretId": secret or f"projects/123456789012/secrets/{secret_id}",
            "dataFormat": "JSON_API_V1",
            "timestamp": "2026-11-28T00:00:00.000000Z",
        },
        "data": base64.b64encode(b"{}").decode("ascii"),
        "messageId": "1234567890",
        "publishTime": PUBLISHED,
    }
    attributes = {
        "type": "google.cloud.pubsub.topic.v1.messagePublished",
        "source": "//pubsub.googleapis.com/projects/example-project/topics/rotation",
        "time": PUBLISHED,
    }
    return CloudEvent(attributes, {"message": message, "subscription": "projects/example-project/subscriptions/eventarc"})


class Rotation:
    credential = ""
    fields = ()

    def setUp(self):
        self.module, self.env = load(self.credential)

    def run_function(self, fake, ev, **patches):
        with mock.patch.dict(os.environ, self.env, clear=False), mock.patch.object(
            self.module.secretmanager, "SecretManagerServiceClient", return_value=fake
        ):
            with mock.patch.multiple(self.module, **patches) if patches else contextlib.nullcontext():
                self.module.rotate(ev)

    def fresh(self):
        return FakeSecretManager(latest=PUBLISHED_AT - timedelta(days=90), admin={"username": "admin", "password": "x"})

    def extra(self):
        return {}

    def test_rotate_adds_exactly_one_version(self):
        fake = self.fresh()
        self.run_function(fake, event(self.env), **self.extra())
        self.assertEqual(len(fake.added), 1)
        parent, payload = fake.added[0]
        self.assertEqual(parent, self.env["SECRET_NAME"])
        self.assertEqual(sorted(payload), sorted(self.fields))
        self.check_payload(payload)

    def test_first_rotation_without_versions_adds_one(self):
        fake = self.fresh()
        fake.latest = None
        self.run_function(fake, event(self.env), **self.extra())
        self.assertEqual(len(fake.added), 1)

    def test_redelivered_message_adds_nothing(self):
        fake = self.fresh()
        fake.latest = PUBLISHED_AT + timedelta(seconds=2)
        self.run_function(fake, event(self.env), **self.extra())
        self.assertEqual(fake.added, [])

    def test_other_events_and_secrets_add_nothing(self):
        for ev in (
            event(self.env, "SECRET_VERSION_ADD"),
            event(self.env, "SECRET_UPDATE"),
            event(self.env, secret="projects/123456789012/secrets/someone-else"),
        ):
            fake = self.fresh()
            self.run_function(fake, ev, **self.extra())
            self.assertEqual(fake.added, [])

    def check_payload(self, payload):
        pass


class Generic(Rotation, unittest.TestCase):
    credential = "generic"
    fields = ("value",)

    def check_payload(self, payload):
        self.assertEqual(len(payload["value"]), 32)
        self.assertTrue(payload["value"].isalnum())


class ApiKey(Rotation, unittest.TestCase):
    credential = "api-key"
    fields = ("api_key",)


class FakePg:
    statements = []

    class native:
        class Connection:
            def __init__(self, **kwargs):
                FakePg.kwargs = kwargs

            def run(self, sql):
                FakePg.statements.append(sql)

            def close(self):
                pass


class Database(Rotation, unittest.TestCase):
    credential = "database"
    fields = ("username", "password")

    def extra(self):
        FakePg.statements = []
        return {"pg8000": FakePg}

    def fresh(self):
        fake = super().fresh()
        fake.current = {"username": self.env["DB_ALTERNATE_USERNAME"], "password": "old"}
        return fake

    def check_payload(self, payload):
        # Version "latest" holds the alternate user, so the function sets the first user's password.
        self.assertEqual(payload["username"], self.env["DB_USERNAME"])
        self.assertEqual(
            FakePg.statements,
            [f"ALTER ROLE \"{self.env['DB_USERNAME']}\" WITH PASSWORD '{payload['password']}'"],
        )
        self.assertEqual(FakePg.kwargs["user"], "admin")
        self.assertIsNotNone(FakePg.kwargs["ssl_context"])

    def test_admin_credentials_come_from_the_admin_secret(self):
        fake = self.fresh()
        self.run_function(fake, event(self.env), **self.extra())
        self.assertEqual(fake.accessed, [self.env["DB_ADMIN_SECRET_VERSION"], self.env["SECRET_NAME"] + "/versions/latest"])

    def test_users_alternate_and_latest_user_is_never_changed(self):
        first, second = self.env["DB_USERNAME"], self.env["DB_ALTERNATE_USERNAME"]
        self.assertNotEqual(first, second)
        for current, expected in ((first, second), (second, first), (None, first)):
            fake = self.fresh()
            fake.current = None if current is None else {"username": current, "password": "old"}
            self.run_function(fake, event(self.env), **self.extra())
            self.assertEqual(fake.added[0][1]["username"], expected)
            self.assertEqual(len(FakePg.statements), 1)
            self.assertIn(f'ALTER ROLE "{expected}"', FakePg.statements[0])

    def test_a_foreign_user_in_latest_adds_no_version(self):
        fake = self.fresh()
        fake.current = {"username": "someone_else", "password": "old"}
        with self.assertRaises(ValueError):
            self.run_function(fake, event(self.env), **self.extra())
        self.assertEqual(fake.added, [])
        self.assertEqual(FakePg.statements, [])

    def test_mysql_uses_a_parameterised_alter_user(self):
        executed = []

        class Cursor:
            def __enter__(self):
                return self

            def __exit__(self, *a):
                return False

            def execute(self, sql, args):
                executed.append((sql, args))

        class Conn:
            def cursor(self):
                return Cursor()

            def commit(self):
                pass

            def close(self):
                pass

        fake = self.fresh()
        self.env = {**self.env, "DB_ENGINE": "mysql", "DB_PORT": "3306"}
        self.run_function(fake, event(self.env), pymysql=types.SimpleNamespace(connect=lambda **kw: Conn()))
        self.assertEqual(len(fake.added), 1)
        self.assertEqual(
            executed, [("ALTER USER %s@'%%' IDENTIFIED BY %s", (self.env["DB_USERNAME"], fake.added[0][1]["password"]))]
        )

    def test_unsupported_engine_adds_no_version(self):
        fake = self.fresh()
        self.env = {**self.env, "DB_ENGINE": "mssql"}
        with self.assertRaises(RuntimeError):
            self.run_function(fake, event(self.env))
        self.assertEqual(fake.added, [])


class FakeCa:
    """CertificateAuthorityServiceClient.create_certificate with CAS's request_id contract: a
    repeated request ID is answered with the first response and issues nothing."""

    issued = []
    answers = {}
    key = None

    def __init__(self, *a, **kw):
        pass

    @classmethod
    def reset(cls):
        from cryptography.hazmat.primitives.asymmetric import ec

        cls.issued, cls.answers = [], {}
        cls.key = ec.generate_private_key(ec.SECP256R1())

    def create_certificate(self, *, request):
        from cryptography.hazmat.primitives import hashes, serialization

        if request.request_id in FakeCa.answers:
            return FakeCa.answers[request.request_id]
        csr = x509.load_pem_x509_csr(request.certificate.pem_csr.encode("ascii"))
        issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
        now = datetime.now(timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(csr.subject)
            .issuer_name(issuer)
            .public_key(csr.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + request.certificate.lifetime)
            .sign(FakeCa.key, hashes.SHA256())
        )
        answer = types.SimpleNamespace(
            pem_certificate=cert.public_bytes(serialization.Encoding.PEM).decode("ascii"),
            pem_certificate_chain=["-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n"],
        )
        FakeCa.issued.append(request)
        FakeCa.answers[request.request_id] = answer
        return answer


def version(number, age, state):
    return types.SimpleNamespace(
        name=f"projects/example-project/secrets/s/versions/{number}",
        create_time=datetime.now(timezone.utc) - age,
        state=state,
    )


class Certificate(Rotation, unittest.TestCase):
    credential = "certificate"
    fields = ("certificate", "private_key")

    def setUp(self):
        super().setUp()
        FakeCa.reset()

    def extra(self):
        return {
            "privateca_v1": types.SimpleNamespace(
                CertificateAuthorityServiceClient=FakeCa,
                Certificate=self.module.privateca_v1.Certificate,
                CreateCertificateRequest=self.module.privateca_v1.CreateCertificateRequest,
            )
        }

    def check_payload(self, payload):
        self.assertEqual(len(FakeCa.issued), 1)
        request = FakeCa.issued[0]
        self.assertEqual(request.parent, self.env["CA_POOL"])
        self.assertEqual(str(uuid.UUID(request.request_id)), request.request_id)
        self.assertEqual(request.certificate_id, "rotate-" + request.request_id)
        self.assertEqual(request.certificate.lifetime.total_seconds(), int(self.env["CERT_TTL_SECONDS"]))
        csr = x509.load_pem_x509_csr(request.certificate.pem_csr.encode("ascii"))
        self.assertEqual(csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value, self.env["COMMON_NAME"])
        sans = csr.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        ips = [n for n in self.env.get("IP_ADDRESSES", "").split(",") if n]
        self.assertTrue(ips, "the planned certificate has IP addresses")
        self.assertEqual(sans.get_values_for_type(x509.DNSName), self.env["DNS_NAMES"].split(","))
        self.assertEqual([str(ip) for ip in sans.get_values_for_type(x509.IPAddress)], ips)
        self.assertTrue(payload["private_key"].startswith("-----BEGIN PRIVATE KEY-----"))
        self.assertEqual(payload["certificate"].count("BEGIN CERTIFICATE"), 2)

    def test_request_id_comes_from_the_event_alone(self):
        ids = []
        for message_id in ("1234567890", "1234567890", "1234567891"):
            FakeCa.reset()
            ev = event(self.env)
            ev.data["message"]["messageId"] = message_id
            self.run_function(self.fresh(), ev, **self.extra())
            ids.append(FakeCa.issued[0].request_id)
        self.assertEqual(ids[0], ids[1])
        self.assertNotEqual(ids[0], ids[2])

    def test_redelivered_event_issues_no_second_certificate(self):
        # Delivered once: issued and stored. Redelivered: version "latest" is newer, nothing is asked.
        fake = self.fresh()
        self.run_function(fake, event(self.env), **self.extra())
        fake.latest = datetime.now(timezone.utc)
        self.run_function(fake, event(self.env), **self.extra())
        self.assertEqual((len(FakeCa.issued), len(fake.added)), (1, 1))
        # Issued, but the version was never added (the first attempt died): the retry carries the
        # same request ID, CAS answers with the first certificate, and the function adds nothing.
        FakeCa.reset()
        broken = self.fresh()
        broken.add_secret_version = mock.Mock(side_effect=exceptions.ServiceUnavailable("try again"))
        with self.assertRaises(exceptions.ServiceUnavailable):
            self.run_function(broken, event(self.env), **self.extra())
        retry = self.fresh()
        with self.assertRaises(RuntimeError):
            self.run_function(retry, event(self.env), **self.extra())
        self.assertEqual((len(FakeCa.issued), retry.added), (1, []))

    def test_old_versions_end_disabled_then_destroyed(self):
        ttl = timedelta(seconds=int(self.env["CERT_TTL_SECONDS"]))
        period = timedelta(seconds=int(self.env["ROTATION_PERIOD_SECONDS"]))
        enabled, disabled = self.module.secretmanager.SecretVersion.State.ENABLED, self.module.secretmanager.SecretVersion.State.DISABLED
        fake = self.fresh()
        fake.versions = [
            version(9, period, enabled),  # latest: never touched
            version(8, ttl - period / 10, enabled),  # still valid: its overlap runs
            version(7, ttl + period / 10, enabled),  # expired: disabled
            version(6, ttl + period / 2, disabled),  # disabled less than a period ago: kept
            version(5, ttl + period * 2, disabled),  # disabled a period ago: destroyed
            version(4, ttl * 10, enabled),  # long expired: disabled now, destroyed next time
        ]
        self.run_function(fake, event(self.env), **self.extra())
        self.assertEqual([n.rsplit("/", 1)[1] for n in fake.disabled], ["7", "4"])
        self.assertEqual([n.rsplit("/", 1)[1] for n in fake.destroyed], ["5"])
        self.assertEqual(len(fake.added), 1)


class ApiKeyReminder(unittest.TestCase):
    """A third-party API key (no issuer hook): SECRET_ROTATE logs a reminder and adds no version."""

    def setUp(self):
        self.module, self.env = load("api-key-reminder")

    def run_function(self, ev):
        fake = mock.create_autospec(secretmanager.SecretManagerServiceClient, instance=True)
        out = io.StringIO()
        # Any client the function made would be this autospecced one, recording every call.
        with mock.patch.dict(os.environ, self.env, clear=False), mock.patch.object(
            secretmanager, "SecretManagerServiceClient", return_value=fake
        ), contextlib.redirect_stdout(out):
            self.module.rotate(ev)
        return fake, [json.loads(line) for line in out.getvalue().splitlines()]

    def test_holds_no_write_or_random_path(self):
        with open(os.path.join(ROOT, "api-key-reminder", "main.py"), encoding="utf-8") as f:
            source = f.read()
        for path in ("add_secret_version", "secretmanager", "import secrets", "import random", "new_password"):
            self.assertNotIn(path, source)

    def test_secret_rotate_logs_one_error_and_writes_nothing(self):
        fake, entries = self.run_function(event(self.env))
        self.assertEqual(fake.mock_calls, [])
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries[0]["severity"], "ERROR")
        self.assertIn(self.env["SECRET_NAME"], entries[0]["message"])

    def test_other_events_and_secrets_log_nothing(self):
        for ev in (event(self.env, "SECRET_UPDATE"), event(self.env, secret="projects/123456789012/secrets/someone-else")):
            fake, entries = self.run_function(ev)
            self.assertEqual((fake.mock_calls, entries), ([], []))


class Issuer:
    """A real HTTP server on 127.0.0.1 standing in for the issuer hook: it records every request
    and answers the next queued body."""

    def __init__(self):
        self.requests = []
        self.answers = []
        issuer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                issuer.requests.append({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)})
                answer = json.dumps(issuer.answers.pop(0)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/mint"


class ApiKeyHook(unittest.TestCase):
    """A third-party API key with an issuer hook: SECRET_ROTATE adds exactly the key the hook returns."""

    def setUp(self):
        self.module, env = load("api-key-hook")
        self.declared = env["ISSUER_HOOK_URL"]
        self.issuer = Issuer()
        self.addCleanup(self.issuer.server.shutdown)
        self.env = dict(env, ISSUER_HOOK_URL=self.issuer.url)
        self.store = FakeSecretManager(latest=PUBLISHED_AT - timedelta(days=90), current={"api_key": "initial-key"})
        # Autospecced: every call is checked against the real client's signatures.
        self.client = mock.create_autospec(secretmanager.SecretManagerServiceClient, instance=True)
        for name in ("get_secret_version", "access_secret_version", "add_secret_version"):
            getattr(self.client, name).side_effect = getattr(self.store, name)

    def run_function(self, ev, seam=True):
        # The test seam: the harness, not the generated code, lets the function reach http://127.0.0.1.
        schemes = ("https", "http") if seam else self.module.HOOK_SCHEMES
        with mock.patch.dict(os.environ, self.env, clear=False), mock.patch.object(
            self.module.secretmanager, "SecretManagerServiceClient", return_value=self.client
        ), mock.patch(
            "google.oauth2.id_token.fetch_id_token", autospec=True, return_value="google-signed-id-token"
        ) as fetch, mock.patch.object(self.module, "HOOK_SCHEMES", schemes), contextlib.redirect_stdout(io.StringIO()):
            self.module.rotate(ev)
        return fetch

    def test_holds_no_random_path(self):
        self.assertTrue(self.declared.startswith("https://"), self.declared)
        with open(os.path.join(ROOT, "api-key-hook", "main.py"), encoding="utf-8") as f:
            source = f.read()
        for path in ("secrets.choice", "import secrets", "import random", "new_password", "os.urandom"):
            self.assertNotIn(path, source)

    def test_the_generated_code_refuses_a_hook_that_is_not_https(self):
        with self.assertRaises(self.module.HookRefused):
            self.run_function(event(self.env), seam=False)
        self.assertEqual((self.issuer.requests, self.store.added), ([], []))

    def test_stores_exactly_the_key_the_hook_returned(self):
        self.issuer.answers.append({"api_key": "minted-by-the-issuer"})
        fetch = self.run_function(event(self.env))
        self.assertEqual(self.store.added, [(self.env["SECRET_NAME"], {"api_key": "minted-by-the-issuer"})])
        fetch.assert_called_once_with(mock.ANY, self.issuer.url)
        [sent] = self.issuer.requests
        self.assertEqual(sent["path"], "/mint")
        self.assertEqual(sent["headers"].get("Authorization"), "Bearer google-signed-id-token")
        self.assertEqual(sent["headers"].get("Idempotency-Key"), "1234567890")
        self.assertEqual(sent["body"], {"secret_id": self.env["SECRET_NAME"], "idempotency_key": "1234567890"})

    def test_an_empty_missing_or_unchanged_key_is_refused(self):
        for answer in ({"api_key": ""}, {}, {"api_key": "initial-key"}, ["not", "an", "object"]):
            self.issuer.answers.append(answer)
            with self.assertRaises(self.module.HookRefused, msg=str(answer)):
                self.run_function(event(self.env))
            self.assertEqual(self.store.added, [], str(answer))

    def test_a_redelivered_message_neither_mints_nor_adds(self):
        self.store.latest = PUBLISHED_AT + timedelta(seconds=2)
        self.run_function(event(self.env))
        self.assertEqual((self.issuer.requests, self.store.added), ([], []))


if __name__ == "__main__":
    unittest.main(verbosity=1)
