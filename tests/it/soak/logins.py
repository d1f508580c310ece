"""Shared parts of the rotation soaks (issue 15): a consumer that opens a new database connection
every few hundred milliseconds with whatever credential its planned read path hands it, and the
ESO-style synced copy such a path can be. Backend harnesses (tests/it/azure_soak.py) drive the
rotations and decide what "read" means; this module only logs in and counts.

Every connection is a real login to PostgreSQL (psycopg) or MariaDB/MySQL (PyMySQL), so a
password the database no longer accepts shows up as a failed login, exactly as an application
would see it.
"""

import threading
import time
from typing import Any, Callable, Dict, List, Mapping, Optional

# Sentences a server uses to refuse a login; anything else is an error of another kind.
AUTH_REFUSALS = ("password authentication failed", "Access denied")


def login(engine: str, fields: Mapping[str, Any], query: Optional[str] = None) -> None:
    """Opens one new connection with `fields` (engine, host, port, dbname, username, password),
    runs `query` (or SELECT 1) and closes it; raises what the driver raises."""
    sql = query or "SELECT 1"
    if engine in ("postgresql", "redshift"):
        import psycopg

        with psycopg.connect(
            host=str(fields["host"]), port=int(fields["port"]), dbname=str(fields["dbname"]),
            user=str(fields["username"]), password=str(fields["password"]),
            sslmode=str(fields.get("sslmode", "disable")), connect_timeout=5,
        ) as conn:
            conn.execute(sql).fetchall()
    elif engine == "mysql":
        import pymysql

        conn = pymysql.connect(
            host=str(fields["host"]), port=int(fields["port"]), database=str(fields["dbname"]),
            user=str(fields["username"]), password=str(fields["password"]), connect_timeout=5,
        )
        try:
            with conn.cursor() as cursor:
                cursor.execute(sql)
                cursor.fetchall()
        finally:
            conn.close()
    else:
        raise ValueError(f"no soak driver for {engine}")


class Consumer(threading.Thread):
    """Reads a credential through `read` and logs in with it every `every` seconds until stopped.

    `epoch()` says how many rotations have run, so the tally shows the consumer kept logging in
    between every two rotations however loaded the machine is."""

    def __init__(self, name: str, engine: str, read: Callable[[], Mapping[str, Any]], every: float,
                 epoch: Callable[[], int], epochs: int, query: Optional[str] = None) -> None:
        super().__init__(name=name, daemon=True)
        self.engine, self.read, self.every, self.epoch, self.query = engine, read, every, epoch, query
        self.stop = threading.Event()
        self.connections = 0
        self.failed_logins = 0
        self.other_errors = 0
        self.errors: List[str] = []
        self.users: set = set()
        self.between = [0] * (epochs + 1)

    def run(self) -> None:
        while not self.stop.is_set():
            fields = self.read()
            self.connections += 1
            self.between[min(self.epoch(), len(self.between) - 1)] += 1
            try:
                login(self.engine, fields, self.query)
                self.users.add(str(fields["username"]))
            except Exception as error:  # every error reaches the application: count them all
                text = str(error)
                if any(r in text for r in AUTH_REFUSALS):
                    self.failed_logins += 1
                else:
                    self.other_errors += 1
                if len(self.errors) < 3:
                    # The server's sentence names the user, never the password.
                    self.errors.append(f"{type(error).__name__}: {text.splitlines()[0] if text else ''}")
            self.stop.wait(self.every)

    def report(self) -> Dict[str, Any]:
        return {
            "connections": self.connections,
            "failed_logins": self.failed_logins,
            "other_errors": self.other_errors,
            "fewest_between_rotations": min(self.between),
            "users": sorted(self.users),
            "errors": self.errors,
        }


class SyncedCopy(threading.Thread):
    """What External Secrets Operator and the kubelet give a pod: every `refresh` seconds the
    operator reads the backend (`fetch`) into the Kubernetes Secret, and the pod's mounted volume
    shows that Secret `sync` seconds later. `get()` is what the pod reads from its volume."""

    def __init__(self, fetch: Callable[[], Mapping[str, Any]], refresh: float, sync: float) -> None:
        super().__init__(name="eso", daemon=True)
        self.fetch, self.refresh, self.sync = fetch, refresh, sync
        self.stop = threading.Event()
        self.lock = threading.Lock()
        first = dict(fetch())
        self.volume: Dict[str, Any] = first
        # (when the volume shows it, value) for every sync still on its way.
        self.pending: List[Any] = []
        self.reads = 1

    def run(self) -> None:
        next_refresh = time.monotonic() + self.refresh
        while not self.stop.is_set():
            now = time.monotonic()
            if now >= next_refresh:
                value = dict(self.fetch())
                self.reads += 1
                with self.lock:
                    self.pending.append((now + self.sync, value))
                next_refresh += self.refresh
            with self.lock:
                while self.pending and self.pending[0][0] <= now:
                    self.volume = self.pending.pop(0)[1]
            self.stop.wait(0.01)

    def get(self) -> Mapping[str, Any]:
        with self.lock:
            return dict(self.volume)
