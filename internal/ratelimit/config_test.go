package ratelimit

import (
	"os"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func parseYAML(t *testing.T, doc string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatalf("bad test YAML: %v", err)
	}
	return m
}

func TestParseReadmeShapes(t *testing.T) {
	data, err := os.ReadFile("testdata/readme-shapes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(string(data), "\n---\n")
	want := []struct {
		rule  string
		items []ItemType
	}{
		{"route-global", nil},
		{"by-param", []ItemType{ByParam, ByPerParam}},
		{"by-header", []ItemType{ByHeader, ByPerHeader}},
		{"by-ip", []ItemType{ByPerIP}},
		{"by-consumer", []ItemType{ByConsumer, ByPerConsumer}},
		{"by-cookie", []ItemType{ByCookie, ByPerCookie}},
	}
	if len(docs) != len(want) {
		t.Fatalf("%d documents, want %d", len(docs), len(want))
	}
	for i, doc := range docs {
		c, err := Parse(parseYAML(t, doc))
		if err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		if c.RuleName != want[i].rule {
			t.Errorf("document %d: rule_name %q, want %q", i, c.RuleName, want[i].rule)
		}
		var got []ItemType
		for _, it := range c.Items {
			got = append(got, it.Type)
		}
		if strings.Join(toStrings(got), ",") != strings.Join(toStrings(want[i].items), ",") {
			t.Errorf("document %d: items %v, want %v", i, got, want[i].items)
		}
	}
	// Spot checks of what the plugin derives.
	g, _ := Parse(parseYAML(t, docs[0]))
	if g.Global == nil || g.Global.Window != PerMinute || g.Global.Tokens != 1000 || g.Redis.ServicePort != 80 {
		t.Errorf("global: %+v redis %+v; want 1000/minute and port 80 for a .static service", g.Global, g.Redis)
	}
	h, _ := Parse(parseYAML(t, docs[2]))
	if k := h.Items[0].Limits[0].Key; k != "102234" {
		t.Errorf("a numeric key reads as %q, want \"102234\" (the plugin reads it as a string)", k)
	}
	c, _ := Parse(parseYAML(t, docs[4]))
	if r := c.Redis; r.ServicePort != 6380 || r.TimeoutMs != 2000 || r.Database != 3 || !r.HasPassword || r.Username != "u" {
		t.Errorf("redis: %+v", r)
	}
	if c.Items[0].By != "x-mse-consumer" {
		t.Errorf("consumer items count by %q, want x-mse-consumer", c.Items[0].By)
	}
	k, _ := Parse(parseYAML(t, docs[5]))
	if k.RejectedCode != 200 || !strings.Contains(k.RejectedMsg, "Too many") {
		t.Errorf("rejected: %d %q", k.RejectedCode, k.RejectedMsg)
	}
	if c.RejectedCode != 429 || c.RejectedMsg != "Too many requests" {
		t.Errorf("defaults: %d %q, want 429 and the plugin's message", c.RejectedCode, c.RejectedMsg)
	}
}

func toStrings(ts []ItemType) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}

