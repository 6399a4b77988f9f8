package commands

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/higress-ai/higress-ai/internal/testenv"
)

// checkProgram loads a WasmPlugin document's configs with the bundled plugin's own parser
// (internal/wasm/ai-proxy/config), as Higress hands them to it: the global config (when enabled)
// and each enabled rule's config on its own (with defaultConfigDisable, Higress sends no global
// config to inherit from).
const checkProgram = `package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/higress-ai/higress-ai/internal/wasm/ai-proxy/config"
)

func main() {
	var obj struct {
		Spec struct {
			DefaultConfig        json.RawMessage
			DefaultConfigDisable bool
			MatchRules           []struct {
				Config        json.RawMessage
				ConfigDisable bool
			}
		}
	}
	b, err := os.ReadFile(os.Args[1])
	if err == nil {
		err = json.Unmarshal(b, &obj)
	}
	if err != nil {
		fmt.Println("read:", err)
		os.Exit(2)
	}
	failed := false
	if !obj.Spec.DefaultConfigDisable {
		if _, err := config.Parse(obj.Spec.DefaultConfig, nil); err != nil {
			fmt.Println("defaultConfig:", err)
			failed = true
		}
	}
	for i, r := range obj.Spec.MatchRules {
		if r.ConfigDisable {
			continue
		}
		cfg, err := config.Parse(r.Config, nil)
		switch {
		case err != nil:
			fmt.Printf("matchRules[%d]: %v\n", i, err)
			failed = true
		case cfg.Provider == nil:
			fmt.Printf("matchRules[%d]: no provider active\n", i)
			failed = true
		}
	}
	if failed {
		os.Exit(1)
	}
	fmt.Println("ok")
}
`

// TestInstalledConfigLoadsInThePlugin runs the plugin's own config parser (its module, as it is
// in this tree) on what plugin install, provider add, route bind --provider and consumer models
// wrote (the golden file TestAIProxyFlowFolder checks), so a change on either side that makes
// the CLI write a config the plugin refuses fails here. The console's ai-proxy.internal is
// refused by the same parser: why the bundled plugin does not take it over.
func TestInstalledConfigLoadsInThePlugin(t *testing.T) {
	check := pluginParser(t)
	if out, ok := check(t, "testdata/installed-ai-proxy.yaml"); !ok || out != "ok" {
		t.Fatalf("the plugin refuses the installed config:\n%s", out)
	}
	if out, ok := check(t, "testdata/console-ai-proxy.yaml"); ok || !strings.Contains(out, "defaultConfig: providers[") {
		t.Fatalf("the console's ai-proxy.internal: ok %v\n%s", ok, out)
	}
}

// pluginParser builds checkProgram against the plugin's module in this tree and returns a
// function running it on the first document of a YAML file.
func pluginParser(t *testing.T) func(t *testing.T, file string) (string, bool) {
	t.Helper()
	goBin, err := exec.LookPath("go")
	testenv.Require(t, err == nil, "the go command (to build the plugin's config parser)")
	plugin, err := filepath.Abs("../wasm/ai-proxy")
	if err != nil {
		t.Fatal(err)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var sum []byte
	for _, f := range []string{filepath.Join(plugin, "go.sum"), filepath.Join(root, "go.sum")} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sum = append(sum, b...)
	}
	// A throwaway module below this module's path (Go's internal rule goes by import path) that
	// uses the plugin's module from this tree.
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module github.com/higress-ai/higress-ai/internal/checkconfig\n\ngo 1.25.0\n\n" +
			"require github.com/higress-ai/higress-ai/internal/wasm/ai-proxy v0.0.0\n\n" +
			"replace github.com/higress-ai/higress-ai/internal/wasm/ai-proxy => " + plugin + "\n\n" +
			// Once the plugin takes its config parser from this module (through a replace in its
			// go.mod, which a dependent module does not inherit), it needs this one too.
			"replace github.com/higress-ai/higress-ai => " + root + "\n",
		"go.sum":  string(sum),
		"main.go": checkProgram,
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "check")
	build := exec.Command(goBin, "build", "-mod=mod", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the plugin's config parser: %v\n%s", err, out)
	}
	return func(t *testing.T, file string) (string, bool) {
		t.Helper()
		doc, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(string(doc), "\n---\n")
		asJSON := filepath.Join(t.TempDir(), "doc.json")
		if err := os.WriteFile(asJSON, []byte(mustJSON(t, yamlToMap(t, []byte(first)))), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(bin, asJSON).CombinedOutput()
		return strings.TrimSpace(string(out)), err == nil
	}
}
