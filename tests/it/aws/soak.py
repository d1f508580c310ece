"""Soak: a consumer that reads a rotated database secret through the generated Python SDK module
and opens a new PostgreSQL or MariaDB connection (by the secret's engine) every few hundred
milliseconds, while the generated rotation
Lambda rotates the secret again and again under moto's RotateSecret. Time runs compressed: the
SDK cache lives CACHE_SECONDS instead of minutes and a rotation follows every PERIOD_SECONDS
instead of days, so the staleness-to-period ratio is far worse than in production.

usage: soak.py LAMBDA_PY SDK_PY SPEC_JSON
SPEC_JSON: {"name", "secret" (first value), "superuser" (value of the superuser secret, or null),
"alternate" (whether the Lambda gets SUPERUSER_SECRET_ID, as the plan sets it), "rotations",
"period_seconds", "cache_seconds", "connect_every_seconds", "query" (optional: what each login
runs, SELECT 1 by default)}.
Prints JSON: rotations run, connections tried, failures (authentication errors surfaced to the
application), the fewest connections between two rotations, and the users logged in as.
"""

import json
import os
import sys
import threading
import time

from moto_rotation import Moto, load

lambda_path, sdk_path, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
name = spec["name"]
superuser_name = name + "-superuser"
if spec["alternate"]:
    # What terraform/aws.tf sets on the function.
    os.environ["SUPERUSER_SECRET_ID"] = superuser_name
moto = Moto(lambda_path)
try:
    import pg8000.native
    import pymysql

    mysql = spec["secret"]["engine"] in ("mysql", "mariadb")
    query = spec.get("query") or "SELECT 1"

    def login(fields):
        """Opens a connection as the application would and runs one query; raises on refusal."""
        if mysql:
            conn = pymysql.connect(
                user=fields["username"],
                password=fields["password"],
                host=fields["host"],
                port=int(fields["port"]),
                database=fields["dbname"],
                ssl_disabled=True,
                connect_timeout=5,
            )
            with conn.cursor() as cur:
                cur.execute(query)
        else:
            conn = pg8000.native.Connection(
                user=fields["username"],
                password=fields["password"],
                host=fields["host"],
                port=int(fields["port"]),
                database=fields["dbname"],
                timeout=5,
            )
            conn.run(query)
        conn.close()

    def refusal(error):
        if isinstance(error, pymysql.err.OperationalError):
            return str(error.args[1]) if len(error.args) > 1 else type(error).__name__
        return str(error.args[0].get("M", "")) if error.args and isinstance(error.args[0], dict) else type(error).__name__

    if spec.get("superuser"):
        moto.sm.create_secret(Name=superuser_name, SecretString=json.dumps(spec["superuser"]))
    moto.sm.create_secret(Name=name, SecretString=json.dumps(spec["secret"]))

    sdk = load(sdk_path, "app_secrets")
    sdk.RESOURCE_ID = name
    sdk.CACHE_TTL_SECONDS = spec["cache_seconds"]

    stop = threading.Event()
    tally = {"connections": 0, "failures": 0, "users": set(), "errors": []}
    # Connections tried after the n-th rotation (index 0: before the first).
    between = [0] * (spec["rotations"] + 1)
    rotations = 0

    def consumer():
        while not stop.is_set():
            fields = sdk.secret.get()
            tally["connections"] += 1
            between[rotations] += 1
            try:
                login(fields)
                tally["users"].add(fields["username"])
            except (pg8000.native.DatabaseError, pymysql.err.OperationalError) as error:
                tally["failures"] += 1
                if len(tally["errors"]) < 3:
                    tally["errors"].append(refusal(error))
            stop.wait(spec["connect_every_seconds"])

    thread = threading.Thread(target=consumer)
    thread.start()
    try:
        for _ in range(spec["rotations"]):
            time.sleep(spec["period_seconds"])
            moto.rotate(name)
            rotations += 1
        time.sleep(spec["period_seconds"])
    finally:
        stop.set()
        thread.join()
    json.dump(
        {
            "rotations": rotations,
            "steps": len(moto.steps),
            "connections": tally["connections"],
            "failures": tally["failures"],
            "fewest_between_rotations": min(between),
            "users": sorted(tally["users"]),
            "errors": tally["errors"],
        },
        sys.stdout,
    )
finally:
    moto.stop()
