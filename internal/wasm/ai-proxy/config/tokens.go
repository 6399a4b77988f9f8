package config

// Cooldowns: how long a key that the upstream refused is left out, in ms. A 401 or 403 key is
// probably revoked; a 429 key is out of quota or rate, usually for less.
const (
	CooldownUnauthorizedMs = 5 * 60 * 1000
	CooldownRateLimitedMs  = 30 * 1000
)

// Tokens spreads requests over a provider's keys round-robin and skips keys in cooldown. It is
// the state of one Wasm VM (one gateway worker thread): each thread learns on its own.
type Tokens struct {
	next    int
	resting map[string]int64 // key -> until (unix ms)
}

// Pick returns the key for the next request at time nowMs. When every key rests, the one whose
// rest ends first is used: better an upstream error than none.
func (t *Tokens) Pick(keys []string, nowMs int64) string {
	if len(keys) == 0 {
		return ""
	}
	best, bestUntil := "", int64(0)
	for i := range keys {
		k := keys[(t.next+i)%len(keys)]
		until := t.resting[k]
		if until <= nowMs {
			t.next = (t.next + i + 1) % len(keys)
			return k
		}
		if best == "" || until < bestUntil {
			best, bestUntil = k, until
		}
	}
	t.next = (t.next + 1) % len(keys)
	return best
}

// Report records the upstream's answer to a request made with key; nowMs is called only when
// the key is to rest (the clock costs a host call in the gateway).
func (t *Tokens) Report(key string, status int, nowMs func() int64) {
	var rest int64
	switch status {
	case 401, 403:
		rest = CooldownUnauthorizedMs
	case 429:
		rest = CooldownRateLimitedMs
	default:
		if status < 400 && len(t.resting) > 0 {
			delete(t.resting, key)
		}
		return
	}
	if t.resting == nil {
		t.resting = map[string]int64{}
	}
	t.resting[key] = nowMs() + rest
}
