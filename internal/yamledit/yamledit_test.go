package yamledit

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

func decode(t *testing.T, doc string) any {
	t.Helper()
	js, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatalf("decoding %q: %v", doc, err)
	}
	var v any
	if err := json.Unmarshal(js, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestApply(t *testing.T) {
	tests := []struct {
		name   string
		doc    string
		change func(v map[string]any)
		want   string
	}{
		{
			name: "scalar replaced in place keeping its quotes and every comment",
			doc:  "# head\na: 1 # one\nb: \"x\"  # quoted\n# foot of b\nc: {p: 'q'}\n",
			change: func(v map[string]any) {
				v["b"] = "y"
				v["c"].(map[string]any)["p"] = "r"
			},
			want: "# head\na: 1 # one\nb: \"y\"  # quoted\n# foot of b\nc: {p: 'r'}\n",
		},
		{
			name: "consumer added like its flow-style neighbours",
			doc:  "consumers:\n# team a\n- {name: alice, credential: ka} # lead\n- {name: carol, credential: kc}\nkeys: [x]\n",
			change: func(v map[string]any) {
				v["consumers"] = append(v["consumers"].([]any), map[string]any{"name": "bob", "credential": "kb"})
			},
			want: "consumers:\n# team a\n- {name: alice, credential: ka} # lead\n- {name: carol, credential: kc}\n- {name: bob, credential: kb}\nkeys: [x]\n",
		},
		{
			name: "block consumer added with the neighbours' indentation and key order",
			doc:  "spec:\n    consumers:\n        -   name: alice\n            credential: \"ka\"\n    global_auth: false\n",
			change: func(v map[string]any) {
				spec := v["spec"].(map[string]any)
				spec["consumers"] = append(spec["consumers"].([]any), map[string]any{"name": "bob", "credential": "kb"})
			},
			want: "spec:\n    consumers:\n        -   name: alice\n            credential: \"ka\"\n        -   name: bob\n            credential: \"kb\"\n    global_auth: false\n",
		},
		{
			name: "item removed with its own comments only",
			doc:  "list:\n# keep: about the list\n\n# alice's\n- name: alice # lead\n  credential: ka\n- name: bob\n  credential: kb\n# foot\n",
			change: func(v map[string]any) {
				v["list"] = v["list"].([]any)[1:]
			},
			want: "list:\n# keep: about the list\n\n- name: bob\n  credential: kb\n# foot\n",
		},
		{
			name: "flow items added and removed",
			doc:  "allow: [alice, bob, carol] # who\n",
			change: func(v map[string]any) {
				v["allow"] = []any{"alice", "carol", "dave"}
			},
			want: "allow: [alice, carol, dave] # who\n",
		},
		{
			name: "key added at the end of its mapping, quoted like its siblings",
			doc:  "labels:\n  \"a\": \"1\"\n  \"b\": \"2\"\nother: x\n",
			change: func(v map[string]any) {
				v["labels"].(map[string]any)["c"] = "3"
			},
			want: "labels:\n  \"a\": \"1\"\n  \"b\": \"2\"\n  \"c\": \"3\"\nother: x\n",
		},
		{
			name: "CRLF kept and used for new lines",
			doc:  "a: 1\r\nlist:\r\n- x\r\n",
			change: func(v map[string]any) {
				v["list"] = []any{"x", "z", "y"}
				v["a"] = float64(2)
			},
			// y alone would read as true to Kubernetes' YAML 1.1.
			want: "a: 2\r\nlist:\r\n- x\r\n- z\r\n- \"y\"\r\n",
		},
		{
			name: "last item removed leaves an empty list, the key's comment kept",
			doc:  "words: # blocked\n- foo\n- bar\nnext: 1\n",
			change: func(v map[string]any) {
				v["words"] = []any{}
			},
			want: "words: [] # blocked\nnext: 1\n",
		},
		{
			name: "null value becomes a block list",
			doc:  "rule:\n  allow:\n  ingress: [r1]\n",
			change: func(v map[string]any) {
				v["rule"].(map[string]any)["allow"] = []any{map[string]any{"a": "b"}}
			},
			want: "rule:\n  allow:\n  - a: b\n  ingress: [r1]\n",
		},
		{
			name: "first key of an item removed: the next moves beside the dash",
			doc:  "x:\n- name: a # a's\n  id: 1\n- name: b\n",
			change: func(v map[string]any) {
				delete(v["x"].([]any)[0].(map[string]any), "name")
			},
			want: "x:\n- id: 1\n- name: b\n",
		},
		{
			name: "new rule written like its sibling rules",
			doc:  "matchRules:\n- ingress: [r1] # first\n  config:\n    allow: [alice]\n",
			change: func(v map[string]any) {
				v["matchRules"] = append(v["matchRules"].([]any), map[string]any{"ingress": []any{"r2"}, "config": map[string]any{"allow": []any{"bob"}}})
			},
			want: "matchRules:\n- ingress: [r1] # first\n  config:\n    allow: [alice]\n- ingress: [r2]\n  config:\n    allow: [bob]\n",
		},
		{
			name: "byte-order mark, block scalar and multi-line plain value kept",
			doc:  "\ufeffnote: |\n  line one\n  line two\ndesc: a long\n  plain value\nlist: [a]\n",
			change: func(v map[string]any) {
				v["list"] = []any{"a", "b"}
				v["extra"] = "x: y"
			},
			want: "\ufeffnote: |\n  line one\n  line two\ndesc: a long\n  plain value\nlist: [a, b]\nextra: 'x: y'\n",
		},
		{
			name: "value after a block scalar changed",
			doc:  "a:\n  script: |\n    echo hi\n  k: 1\n",
			change: func(v map[string]any) {
				v["a"].(map[string]any)["k"] = float64(2)
				v["a"].(map[string]any)["n"] = float64(3)
			},
			// n alone is false to Kubernetes' YAML 1.1: the new key is quoted.
			want: "a:\n  script: |\n    echo hi\n  k: 2\n  \"n\": 3\n",
		},
		{
			name: "anchors elsewhere stay",
			doc:  "base: &b {x: 1}\nuse: *b\nlist: [a]\n",
			change: func(v map[string]any) {
				v["list"] = []any{"a", "b"}
			},
			want: "base: &b {x: 1}\nuse: *b\nlist: [a, b]\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := decode(t, tc.doc)
			after := decode(t, tc.doc).(map[string]any)
			tc.change(after)
			got, err := Apply(tc.doc, before, after)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
			if !equalJSON(t, decode(t, got), after) {
				t.Fatalf("the result reads as %v, want %v", decode(t, got), after)
			}
		})
	}
}

func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestApplyRefusesAChangeThroughAnAlias(t *testing.T) {
	doc := "base: &b {x: 1}\nuse: *b\n"
	before := decode(t, doc)
	after := decode(t, doc).(map[string]any)
	after["use"] = map[string]any{"x": float64(2)}
	_, err := Apply(doc, before, after)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "alias") {
		t.Fatalf("err = %v, want an unsupported alias", err)
	}
}

func TestApplyRefusesAChangeToAMappingWithAMergeKey(t *testing.T) {
	doc := "base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n"
	before := decode(t, doc)
	after := decode(t, doc).(map[string]any)
	after["use"].(map[string]any)["y"] = float64(3)
	if _, err := Apply(doc, before, after); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("err = %v, want unsupported", err)
	}
}

func TestApplyRefusesAKeyYAML11ReadsAsABoolean(t *testing.T) {
	doc := "a:\n  n: 1\n"
	before := decode(t, doc)
	after := decode(t, doc).(map[string]any)
	after["a"].(map[string]any)["false"] = float64(2)
	if _, err := Apply(doc, before, after); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("err = %v, want unsupported", err)
	}
}
