const (
	maxAttempts = 5
	baseDelay   = 500 * time.Millisecond
	maxDelay    = 8 * time.Second
	// How long a read stays fresh when the backend does not say: {{text:CACHE_REASON}}.
	cacheTTL = {{int:CACHE_TTL}} * time.Second
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
			fields, ttl, err := fetchSecret(ctx)
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

// Secret is the process-wide cache of the planned secret.
var Secret = &SecretCache{}
