package ratelimit

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSetAndRemove(t *testing.T) {
	raw := map[string]any{"x-unknown": "kept", "redis": map[string]any{"service_name": "redis.static", "password": "pw"}}
	c, err := Parse(raw)
	if err != nil || !c.Empty() || c.Redis == nil || !c.Redis.HasPassword {
		t.Fatalf("a config without limits: %+v %v", c, err)
	}
	if ch, err := c.Set(Everyone, PerHour, 1000); err != nil || ch != Added {
		t.Fatalf("set default: %v %v", ch, err)
	}
	if ch, err := c.Set("alice", PerMinute, 100); err != nil || ch != Added {
		t.Fatalf("set alice: %v %v", ch, err)
	}
	// alice's limit must come before the catch-all, or the plugin would never reach it.
	if c.Items[0].Type != ByConsumer || c.Items[1].Type != ByPerConsumer {
		t.Fatalf("items in order %s, %s; want limit_by_consumer first", c.Items[0].Type, c.Items[1].Type)
	}
	if _, l, _, _ := c.Match("alice"); l.Tokens != 100 || l.Window != PerMinute {
		t.Errorf("alice matches %+v, want 100/minute", l)
	}
	if _, l, _, _ := c.Match("bob"); l.Tokens != 1000 || l.Window != PerHour {
		t.Errorf("bob matches %+v, want the default 1000/hour", l)
	}
	if ch, _ := c.Set("alice", PerMinute, 100); ch != Unchanged {
		t.Errorf("the same limit again: %v, want unchanged", ch)
	}
	if ch, _ := c.Set("alice", PerDay, 5000); ch != Updated {
		t.Errorf("a new window: %v, want updated", ch)
	}
	doc, _ := json.Marshal(c.Raw())
	if strings.Contains(string(doc), "token_per_minute") {
		t.Errorf("the old window stayed beside the new one (the plugin would pick one at random): %s", doc)
	}
	if !strings.Contains(string(doc), `"x-unknown":"kept"`) || !strings.Contains(string(doc), `"password":"pw"`) {
		t.Errorf("unknown fields or the Redis password were not kept: %s", doc)
	}
	if !strings.Contains(string(doc), `"rule_name":"`+DefaultRuleName+`"`) {
		t.Errorf("no rule_name written: %s", doc)
	}
	if ch, empty, err := c.Remove("alice"); err != nil || ch != Removed || empty {
		t.Fatalf("remove alice: %v %v %v", ch, empty, err)
	}
	if len(c.Items) != 1 || c.Items[0].Type != ByPerConsumer {
		t.Errorf("the emptied consumer item was not dropped: %+v", c.Items)
	}
	if ch, _, _ := c.Remove("alice"); ch != Unchanged {
		t.Errorf("removing again: %v, want unchanged", ch)
	}
	if ch, empty, _ := c.Remove(Everyone); ch != Removed || !empty {
		t.Errorf("removing the last limit: %v empty=%v, want removed and empty", ch, empty)
	}
}

func TestSetRefuses(t *testing.T) {
	c, err := Parse(map[string]any{"rule_name": "r", "redis": map[string]any{"service_name": "x"}, "global_threshold": map[string]any{"token_per_minute": int64(5)}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Set("alice", PerMinute, 1); err == nil || !strings.Contains(err.Error(), "global_threshold") {
		t.Errorf("a consumer limit beside global_threshold: %v", err)
	}
	e, _ := Parse(map[string]any{})
	for _, n := range []int64{0, -5} {
		if _, err := e.Set("alice", PerMinute, n); err == nil {
			t.Errorf("limit %d accepted", n)
		}
	}
	if _, err := ParseWindow("fortnight"); err == nil || !strings.Contains(err.Error(), "second, minute, hour and day") {
		t.Errorf("unknown window: %v", err)
	}
	if w, err := ParseWindow("per-minute"); err != nil || w != PerMinute {
		t.Errorf("per-minute: %v %v", w, err)
	}
}

func TestEntriesShadowed(t *testing.T) {
	c, err := Parse(parseYAML(t, `
rule_name: r
redis: {service_name: r.static}
rule_items:
- limit_by_per_consumer: ''
  limit_keys: [{key: '*', token_per_day: 5}]
- limit_by_consumer: ''
  limit_keys: [{key: alice, token_per_minute: 1}]
`))
	if err != nil {
		t.Fatal(err)
	}
	es := c.Entries()
	if len(es) != 2 || es[0].Shadowed || !es[1].Shadowed {
		t.Errorf("entries %+v: alice's limit after the catch-all must be marked as never applying", es)
	}
}
