package access

import (
	"reflect"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/keyauth"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

func plugin(t *testing.T, spec string) (*wasmplugin.Plugin, *keyauth.Config) {
	t.Helper()
	obj := &unstructured.Unstructured{Object: map[string]any{}}
	if err := yaml.Unmarshal([]byte("spec:\n"+spec), &obj.Object); err != nil {
		t.Fatal(err)
	}
	p := &wasmplugin.Plugin{Obj: obj}
	cfg, err := keyauth.Parse(p.DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return p, cfg
}

// Cases from the C++ key-auth's route_rule_matcher.h, which the built-in image runs.
func TestGateOnDecidesAsTheGateway(t *testing.T) {
	route := wasmplugin.Scope{Route: "gpt-4o", Hosts: []string{"ai.example.com"}}
	other := wasmplugin.Scope{Route: "other"}
	cases := []struct {
		name  string
		spec  string
		scope wasmplugin.Scope
		want  Gate
	}{
		{"global_auth unset and no rule: a key everywhere", "  defaultConfig: {consumers: []}\n", other, Gate{Key: true}},
		{"global_auth unset once a rule exists: only ruled routes", "  defaultConfig: {consumers: []}\n  matchRules: [{ingress: [gpt-4o], config: {allow: [alice]}}]\n", other, Gate{}},
		{"the route's own rule", "  defaultConfig: {consumers: [], global_auth: false}\n  matchRules: [{ingress: [gpt-4o], config: {allow: [alice]}}]\n", route,
			Gate{Key: true, Allow: []string{"alice"}, Rule: "route gpt-4o"}},
		{"a disabled rule falls through to the next", "  defaultConfig: {consumers: [], global_auth: false}\n  matchRules: [{ingress: [gpt-4o], configDisable: true, config: {allow: [alice]}}, {domain: ['*.example.com'], config: {allow: [bob]}}]\n", route,
			Gate{Key: true, Allow: []string{"bob"}, Rule: "domain *.example.com"}},
		{"global_auth true: any consumer where no rule applies; a global allow is not read", "  defaultConfig: {consumers: [], global_auth: true, allow: [carol]}\n", other, Gate{Key: true}},
		{"global config disabled", "  defaultConfigDisable: true\n  defaultConfig: {consumers: [], global_auth: true}\n", other, Gate{}},
		{"an empty allow list lets nobody in", "  defaultConfig: {consumers: [], global_auth: false}\n  matchRules: [{ingress: [gpt-4o], config: {allow: []}}]\n", route,
			Gate{Key: true, Allow: []string{}, Rule: "route gpt-4o"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, cfg := plugin(t, tc.spec)
			got, err := GateOn(p, cfg, tc.scope)
			if err != nil || !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("GateOn = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
	if g, _ := GateOn(nil, nil, route); g.Key {
		t.Fatal("no key-auth plugin, yet a key is needed")
	}
	if (Gate{Key: true, Allow: []string{}}).Admits("alice") || !(Gate{Key: true}).Admits("alice") {
		t.Fatal("Admits")
	}
}
