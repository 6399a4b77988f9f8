package ratelimit

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/higress-ai/higress-ai/internal/testenv"
)

// The two steps ai-token-ratelimit runs in Redis (main.go: the request phase reads the counter and
// its ttl; the response phase adds the tokens while the counter is not above the limit and starts
// the window with the first ones), written here as scripts of our own with the same effect, so a
// real Redis holds counters in the plugin's key format and the replay's model can be checked
// against it.
var (
	checkScript = redis.NewScript(`
local v = redis.call('get', KEYS[1])
if not v then return {tonumber(ARGV[1]), 0} end
return {tonumber(ARGV[1]), tonumber(v)}`)
	chargeScript = redis.NewScript(`
local cur = tonumber(redis.call('get', KEYS[1]) or '0')
if cur > tonumber(ARGV[1]) then return cur end
local n = redis.call('incrby', KEYS[1], ARGV[3])
if n == tonumber(ARGV[3]) or redis.call('ttl', KEYS[1]) < 0 then
  redis.call('expire', KEYS[1], ARGV[2])
end
return n`)
)

// TestReplayMatchesRedis drives the same requests through a real Redis, as the plugin does, and
// through the replay's counters, and compares every decision and the counters left in Redis.
func TestReplayMatchesRedis(t *testing.T) {
	addr := testenv.Redis(t)
	ctx := context.Background()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()

	cfg := mustParse(t, `
rule_name: replay-check
redis: {service_name: redis.static}
rule_items:
- limit_by_consumer: ''
  limit_keys: [{key: alice, token_per_second: 1000}]
- limit_by_per_consumer: ''
  limit_keys: [{key: '*', token_per_minute: 500}]
`)
	model := NewCounters()
	type step struct {
		consumer string
		tokens   int64
		sleep    time.Duration // before the step, real time: Redis expires keys by its own clock
	}
	steps := []step{
		{"alice", 400, 0}, {"bob", 300, 0}, {"alice", 400, 0}, {"bob", 300, 0}, {"alice", 400, 0},
		{"alice", 400, 0}, // 1200 > 1000: refused
		{"bob", 300, 0},   // 600 > 500: refused
		{"carol", 100, 0},
		{"alice", 400, 1100 * time.Millisecond}, // alice's one-second window has ended: allowed again
		{"bob", 300, 0},                         // bob's minute has not: still refused
	}
	start := time.Now()
	for i, s := range steps {
		if s.sleep > 0 {
			time.Sleep(s.sleep)
		}
		now := start.Add(time.Since(start))
		item, l, ok, _ := cfg.Match(s.consumer)
		if !ok {
			t.Fatalf("step %d: %s matched no limit", i, s.consumer)
		}
		key := cfg.RedisKey(item, l, s.consumer)
		res, err := checkScript.Run(ctx, rdb, []string{key}, l.Tokens).Int64Slice()
		if err != nil {
			t.Fatalf("step %d: redis: %v", i, err)
		}
		redisAllows := res[1] <= res[0]
		if modelAllows := model.Allow(key, l.Tokens, now); modelAllows != redisAllows {
			t.Fatalf("step %d (%s): the replay allows=%v, the plugin's counters in Redis allow=%v (counter %d)", i, s.consumer, modelAllows, redisAllows, res[1])
		}
		if !redisAllows {
			continue
		}
		if err := chargeScript.Run(ctx, rdb, []string{key}, l.Tokens, l.Window.Seconds(), s.tokens).Err(); err != nil {
			t.Fatalf("step %d: redis: %v", i, err)
		}
		model.Charge(key, l.Tokens, l.Window.Duration(), s.tokens, now)
	}
	// The counters left in Redis are the replay's, key for key, in the plugin's key format.
	keys, err := rdb.Keys(ctx, "higress-token-ratelimit:replay-check:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	now := start.Add(time.Since(start))
	want := map[string]int64{
		"higress-token-ratelimit:replay-check:limit_by_consumer:1:x-mse-consumer:alice":      400,
		"higress-token-ratelimit:replay-check:limit_by_per_consumer:60:x-mse-consumer:bob":   600,
		"higress-token-ratelimit:replay-check:limit_by_per_consumer:60:x-mse-consumer:carol": 100,
	}
	if len(keys) != len(want) {
		t.Fatalf("redis holds %v, want %d keys", keys, len(want))
	}
	for _, k := range keys {
		v, err := rdb.Get(ctx, k).Int64()
		if err != nil {
			t.Fatal(err)
		}
		if v != want[k] || model.Value(k, now) != v {
			t.Errorf("%s: redis %d, replay %d, want %d", k, v, model.Value(k, now), want[k])
		}
		ttl, _ := rdb.TTL(ctx, k).Result()
		if ttl <= 0 {
			t.Errorf("%s has no expiry: the window never ends", k)
		}
	}
}
