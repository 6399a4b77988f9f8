package keyauth

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// consoleConfig is key-auth.internal as the Higress console writes it, plus fields this tool
// does not know (top level and inside a consumer) that must survive every edit.
const consoleConfig = `{
  "global_auth": false,
  "allow": [],
  "keys": ["x-higress-dummy-key"],
  "x_future_option": {"nested": [1, 2, 3]},
  "consumers": [
    {"name": "alice", "credentials": ["Bearer hai_aaaaaaaaaaaaaaaaaaaaaaaa"], "keys": ["Authorization"], "in_header": true, "in_query": false, "x_team": "data"},
    {"name": "legacy", "credential": "legacy-plain-key-0001"}
  ]
}`

func TestParseBothShapes(t *testing.T) {
	cfg, err := Parse(decode(t, consoleConfig))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, c := range cfg.Consumers() {
		got[c.Name()] = c.Credentials()
	}
	want := map[string][]string{
		"alice":  {"Bearer hai_aaaaaaaaaaaaaaaaaaaaaaaa"},
		"legacy": {"legacy-plain-key-0001"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("credentials = %v, want %v", got, want)
	}
	alice, _ := cfg.Consumer("alice")
	if w := alice.Where(); w != "Authorization: Bearer" {
		t.Errorf("alice presented as %q", w)
	}
	legacy, _ := cfg.Consumer("legacy")
	// legacy has no keys of its own: it uses the global ones, and key-auth's defaults (header and query).
	if w := legacy.Where(); w != "header x-higress-dummy-key, query x-higress-dummy-key" {
		t.Errorf("legacy presented as %q", w)
	}
}

func TestParseErrorsSayWhere(t *testing.T) {
	cases := []struct {
		name, config, want string
	}{
		{"consumers not a list", `{"consumers": {}}`, "consumers: must be a list"},
		{"consumer not an object", `{"consumers": ["x"]}`, "consumers[0]: must be an object"},
		{"missing name", `{"consumers": [{"credential": "k"}]}`, "consumers[0].name: must be a non-empty string"},
		{"no credential", `{"consumers": [{"name": "a"}, {"name": "b"}]}`, `consumers[0] ("a"): has neither credential nor credentials`},
		{"both credential shapes", `{"consumers": [{"name": "a", "credential": "k1", "credentials": ["k2"]}]}`, `consumers[0] ("a"): has both credential and credentials, which key-auth refuses to load`},
		{"credentials of numbers", `{"consumers": [{"name": "a", "credentials": [1]}]}`, "consumers[0].credentials[0]: must be a string"},
		{"keys not strings", `{"keys": [true]}`, "keys[0]: must be a string"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(decode(t, tc.config))
			if err == nil || err.Error() != tc.want {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
		})
	}
}

func TestAddConsumerKeepsUnknownFieldsAndWritesConsoleForm(t *testing.T) {
	raw := decode(t, consoleConfig)
	cfg, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.AddConsumer("bob", "hai_bbbbbbbbbbbbbbbbbbbbbbbb", BearerSource); err != nil {
		t.Fatal(err)
	}
	if err := cfg.AddConsumer("ci", "ci-plain-key-0000000", Source{Header: "x-api-key"}); err != nil {
		t.Fatal(err)
	}
	want := decode(t, consoleConfig)
	want["consumers"] = append(want["consumers"].([]any),
		map[string]any{"name": "bob", "credentials": []any{"Bearer hai_bbbbbbbbbbbbbbbbbbbbbbbb"}, "keys": []any{"Authorization"}, "in_header": true, "in_query": false},
		map[string]any{"name": "ci", "credentials": []any{"ci-plain-key-0000000"}, "keys": []any{"x-api-key"}, "in_header": true, "in_query": false},
	)
	if !reflect.DeepEqual(raw, want) {
		a, _ := json.MarshalIndent(raw, "", " ")
		t.Fatalf("config after add:\n%s", a)
	}
}

func TestAddConsumerRefusals(t *testing.T) {
	cases := []struct {
		name, consumer, key, want string
	}{
		{"existing name", "alice", "hai_cccccccccccccccccccccccc", `consumer "alice" already exists`},
		{"name with space", "bad name", "hai_cccccccccccccccccccccccc", `invalid consumer name "bad name"`},
		{"name starting with dash", "-x", "hai_cccccccccccccccccccccccc", `invalid consumer name "-x"`},
		{"name too long", strings.Repeat("a", 64), "hai_cccccccccccccccccccccccc", "invalid consumer name"},
		{"short key", "carol", "short-key", "key too short: 9 characters, at least 16 required"},
		{"key with space", "carol", "has a space in the key", "the key holds a space (U+0020)"},
		{"key with no-break space", "carol", "hai_cccccccccccc\u00a0cccccccccccc", "the key holds a space (U+00A0)"},
		{"key with C1 control", "carol", "hai_cccccccccccc\u0085cccccccccccc", "the key holds a control character (U+0085)"},
		{"key with zero-width space", "carol", "hai_cccccccccccc\u200bcccccccccccc", "the key holds an invisible format character (U+200B)"},
		{"key not UTF-8", "carol", "hai_cccccccccccc\xffcccccccccccc", "the key is not valid UTF-8"},
		{"key held by bearer consumer", "carol", "hai_aaaaaaaaaaaaaaaaaaaaaaaa", `that key is already held by consumer "alice"`},
		{"key held in plain form", "carol", "legacy-plain-key-0001", `that key is already held by consumer "legacy"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			raw := decode(t, consoleConfig)
			cfg, _ := Parse(raw)
			err := cfg.AddConsumer(tc.consumer, tc.key, BearerSource)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), tc.key) && len(tc.key) >= MinKeyLength {
				t.Fatalf("error message reveals the key: %v", err)
			}
			if !reflect.DeepEqual(raw, decode(t, consoleConfig)) {
				t.Fatal("a refused add changed the config")
			}
		})
	}
}

func TestNameBoundaries(t *testing.T) {
	for _, ok := range []string{"a", "A1", "data-team", "svc_account.v2", strings.Repeat("x", 63)} {
		if err := CheckName(ok); err != nil {
			t.Errorf("CheckName(%q) = %v", ok, err)
		}
	}
	// "none" is what the gateway's metrics call a request without a consumer.
	for _, bad := range []string{"", ".hidden", "_x", "a/b", "a:b", "ünï", strings.Repeat("x", 64), "none"} {
		if err := CheckName(bad); err == nil {
			t.Errorf("CheckName(%q) accepted", bad)
		}
	}
}

func TestRotateAndFinish(t *testing.T) {
	raw := decode(t, consoleConfig)
	cfg, _ := Parse(raw)
	legacy, _ := cfg.Consumer("legacy")
	if err := legacy.Rotate("legacy-new-key-000002"); err != nil {
		t.Fatal(err)
	}
	if got := legacy.Credentials(); !reflect.DeepEqual(got, []string{"legacy-plain-key-0001", "legacy-new-key-000002"}) {
		t.Fatalf("after rotate: %v", got)
	}
	if _, ok := legacy.raw["credential"]; ok {
		t.Fatal("rotate kept the single-credential field beside the list")
	}
	alice, _ := cfg.Consumer("alice")
	if err := alice.Rotate("hai_dddddddddddddddddddddddd"); err != nil {
		t.Fatal(err)
	}
	if got := alice.Credentials(); got[1] != "Bearer hai_dddddddddddddddddddddddd" {
		t.Fatalf("bearer consumer's new key not in bearer form: %v", got)
	}
	if err := alice.Rotate("legacy-new-key-000002"); err == nil {
		t.Fatal("rotate accepted a key another consumer holds")
	}
	if n := legacy.FinishRotation(); n != 1 {
		t.Fatalf("dropped %d", n)
	}
	if got := legacy.Credentials(); !reflect.DeepEqual(got, []string{"legacy-new-key-000002"}) {
		t.Fatalf("after finish: %v", got)
	}
	if n := legacy.FinishRotation(); n != 0 {
		t.Fatalf("second finish dropped %d", n)
	}
}

func TestRemoveConsumer(t *testing.T) {
	raw := decode(t, consoleConfig)
	cfg, _ := Parse(raw)
	if !cfg.RemoveConsumer("alice") {
		t.Fatal("alice not removed")
	}
	if cfg.RemoveConsumer("alice") {
		t.Fatal("removed twice")
	}
	if names := len(cfg.Consumers()); names != 1 {
		t.Fatalf("%d consumers left", names)
	}
	if raw["x_future_option"] == nil {
		t.Fatal("unknown field lost")
	}
}

func TestGenerateKey(t *testing.T) {
	k1, err := GenerateKey(bytes.NewReader(bytes.Repeat([]byte{0xff}, 32)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(k1, KeyPrefix) || len(k1) != len(KeyPrefix)+43 {
		t.Fatalf("key %q: want prefix %q and 43 base64url characters", k1, KeyPrefix)
	}
	if err := CheckKey(k1); err != nil {
		t.Fatal(err)
	}
	if _, err := GenerateKey(bytes.NewReader(make([]byte, 10))); err == nil {
		t.Fatal("a short random source was not reported")
	}
}
