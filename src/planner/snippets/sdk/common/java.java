    private static final int MAX_ATTEMPTS = 5;
    private static final long BASE_DELAY_MILLIS = 500;
    private static final long MAX_DELAY_MILLIS = 8000;
    // How long a read stays fresh when the backend does not say: {{text:CACHE_REASON}}.
    private static final Duration CACHE_TTL = Duration.ofSeconds({{int:CACHE_TTL}});
    private static final Logger LOG = Logger.getLogger(Secrets.class.getName());

    /** Runs operation with bounded retries and exponential backoff with full jitter. */
    static <T> T withRetries(Callable<T> operation) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return operation.call();
            } catch (Exception error) {
                if (attempt == MAX_ATTEMPTS || !isRetryable(error)) {
                    throw error;
                }
                long cap = Math.min(MAX_DELAY_MILLIS, BASE_DELAY_MILLIS << (attempt - 1));
                long delay = ThreadLocalRandom.current().nextLong(cap + 1);
                // Only the error's type is logged: responses are never logged, so the secret is not either.
                LOG.warning(String.format("{{part:BACKEND_LABEL}} request failed (%s); retry %d/%d in %dms",
                        error.getClass().getSimpleName(), attempt, MAX_ATTEMPTS - 1, delay));
                Thread.sleep(delay);
            }
        }
    }

    /** A secret's fields and how long they stay fresh. */
    record Fetched(Map<String, String> fields, Duration ttl) {
        @Override
        public String toString() {
            return "Fetched[fields=REDACTED, ttl=" + ttl + "]";
        }
    }

    /** Hands out the current secret and fetches it again once its time to live has passed. */
    public static final class SecretCache {
        private Map<String, String> fields;
        private Instant refreshAt = Instant.EPOCH;

        public synchronized Map<String, String> get() throws Exception {
            if (fields == null || !Instant.now().isBefore(refreshAt)) {
                Fetched fetched = withRetries(Secrets::fetchSecret);
                fields = fetched.fields();
                refreshAt = Instant.now().plus(fetched.ttl());
            }
            return fields;
        }
    }

    /** The process-wide cache of the planned secret. */
    public static final SecretCache SECRET = new SecretCache();
}
