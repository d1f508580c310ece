const (
	maxAttempts = 5
	baseDelay   = 500 * time.Millisecond
	maxDelay    = 8 * time.Second
// @each secret
	// How long a read stays fresh when the backend does not say: {{text:CACHE_REASON}}.
	cacheTTL{{id:SUFFIX}} = {{int:CACHE_TTL}} * time.Second
// @end
)

// withRetries runs op with bounded retries and exponential backoff with full jitter.
func withRetries[T any](ctx context.Context, op func(context.Context) (T, error)) (T, error) {
	var zero T
	for attempt := 1; ; attempt++ {
		result, err := op(ctx)
		if err == nil {
			return result, nil
		}
		if attempt == maxAttempts || !isRetryable(err) {
			return zero, err
		}
		backoff := baseDelay << (attempt - 1)
		if backoff > maxDelay {
			backoff = maxDelay
		}
		delay := time.Duration(rand.Int63n(int64(backoff) + 1))
		// Only the error's type is logged: responses are never logged, so the secret is not either.
		log.Printf("{{part:BACKEND_LABEL}} request failed (%T); retry %d/%d in %s", err, attempt, maxAttempts-1, delay)
		select {
		case <-ctx.Done():
			return zero, ctx.Err()
		case <-time.After(delay):
		}
	}
}
// @if payload=text

// parseFields returns a JSON object's fields, or the whole text as "value" for a plain secret.
func parseFields(text string) map[string]string {
	var document map[string]any
	if err := json.Unmarshal([]byte(text), &document); err != nil {
		return map[string]string{"value": text}
	}
	fields := make(map[string]string, len(document))
	for key, value := range document {
		fields[key] = fmt.Sprint(value)
	}
	return fields
}
// @end

// SecretCache hands out the current secret and fetches it again once its time to live has passed.
type SecretCache struct {
// @if module=workload
	fetch     func(context.Context) (map[string]string, time.Duration, error)
// @end
	mu        sync.Mutex
	fields    map[string]string
	refreshAt time.Time
}

type fetched struct {
	fields map[string]string
	ttl    time.Duration
}

// Get returns the cached fields, fetching them first when they are missing or stale.
func (c *SecretCache) Get(ctx context.Context) (map[string]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fields == nil || time.Now().After(c.refreshAt) {
		result, err := withRetries(ctx, func(ctx context.Context) (fetched, error) {
// @if module=single
			fields, ttl, err := fetchSecret(ctx)
// @end
// @if module=workload
			fields, ttl, err := c.fetch(ctx)
// @end
			return fetched{fields, ttl}, err
		})
		if err != nil {
			return nil, err
		}
		c.fields = result.fields
		c.refreshAt = time.Now().Add(result.ttl)
	}
	return c.fields, nil
}

// Invalidate drops the cached copy, so the next Get reads the secret again (after the backend's value was refused).
func (c *SecretCache) Invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fields = nil
}
// @if module=single

// Secret is the process-wide cache of the planned secret.
var Secret = &SecretCache{}
// @end
// @if module=workload

// Secrets holds the workload's secrets, one accessor each with its own cache: Secrets.<Label>.Get(ctx), .Invalidate().
var Secrets = struct {
// @each secret
	// {{id:ACCESSOR}} is secret "{{text:LABEL}}": {{text:DESCRIPTION}} ({{text:SECRET_PATH}}).
	{{id:ACCESSOR}} *SecretCache
// @end
}{
// @each secret
	// {{id:ACCESSOR}} reads with fetchSecret{{id:SUFFIX}}.
	{{id:ACCESSOR}}: &SecretCache{fetch: fetchSecret{{id:SUFFIX}}},
// @end
}
// @end
// @if credential=database

// AuthRetryDelays: a refused login means the cached credential was replaced, so Connect re-reads
// it and retries after each delay (15s in all): a new value written up to 15s after the old one
// stopped working is still found.
var AuthRetryDelays = []time.Duration{0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second}

// IsAuthFailure reports whether a database driver's error says the server refused the username or
// password: SQLSTATE 28P01 or 28000 (pgx's *pgconn.PgError reports it through SQLState), or MySQL and
// MariaDB error 1045 (go-sql-driver/mysql's *mysql.MySQLError prints it as "Error 1045").
func IsAuthFailure(err error) bool {
	var coded interface{ SQLState() string }
	if errors.As(err, &coded) {
		state := coded.SQLState()
		return state == "28P01" || state == "28000"
	}
	for ; err != nil; err = errors.Unwrap(err) {
		message := err.Error()
		if len(message) >= 11 && message[:10] == "Error 1045" && (message[10] == ':' || message[10] == ' ') {
			return true
		}
	}
	return false
}

// @if module=single
// Connect opens a connection with the current credential; when the database refuses it, it drops
// the cached copy, reads the secret again and retries after each of retryDelays, then returns the error.
func Connect[C any](ctx context.Context, open func(context.Context, map[string]string) (C, error), retryDelays []time.Duration) (C, error) {
	var zero C
	for attempt := 0; ; attempt++ {
		fields, err := Secret.Get(ctx)
// @end
// @if module=workload
// Connect opens a connection with secret's current credential; when the database refuses it, it drops
// that cached copy, reads the secret again and retries after each of retryDelays, then returns the error.
func Connect[C any](ctx context.Context, secret *SecretCache, open func(context.Context, map[string]string) (C, error), retryDelays []time.Duration) (C, error) {
	var zero C
	for attempt := 0; ; attempt++ {
		fields, err := secret.Get(ctx)
// @end
		if err != nil {
			return zero, err
		}
		conn, err := open(ctx, fields)
		if err == nil {
			return conn, nil
		}
		if attempt >= len(retryDelays) || !IsAuthFailure(err) {
			return zero, err
		}
		log.Printf("the database refused the credential (%T); reading the secret again, retry %d/%d in %s", err, attempt+1, len(retryDelays), retryDelays[attempt])
// @if module=single
		Secret.Invalidate()
// @end
// @if module=workload
		secret.Invalidate()
// @end
		select {
		case <-ctx.Done():
			return zero, ctx.Err()
		case <-time.After(retryDelays[attempt]):
		}
	}
}
// @end
