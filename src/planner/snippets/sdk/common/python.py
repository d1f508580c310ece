MAX_ATTEMPTS = 5
BASE_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 8.0
# @each secret
# How long a read stays fresh when the backend does not say: {{text:CACHE_REASON}}.
CACHE_TTL_SECONDS{{id:SUFFIX_UPPER}} = {{int:CACHE_TTL}}
# @end

T = TypeVar("T")
# @if payload=text


def parse_fields(text: str) -> Mapping[str, str]:
    """A JSON object's fields, or the whole text as "value" for a plain secret."""
    try:
        document = json.loads(text)
    except ValueError:
        return {"value": text}
    if isinstance(document, dict):
        return {str(key): str(value) for key, value in document.items()}
    return {"value": text}
# @end


def with_retries(operation: Callable[[], T]) -> T:
    """Runs operation with bounded retries and exponential backoff with full jitter."""
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            return operation()
        except Exception as error:
            if attempt == MAX_ATTEMPTS or not is_retryable(error):
                raise
            delay = random.uniform(0, min(MAX_DELAY_SECONDS, BASE_DELAY_SECONDS * 2 ** (attempt - 1)))
            # Only the error's type is logged: responses are never logged, so the secret is not either.
            log.warning("{{part:BACKEND_LABEL}} request failed (%s); retry %d/%d in %.1fs", type(error).__name__, attempt, MAX_ATTEMPTS - 1, delay)
            time.sleep(delay)
    raise RuntimeError("unreachable")


class SecretCache:
    """Hands out the current secret and fetches it again once its time to live has passed."""

# @if module=single
    def __init__(self) -> None:
# @end
# @if module=workload
    def __init__(self, fetch: Callable[[], tuple[Mapping[str, str], float]]) -> None:
        self._fetch = fetch
# @end
        self._lock = threading.Lock()
        self._fields: Mapping[str, str] | None = None
        self._refresh_at = 0.0

    def get(self) -> Mapping[str, str]:
        with self._lock:
            if self._fields is None or time.monotonic() >= self._refresh_at:
# @if module=single
                fields, ttl = with_retries(fetch_secret)
# @end
# @if module=workload
                fields, ttl = with_retries(self._fetch)
# @end
                self._fields = fields
                self._refresh_at = time.monotonic() + ttl
            return self._fields

    def invalidate(self) -> None:
        """Drops the cached copy, so the next get() reads the secret again (after the backend's value was refused)."""
        with self._lock:
            self._fields = None
# @if module=single


secret = SecretCache()
# @end
# @if module=workload


class Secrets:
    """The workload's secrets, one accessor each with its own cache: Secrets.<label>.get(), .invalidate()."""

# @each secret

    # Secret "{{text:LABEL}}": {{text:DESCRIPTION}} ({{text:SECRET_PATH}}).
    {{id:ACCESSOR}} = SecretCache(fetch_secret{{id:SUFFIX}})
# @end

# @end
# @if credential=database

# A refused login means the cached credential was replaced: re-read it and retry after each delay
# (15s in all), so a new value written up to 15s after the old one stopped working is still found.
AUTH_RETRY_DELAYS_SECONDS = (0.0, 1.0, 2.0, 4.0, 8.0)
# SQLSTATE 28P01 (wrong password) and 28000 (invalid authorization); MySQL and MariaDB error 1045.
AUTH_SQLSTATES = frozenset({"28P01", "28000"})
MYSQL_ACCESS_DENIED = 1045

Connection = TypeVar("Connection")


def is_auth_failure(error: Exception) -> bool:
    """Whether a database driver's error says the server refused the username or password."""
    # psycopg 3 names the SQLSTATE sqlstate, psycopg2 pgcode.
    if getattr(error, "sqlstate", None) in AUTH_SQLSTATES or getattr(error, "pgcode", None) in AUTH_SQLSTATES:
        return True
    first = error.args[0] if error.args else None
    if isinstance(first, dict):
        # pg8000 passes the server's error fields; "C" is the SQLSTATE.
        return first.get("C") in AUTH_SQLSTATES
    # PyMySQL and mysqlclient pass the server's error number first.
    return first == MYSQL_ACCESS_DENIED


def connect(
# @if module=workload
    secret: SecretCache,
# @end
    open_connection: Callable[[Mapping[str, str]], Connection],
    retry_delays: tuple[float, ...] = AUTH_RETRY_DELAYS_SECONDS,
) -> Connection:
    """Opens a connection with the current credential; when the database refuses it, drops the
    cached copy, reads the secret again and retries after each of retry_delays, then raises."""
    for attempt in range(len(retry_delays) + 1):
        fields = secret.get()
        try:
            return open_connection(fields)
        except Exception as error:
            if attempt == len(retry_delays) or not is_auth_failure(error):
                raise
            delay = retry_delays[attempt]
            log.warning("the database refused the credential (%s); reading the secret again, retry %d/%d in %.1fs", type(error).__name__, attempt + 1, len(retry_delays), delay)
            secret.invalidate()
            time.sleep(delay)
    raise RuntimeError("unreachable")
# @end
