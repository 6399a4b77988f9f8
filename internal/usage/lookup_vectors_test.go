package usage

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestLookupMatchesPluginVectors prices the bundled plugin's shared lookup vectors: the plugin's
// budget package reads the same file, so the gateway and `usage` price a model alike.
func TestLookupMatchesPluginVectors(t *testing.T) {
	b, err := os.ReadFile("../wasm/ai-proxy/budget/testdata/lookup.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Prices map[string]Price `json:"prices"`
		Cases  []struct {
			Model  string  `json:"model"`
			Found  bool    `json:"found"`
			Input  float64 `json:"input"`
			Output float64 `json:"output"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Cases) == 0 {
		t.Fatal("no cases in the plugin's lookup vectors")
	}
	p := &Prices{table: map[string]Price{}, memo: map[string]*Price{}}
	for name, price := range v.Prices {
		p.table[strings.ToLower(name)] = price
	}
	for _, c := range v.Cases {
		got, ok := p.Lookup(c.Model)
		if ok != c.Found || (ok && (got.Input != c.Input || got.Output != c.Output)) {
			t.Errorf("Lookup(%q) = %+v, %v; the plugin's vectors want found=%v input=%v output=%v", c.Model, got, ok, c.Found, c.Input, c.Output)
		}
	}
}
