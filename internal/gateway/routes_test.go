package gateway

import (
	"context"
	"errors"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

func keyAuthWithRule(route string) *wasmplugin.Plugin {
	return &wasmplugin.Plugin{Obj: &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": k8s.APIVersion, "kind": k8s.Kind,
		"metadata": map[string]any{"name": "key-auth.internal", "namespace": "higress-system"},
		"spec": map[string]any{
			"url":           "oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:2.0.0",
			"defaultConfig": map[string]any{"consumers": []any{}, "keys": []any{"x"}},
			"matchRules":    []any{map[string]any{"ingress": []any{route}, "config": map[string]any{"allow": []any{}}}},
		},
	}}}
}

func TestLookUpRoute(t *testing.T) {
	t.Parallel()
	ingresses := []k8s.Route{{Name: "gpt-4o", Namespace: "higress-system", Ingress: "gpt-4o", Hosts: []string{"ai.example.com"}}}
	env := Env{Namespace: "higress-system", Ingresses: func(context.Context) ([]k8s.Route, error) { return ingresses, nil }}
	broken := Env{Namespace: "higress-system", Ingresses: func(context.Context) ([]k8s.Route, error) { return nil, errors.New("forbidden") }}
	ps := Plugins{KeyAuth: keyAuthWithRule("team-a/rule-only")}
	cases := []struct {
		name     string
		env      Env
		route    string
		anyRoute bool
		hosts    []string
		err      string // "" for no error
	}{
		{"an Ingress, with its hosts", env, "gpt-4o", false, []string{"ai.example.com"}, ""},
		{"named only in a rule", env, "team-a/rule-only", false, nil, ""},
		{"a typo", env, "gpt-4", false, nil, `unknown route "gpt-4": no Ingress of class higress and no match rule names it (did you mean "gpt-4o"?)`},
		{"namespaced in Higress's namespace", env, "higress-system/gpt-4o", false, nil, "Higress names it without the namespace"},
		{"anything, when asked", env, "future", true, nil, ""},
		{"Ingresses cannot be listed", broken, "nope", false, nil, `cannot tell whether route "nope" exists (forbidden)`},
		{"a rule route even so", broken, "team-a/rule-only", false, nil, ""},
		{"empty", env, " ", true, nil, "empty route name"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := tc.env.LookUpRoute(context.Background(), ps, tc.route, tc.anyRoute)
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("err %v", err)
			case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
				t.Fatalf("err %v, want %q", err, tc.err)
			case tc.err == "" && (r.Name != tc.route || strings.Join(r.Hosts, ",") != strings.Join(tc.hosts, ",")):
				t.Fatalf("route %+v", r)
			}
			// Unknown routes are marked, so a front end can add its hint; the message names no flag.
			if tc.err != "" && tc.route != " " && (!errors.Is(err, ErrUnknownRoute) || strings.Contains(err.Error(), "--")) {
				t.Fatalf("err %v: not an ErrUnknownRoute, or names a flag", err)
			}
		})
	}
}
