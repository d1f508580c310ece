    private static final int MAX_ATTEMPTS = 5;
    private static final long BASE_DELAY_MILLIS = 500;
    private static final long MAX_DELAY_MILLIS = 8000;
// @each secret
    // How long a read stays fresh when the backend does not say: {{text:CACHE_REASON}}.
    private static final Duration CACHE_TTL{{id:SUFFIX_UPPER}} = Duration.ofSeconds({{int:CACHE_TTL}});
// @end
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
// @if module=workload
        private final Callable<Fetched> fetch;
// @end
        private Map<String, String> fields;
        private Instant refreshAt = Instant.EPOCH;
// @if module=workload

        SecretCache(Callable<Fetched> fetch) {
            this.fetch = fetch;
        }
// @end

        public synchronized Map<String, String> get() throws Exception {
            if (fields == null || !Instant.now().isBefore(refreshAt)) {
// @if module=single
                Fetched fetched = withRetries(Secrets::fetchSecret);
// @end
// @if module=workload
                Fetched fetched = withRetries(fetch);
// @end
                fields = fetched.fields();
                refreshAt = Instant.now().plus(fetched.ttl());
            }
            return fields;
        }

        /** Drops the cached copy, so the next get() reads the secret again (after the backend's value was refused). */
        public synchronized void invalidate() {
            fields = null;
        }
    }
// @if module=single

    /** The process-wide cache of the planned secret. */
    public static final SecretCache SECRET = new SecretCache();
// @end
// @if module=workload

    // The workload's secrets, one accessor each with its own cache: Secrets.<label>.get(), .invalidate().
// @each secret

    /** Secret "{{text:LABEL}}": {{text:DESCRIPTION}} ({{text:SECRET_PATH}}). */
    public static final SecretCache {{id:ACCESSOR}} = new SecretCache(Secrets::fetchSecret{{id:SUFFIX}});
// @end
// @end
// @if credential=database

    // A refused login means the cached credential was replaced: re-read it and retry after each delay
    // (15s in all), so a new value written up to 15s after the old one stopped working is still found.
    static final long[] AUTH_RETRY_DELAY_MILLIS = {0, 1000, 2000, 4000, 8000};

    /** Opens a connection (JDBC or another driver's) from the secret's fields. */
    @FunctionalInterface
    public interface Opener<C> {
        C open(Map<String, String> fields) throws java.sql.SQLException;
    }

    /** Whether the database refused the username or password: SQLSTATE 28P01 or 28000, or MySQL and MariaDB error 1045. */
    static boolean isAuthFailure(java.sql.SQLException error) {
        String state = error.getSQLState();
        return "28P01".equals(state) || "28000".equals(state) || error.getErrorCode() == 1045;
    }

// @if module=single
    /**
     * Opens a connection with the current credential; when the database refuses it, drops the cached
     * copy, reads the secret again and retries after each of retryDelayMillis, then throws.
     */
    public static <C> C connect(Opener<C> opener, long[] retryDelayMillis) throws Exception {
        for (int attempt = 0; ; attempt++) {
            Map<String, String> fields = SECRET.get();
// @end
// @if module=workload
    /**
     * Opens a connection with secret's current credential; when the database refuses it, drops that
     * cached copy, reads the secret again and retries after each of retryDelayMillis, then throws.
     */
    public static <C> C connect(SecretCache secret, Opener<C> opener, long[] retryDelayMillis) throws Exception {
        for (int attempt = 0; ; attempt++) {
            Map<String, String> fields = secret.get();
// @end
            try {
                return opener.open(fields);
            } catch (java.sql.SQLException error) {
                if (attempt >= retryDelayMillis.length || !isAuthFailure(error)) {
                    throw error;
                }
                LOG.warning(String.format("the database refused the credential (%s); reading the secret again, retry %d/%d in %dms",
                        error.getClass().getSimpleName(), attempt + 1, retryDelayMillis.length, retryDelayMillis[attempt]));
// @if module=single
                SECRET.invalidate();
// @end
// @if module=workload
                secret.invalidate();
// @end
                Thread.sleep(retryDelayMillis[attempt]);
            }
        }
    }

// @if module=single
    /** As connect(opener, retryDelayMillis), with AUTH_RETRY_DELAY_MILLIS. */
    public static <C> C connect(Opener<C> opener) throws Exception {
        return connect(opener, AUTH_RETRY_DELAY_MILLIS);
    }
// @end
// @if module=workload
    /** As connect(secret, opener, retryDelayMillis), with AUTH_RETRY_DELAY_MILLIS. */
    public static <C> C connect(SecretCache secret, Opener<C> opener) throws Exception {
        return connect(secret, opener, AUTH_RETRY_DELAY_MILLIS);
    }
// @end
// @end
}
