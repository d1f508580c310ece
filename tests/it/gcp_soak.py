"""Soak of the generated GCP rotation function (issue 15): the function, as a real plan generates it,
rotates a real database user's password again and again, run in-process on SECRET_ROTATE events with
the Secret Manager client autospecced over an in-memory store of versions, while a consumer reads
the secret through the planned path and opens a new database connection every few hundred
milliseconds. Driven by tests/it/gcp_backend.rs.

usage: gcp_soak.py MAIN_PY SPEC_JSON
SPEC_JSON: {"env" (the function's environment from terraform/gcp.tf, DB_HOST/DB_PORT/DB_NAME pointed
at the local server), "admin" {username, password}, "first" {username, password} (the version a
person adds before the first rotation), "consumer_database" (or null), "rotations",
"period_seconds", "connect_every_seconds", and the consumer path: "refresh_seconds" and
"sync_seconds" (Kubernetes), or "sdk_py" and "cache_seconds" (application)}.

The consumer path is the plan's, time-compressed. Kubernetes: ESO copies version "latest" every
refresh_seconds, and the pod sees a copy sync_seconds after ESO wrote it (the kubelet's delay);
the plan's max_staleness is refresh + sync. Application: the generated Python SDK module
(code/python/app_secrets.py) reads through its cache, which lives cache_seconds. The local servers have no TLS certificate, so the
harness drops the function's TLS arguments (pg8000's ssl_context, PyMySQL's ssl_verify_*); the
SQL the function runs is unchanged.

Prints JSON: rotations run, versions added, connections tried, failures (logins that failed), the
fewest connections between two rotations, the users logged in as, the first error messages, and
replaced_refused: how often the version a rotation replaced was refused right after it.
"""

import importlib.util
import json
import sys
import threading
import time
import types
from datetime import datetime, timezone
from unittest import mock

import pg8000.native
import pymysql
from cloudevents.http import CloudEvent
from google.api_core import exceptions
from google.cloud import secretmanager

main_py, spec = sys.argv[1], json.loads(sys.argv[2])
env = spec["env"]
secret = env["SECRET_NAME"]
admin_secret = env["DB_ADMIN_SECRET_VERSION"].rsplit("/versions/", 1)[0]


class Store:
    """Secret Manager's versions of the two secrets, newest last."""

    def __init__(self):
        self.lock = threading.Lock()
        self.versions = {secret: [], admin_secret: []}

    def add(self, parent, data):
        with self.lock:
            versions = self.versions[parent]
            name = f"{parent}/versions/{len(versions) + 1}"
            versions.append((name, datetime.now(timezone.utc), data))
            return name

    def latest(self, name):
        parent, _, which = name.partition("/versions/")
        with self.lock:
            versions = self.versions.get(parent, [])
            if not versions:
                raise exceptions.NotFound(f"{parent} has no versions")
            if which == "latest":
                return versions[-1]
            return versions[int(which) - 1]


store = Store()
client = mock.create_autospec(secretmanager.SecretManagerServiceClient, instance=True)


def get_secret_version(*, name):
    version, created, _ = store.latest(name)
    return secretmanager.SecretVersion(name=version, create_time=created, state=secretmanager.SecretVersion.State.ENABLED)


def access_secret_version(*, name, **_options):
    version, _, data = store.latest(name)
    return secretmanager.AccessSecretVersionResponse(name=version, payload=secretmanager.SecretPayload(data=data))


def add_secret_version(*, parent, payload):
    return secretmanager.SecretVersion(name=store.add(parent, payload.data))


client.get_secret_version.side_effect = get_secret_version
client.access_secret_version.side_effect = access_secret_version
client.add_secret_version.side_effect = add_secret_version

module_spec = importlib.util.spec_from_file_location("gcp_rotate_main", main_py)
function = importlib.util.module_from_spec(module_spec)
module_spec.loader.exec_module(function)

store.add(admin_secret, json.dumps(spec["admin"]).encode("utf-8"))
store.add(secret, json.dumps(spec["first"]).encode("utf-8"))


def connect_without_tls(**kwargs):
    kwargs.pop("ssl_verify_cert", None)
    kwargs.pop("ssl_verify_identity", None)
    return pymysql.connect(**kwargs)


def pg_without_tls(**kwargs):
    kwargs.pop("ssl_context", None)
    return pg8000.native.Connection(**kwargs)


pg8000_without_tls = types.SimpleNamespace(native=types.SimpleNamespace(Connection=pg_without_tls))
pymysql_without_tls = types.SimpleNamespace(connect=connect_without_tls)