func TestParseRefuses(t *testing.T) {
	const redis = "redis: {service_name: r.static}\n"
	cases := []struct {
		name, doc, want string
	}{
		{"no rule name", "global_threshold: {token_per_minute: 1}\n" + redis, "rule_name: required"},
		{"no redis", "rule_name: r\nglobal_threshold: {token_per_minute: 1}\n", "redis: required"},
		{"empty redis service", "rule_name: r\nglobal_threshold: {token_per_minute: 1}\nredis: {service_port: 1}\n", "redis.service_name: required"},
		{"both", "rule_name: r\nglobal_threshold: {token_per_minute: 1}\nrule_items: []\n" + redis, "not both"},
		{"empty items", "rule_name: r\nrule_items: []\n" + redis, "non-empty list"},
		{"no type", "rule_name: r\nrule_items: [{limit_keys: [{key: a, token_per_minute: 1}]}]\n" + redis, "needs one of limit_by_header"},
		{"no keys", "rule_name: r\nrule_items: [{limit_by_consumer: ''}]\n" + redis, "limit_keys: must be a non-empty list"},
		{"per without pattern", "rule_name: r\nrule_items: [{limit_by_per_consumer: '', limit_keys: [{key: alice, token_per_minute: 1}]}]\n" + redis, `takes "*" or "regexp:..."`},
		{"bad regexp", "rule_name: r\nrule_items: [{limit_by_per_header: h, limit_keys: [{key: 'regexp:(', token_per_minute: 1}]}]\n" + redis, "invalid regexp"},
		{"zero", "rule_name: r\nrule_items: [{limit_by_consumer: '', limit_keys: [{key: a, token_per_minute: 0}]}]\n" + redis, "positive whole number"},
		{"fraction", "rule_name: r\nglobal_threshold: {token_per_minute: 1.5}\n" + redis, "positive whole number"},
		{"two windows", "rule_name: r\nrule_items: [{limit_by_consumer: '', limit_keys: [{key: a, token_per_minute: 5, token_per_hour: 9}]}]\n" + redis, "chosen at random"},
		{"no window", "rule_name: r\nrule_items: [{limit_by_consumer: '', limit_keys: [{key: a}]}]\n" + redis, "needs one of token_per_second"},
		{"bad ip source", "rule_name: r\nrule_items: [{limit_by_per_ip: header-x, limit_keys: [{key: 0.0.0.0/0, token_per_day: 1}]}]\n" + redis, "from-remote-addr or from-header-NAME"},
	}
	// Where to count but no limit (a config whose last limit was removed): an empty view the plugin
	// would not load, which an edit can fill again.
	if c, err := Parse(parseYAML(t, "rule_name: r\n"+redis)); err != nil || !c.Empty() || c.RuleName != "r" || c.Redis == nil {
		t.Errorf("no limits: %+v %v, want an empty view keeping rule_name and redis", c, err)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(parseYAML(t, tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error has more than one line: %q", err)
			}
		})
	}
}

func TestMatchFirstItemAndKeyWin(t *testing.T) {
	c, err := Parse(parseYAML(t, `
rule_name: r
redis: {service_name: r.static}
rule_items:
- limit_by_header: x-team
  limit_keys: [{key: red, token_per_minute: 1}]
- limit_by_consumer: ''
  limit_keys:
  - {key: alice, token_per_minute: 100}
  - {key: alice, token_per_hour: 999}
- limit_by_per_consumer: ''
  limit_keys:
  - {key: 'regexp:^a', token_per_second: 7}
  - {key: '*', token_per_day: 5000}
`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		consumer string
		window   Window
		tokens   int64
		key      string
	}{
		{"alice", PerMinute, 100, "higress-token-ratelimit:r:limit_by_consumer:60:x-mse-consumer:alice"},
		{"anna", PerSecond, 7, "higress-token-ratelimit:r:limit_by_per_consumer:1:x-mse-consumer:anna"},
		{"bob", PerDay, 5000, "higress-token-ratelimit:r:limit_by_per_consumer:86400:x-mse-consumer:bob"},
	}
	for _, tc := range cases {
		item, l, ok, unknown := c.Match(tc.consumer)
		if !ok || l.Window != tc.window || l.Tokens != tc.tokens {
			t.Errorf("%s: matched %v %+v, want %d per %s", tc.consumer, ok, l, tc.tokens, tc.window)
			continue
		}
		if !unknown {
			t.Errorf("%s: the header item before it was not reported as undecidable", tc.consumer)
		}
		if k := c.RedisKey(item, l, tc.consumer); k != tc.key {
			t.Errorf("%s: redis key %q, want %q", tc.consumer, k, tc.key)
		}
	}
	if _, _, ok, _ := c.Match(""); ok {
		t.Error("a request without a consumer matched a consumer item")
	}
}
