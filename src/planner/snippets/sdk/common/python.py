MAX_ATTEMPTS = 5
BASE_DELAY_SECONDS = 0.5
MAX_DELAY_SECONDS = 8.0
# How long a read stays fresh when the backend does not say: {{text:CACHE_REASON}}.
CACHE_TTL_SECONDS = {{int:CACHE_TTL}}

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

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._fields: Mapping[str, str] | None = None
        self._refresh_at = 0.0

    def get(self) -> Mapping[str, str]:
        with self._lock:
            if self._fields is None or time.monotonic() >= self._refresh_at:
                fields, ttl = with_retries(fetch_secret)
                self._fields = fields
                self._refresh_at = time.monotonic() + ttl
            return self._fields


secret = SecretCache()