def rotation_event(number):
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    message = {
        "attributes": {"eventType": "SECRET_ROTATE", "secretId": secret, "dataFormat": "JSON_API_V1", "timestamp": now},
        "messageId": str(1000 + number),
        "publishTime": now,
    }
    attributes = {
        "type": "google.cloud.pubsub.topic.v1.messagePublished",
        "source": "//pubsub.googleapis.com/projects/example-project/topics/rotation",
        "time": now,
    }
    return CloudEvent(attributes, {"message": message, "subscription": "projects/example-project/subscriptions/eventarc"})


def login(fields):
    if env["DB_ENGINE"] == "mysql":
        db = pymysql.connect(
            host=env["DB_HOST"], port=int(env["DB_PORT"]), user=fields["username"], password=fields["password"], connect_timeout=5
        )
        with db.cursor() as cursor:
            cursor.execute("SELECT 1")
        db.close()
    else:
        conn = pg8000.native.Connection(
            user=fields["username"],
            password=fields["password"],
            host=env["DB_HOST"],
            port=int(env["DB_PORT"]),
            database=spec["consumer_database"],
            timeout=5,
        )
        conn.run("SELECT 1")
        conn.close()


stop = threading.Event()
synced = []  # (when ESO wrote the Kubernetes Secret, its value)
synced_lock = threading.Lock()
tally = {"connections": 0, "failures": 0, "users": set(), "errors": [], "replaced_refused": 0}
between = [0] * (spec["rotations"] + 1)
rotations = 0


def eso():
    while not stop.is_set():
        value = json.loads(store.latest(f"{secret}/versions/latest")[2])
        with synced_lock:
            synced.append((time.monotonic(), value))
        stop.wait(spec["refresh_seconds"])


def sdk_module():
    loader = importlib.util.spec_from_file_location("app_secrets", spec["sdk_py"])
    sdk = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(sdk)
    assert sdk.VERSION_NAME == f"{secret}/versions/latest", sdk.VERSION_NAME
    sdk.CACHE_TTL_SECONDS = spec["cache_seconds"]
    return sdk


def mounted():
    """The newest copy the kubelet has put into the pod's volume by now."""
    seen = time.monotonic() - spec["sync_seconds"]
    with synced_lock:
        visible = [value for written, value in synced if written <= seen]
        return visible[-1] if visible else synced[0][1]


def consumer():
    read = sdk_module().secret.get if spec.get("sdk_py") else mounted
    while not stop.is_set():
        fields = read()
        tally["connections"] += 1
        between[rotations] += 1
        try:
            login(fields)
            tally["users"].add(fields["username"])
        except (pg8000.native.DatabaseError, pg8000.native.InterfaceError, pymysql.err.MySQLError) as error:
            tally["failures"] += 1
            if len(tally["errors"]) < 3:
                tally["errors"].append(str(error)[:200])
        stop.wait(spec["connect_every_seconds"])


threads = [threading.Thread(target=eso)]
with mock.patch.object(function.secretmanager, "SecretManagerServiceClient", return_value=client), mock.patch.object(
    function, "pg8000", pg8000_without_tls
), mock.patch.object(function, "pymysql", pymysql_without_tls), mock.patch.dict("os.environ", env):
    if spec.get("sdk_py"):
        threads = []
    else:
        threads[0].start()
        while not synced:
            time.sleep(0.01)
    threads.append(threading.Thread(target=consumer))
    threads[-1].start()
    try:
        for number in range(spec["rotations"]):
            time.sleep(spec["period_seconds"])
            function.rotate(rotation_event(number))
            rotations += 1
            # The stalest copy the plan allows for: the version this rotation replaced, tried at
            # once. With alternating users it works for a whole period; with one user it is
            # refused every time, whatever the machine's load (the consumer's timing is not).
            with store.lock:
                replaced = json.loads(store.versions[secret][-2][2])
            try:
                login(replaced)
            except (pg8000.native.DatabaseError, pg8000.native.InterfaceError, pymysql.err.MySQLError):
                tally["replaced_refused"] += 1
        time.sleep(spec["period_seconds"])
    finally:
        stop.set()
        for thread in threads:
            thread.join()

print()
json.dump(
    {
        "rotations": rotations,
        "versions": len(store.versions[secret]),
        "connections": tally["connections"],
        "failures": tally["failures"],
        "fewest_between_rotations": min(between),
        "users": sorted(tally["users"]),
        "errors": tally["errors"],
        "replaced_refused": tally["replaced_refused"],
    },
    sys.stdout,
)
