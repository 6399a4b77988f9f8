package wasmplugin

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/higress-ai/higress-ai/internal/k8s"
)

func TestImageName(t *testing.T) {
	cases := map[string]string{
		"oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:2.0.0": "key-auth",
		"higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/request-block:1.0.0":  "request-block",
		"oci://registry.local:5000/team/ai-proxy@sha256:0123abcd":                   "ai-proxy",
		"oci://registry.local:5000/team/ai-proxy:v1@sha256:0123abcd":                "ai-proxy",
		"http://localhost:8002/plugins/key-auth/1.0.0/plugin.wasm":                  "key-auth",
		"file:///opt/plugins/request-block.wasm":                                    "request-block",
		"oci://registry.local:5000/key-auth":                                        "key-auth",
	}
	for url, want := range cases {
		if got := ImageName(url); got != want {
			t.Errorf("ImageName(%q) = %q, want %q", url, got, want)
		}
	}
}

func plugin(name, url string, labels map[string]any) *unstructured.Unstructured {
	meta := map[string]any{"name": name, "namespace": "higress-system"}
	if labels != nil {
		meta["labels"] = labels
	}
	return &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": k8s.APIVersion, "kind": k8s.Kind, "metadata": meta,
		"spec": map[string]any{"url": url, "defaultConfig": map[string]any{"consumers": []any{}}},
	}}
}

func storeWith(t *testing.T, objs ...*unstructured.Unstructured) k8s.Store {
	t.Helper()
	dir := t.TempDir()
	s, err := k8s.NewDirStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objs {
		if _, err := s.Create(context.Background(), o, k8s.WriteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func TestFind(t *testing.T) {
	ctx := context.Background()
	byURL := plugin("my-auth", "oci://r/plugins/key-auth:2.0.0", nil)
	byLabel := plugin("custom", "oci://r/x/auth-build:1", map[string]any{LabelName: "key-auth"})
	internal := plugin("key-auth.internal", "oci://r/plugins/key-auth:2.0.0", nil)
	other := plugin("request-block-2.0.0", "oci://r/plugins/request-block:2.0.0", nil)
	target := Target{Namespace: "higress-system", Plugin: "key-auth"}

	cases := []struct {
		name    string
		objs    []*unstructured.Unstructured
		target  Target
		want    string
		wantErr string
	}{
		{"none", []*unstructured.Unstructured{other}, target, "", ""},
		{"by url", []*unstructured.Unstructured{other, byURL}, target, "my-auth", ""},
		{"by label", []*unstructured.Unstructured{byLabel}, target, "custom", ""},
		{"internal wins", []*unstructured.Unstructured{byURL, internal, byLabel}, target, "key-auth.internal", ""},
		{"ambiguous", []*unstructured.Unstructured{byURL, byLabel}, target, "", "several key-auth wasmplugins in namespace \"higress-system\" (custom, my-auth): name the one to use"},
		{"explicit", []*unstructured.Unstructured{byURL, byLabel}, Target{Namespace: "higress-system", Plugin: "key-auth", Resource: "custom"}, "custom", ""},
		{"explicit wrong kind", []*unstructured.Unstructured{other}, Target{Namespace: "higress-system", Plugin: "key-auth", Resource: "request-block-2.0.0"}, "", `is a "request-block" plugin, not key-auth`},
		{"explicit missing", nil, Target{Namespace: "higress-system", Plugin: "key-auth", Resource: "nope"}, "", `wasmplugin "higress-system/nope" not found`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Find(ctx, storeWith(t, tc.objs...), tc.target)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if p != nil {
				got = p.Name()
			}
			if got != tc.want {
				t.Fatalf("found %q, want %q", got, tc.want)
			}
		})
	}
}

// conflictingStore answers Conflict to the first n updates, as a busy API server would.
type conflictingStore struct {
	k8s.Store
	left    atomic.Int32
	updates atomic.Int32
}

func (s *conflictingStore) Update(ctx context.Context, obj *unstructured.Unstructured, o k8s.WriteOptions) (*unstructured.Unstructured, error) {
	s.updates.Add(1)
	if s.left.Add(-1) >= 0 {
		return nil, apierrors.NewConflict(k8s.WasmPluginGVR.GroupResource(), obj.GetName(), errors.New("stale"))
	}
	return s.Store.Update(ctx, obj, o)
}

func TestEditRetriesOnConflictWithFreshData(t *testing.T) {
	base := storeWith(t, plugin("key-auth.internal", "oci://r/plugins/key-auth:2.0.0", nil))
	s := &conflictingStore{Store: base}
	s.left.Store(3)
	runs := 0
	res, attempt, err := Edit(context.Background(), s, EditOptions{Target: Target{Namespace: "higress-system", Plugin: "key-auth"}}, func(p Plugin) (int, error) {
		runs++
		p.DefaultConfig()["touched"] = true
		return runs, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if runs != 4 || s.updates.Load() != 4 || !res.Changed || res.Created {
		t.Fatalf("runs %d updates %d result %+v", runs, s.updates.Load(), res)
	}
	// What the written attempt produced, not an earlier one's.
	if attempt != 4 || res.Verb() != "configured" || res.Plugin.Name() != "key-auth.internal" {
		t.Fatalf("attempt %d verb %q", attempt, res.Verb())
	}
}

func TestEditOutcomes(t *testing.T) {
	ctx := context.Background()
	target := Target{Namespace: "higress-system", Plugin: "key-auth"}
	opts := EditOptions{Target: target}
	noop := func(Plugin) (struct{}, error) { return struct{}{}, nil }
	t.Run("no change writes nothing", func(t *testing.T) {
		s := &conflictingStore{Store: storeWith(t, plugin("key-auth.internal", "oci://r/plugins/key-auth:2.0.0", nil))}
		res, _, err := Edit(ctx, s, opts, noop)
		if err != nil || res.Changed || s.updates.Load() != 0 {
			t.Fatalf("err %v changed %v updates %d", err, res.Changed, s.updates.Load())
		}
		if res.Verb() != "unchanged" {
			t.Fatal(res.Verb())
		}
	})
	t.Run("mutation error aborts", func(t *testing.T) {
		s := &conflictingStore{Store: storeWith(t, plugin("key-auth.internal", "oci://r/plugins/key-auth:2.0.0", nil))}
		boom := errors.New("boom")
		_, _, err := Edit(ctx, s, opts, func(p Plugin) (struct{}, error) { p.DefaultConfig()["x"] = 1; return struct{}{}, boom })
		if !errors.Is(err, boom) || s.updates.Load() != 0 {
			t.Fatalf("err %v updates %d", err, s.updates.Load())
		}
	})
	t.Run("rule without target refused", func(t *testing.T) {
		s := &conflictingStore{Store: storeWith(t, plugin("key-auth.internal", "oci://r/plugins/key-auth:2.0.0", nil))}
		_, _, err := Edit(ctx, s, opts, func(p Plugin) (struct{}, error) {
			p.Obj.Object["spec"].(map[string]any)["matchRules"] = []any{map[string]any{"config": map[string]any{}}}
			return struct{}{}, nil
		})
		if err == nil || !strings.Contains(err.Error(), "spec.matchRules[0] names no ingress, domain or service") || s.updates.Load() != 0 {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("a refused rule names the file it came from in a folder", func(t *testing.T) {
		s := storeWith(t, plugin("key-auth.internal", "oci://r/plugins/key-auth:2.0.0", nil))
		_, _, err := Edit(ctx, s, opts, func(p Plugin) (struct{}, error) {
			p.Obj.Object["spec"].(map[string]any)["matchRules"] = []any{map[string]any{"config": map[string]any{}}}
			return struct{}{}, nil
		})
		if err == nil || !strings.Contains(err.Error(), "names no ingress") || !strings.Contains(err.Error(), "key-auth.internal.yaml:1)") {
			t.Fatalf("err %v, want the file and line", err)
		}
	})
	t.Run("missing and not created", func(t *testing.T) {
		_, _, err := Edit(ctx, storeWith(t), opts, noop)
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("created from the builtin table", func(t *testing.T) {
		create := EditOptions{Target: Target{Namespace: "higress-system", Plugin: "request-block"}, Create: NewBuiltin}
		res, _, err := Edit(ctx, storeWith(t), create, func(p Plugin) (struct{}, error) {
			p.DefaultConfig()["block_bodies"] = []any{"password"}
			return struct{}{}, nil
		})
		if err != nil || !res.Created || res.Verb() != "created" || res.Plugin.Name() != "request-block-2.0.0" || res.Plugin.Phase() != "AUTHZ" || res.Plugin.Priority() != 320 {
			t.Fatalf("err %v result %+v", err, res)
		}
	})
	t.Run("client dry run", func(t *testing.T) {
		s := &conflictingStore{Store: storeWith(t, plugin("key-auth.internal", "oci://r/plugins/key-auth:2.0.0", nil))}
		res, _, err := Edit(ctx, s, EditOptions{Target: target, DryRun: DryRunClient}, func(p Plugin) (struct{}, error) { p.DefaultConfig()["x"] = "z"; return struct{}{}, nil })
		if err != nil || !res.Changed || s.updates.Load() != 0 {
			t.Fatalf("err %v updates %d", err, s.updates.Load())
		}
		d := Diff(res.Before, res.Plugin.Obj)
		if !strings.Contains(d, "+    x: z") || strings.Contains(d, "-    consumers") {
			t.Fatalf("diff:\n%s", d)
		}
	})
}

func TestRulesAndValidate(t *testing.T) {
	p := Plugin{Obj: plugin("x", "oci://r/key-auth:1", nil)}
	p.SetRules([]Rule{NewRouteRule("gpt-4o", map[string]any{"allow": []any{"a"}}), NewDomainRule("ai.example.com", map[string]any{})})
	rules, err := p.Rules()
	if err != nil || len(rules) != 2 {
		t.Fatal(err)
	}
	if !rules[0].IsRoute("gpt-4o") || rules[0].IsRoute("gpt") || !rules[1].IsDomain("ai.example.com") || rules[1].Targets() != "domain ai.example.com" {
		t.Fatalf("rules %+v", rules)
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	p.Obj.Object["spec"].(map[string]any)["matchRules"] = "oops"
	if _, err := p.Rules(); err == nil {
		t.Fatal("matchRules of the wrong type accepted")
	}
}
