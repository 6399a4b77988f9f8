package commands

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/higress-ai/higress-ai/internal/commands/cmdtest"
)

// A consumer's token limits are part of its policy (consumer show), and go with it (consumer
// remove), through the command line.
func TestConsumerShowAndRemoveCarryLimits(t *testing.T) {
	tf := cmdtest.New(t)
	tf.CopyFiles(t, filepath.Join("..", "..", "examples", "gitops"), "key-auth.yaml", "routes.yaml")
	for _, args := range [][]string{
		{"limit", "set", "alice", "--tokens-per-minute", "2000", "--redis-service", "redis.static"},
		{"limit", "set", "--default", "--tokens-per-hour", "90000"},
		{"limit", "set", "alice", "--tokens-per-day", "500000", "--route", "gpt-4o"},
	} {
		if code := runCLI(t, tf, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, tf.Stderr)
		}
	}
	if code := runCLI(t, tf, "consumer", "show", "alice"); code != 0 ||
		!strings.Contains(tf.Stdout.String(), "Limits:       2000 tokens per minute in global") ||
		!strings.Contains(tf.Stdout.String(), "500000 tokens per day in route gpt-4o") {
		t.Fatalf("show alice: exit %d\n%s%s", code, tf.Stdout, tf.Stderr)
	}
	if code := runCLI(t, tf, "consumer", "show", "legacy", "-o", "json"); code != 0 {
		t.Fatalf("show legacy: exit %d %s", code, tf.Stderr)
	}
	var pol struct {
		Limits []struct {
			Scope   string
			Tokens  int64
			Default bool
		}
	}
	if err := json.Unmarshal(tf.Stdout.Bytes(), &pol); err != nil || len(pol.Limits) != 2 || !pol.Limits[0].Default || pol.Limits[0].Tokens != 90000 {
		t.Errorf("legacy's limits: %v %+v", err, pol.Limits)
	}
	if code := runCLI(t, tf, "consumer", "remove", "alice", "--force", "--yes"); code != 0 ||
		!strings.Contains(tf.Stderr.String(), `removed the token limits of "alice" in global; route gpt-4o`) {
		t.Fatalf("remove alice: exit %d %s", code, tf.Stderr)
	}
	if code := runCLI(t, tf, "limit", "list", "-o", "name"); code != 0 || tf.Stdout.String() != "limit/*\nlimit/*\n" {
		t.Errorf("limits left: %q", tf.Stdout)
	}
}

// The provider, model and plugin mutations print data like every other mutation: -o json and
// -o name, and under --dry-run -o yaml the resulting WasmPlugin with the upstream key masked.
func TestPluginMutationsPrintData(t *testing.T) {
	tf := cmdtest.New(t)
	tf.CopyFiles(t, filepath.Join("..", "..", "examples", "gitops"), "key-auth.yaml", "routes.yaml")
	digest := "oci://registry.example.com/ai/ai-proxy@sha256:" + strings.Repeat("a", 64)
	if code := runCLI(t, tf, "plugin", "install", digest, "-o", "name"); code != 0 || tf.Stdout.String() != "plugin/higress-ai-proxy\n" {
		t.Fatalf("install: exit %d %q %s", code, tf.Stdout, tf.Stderr)
	}
	tf.Stdin.WriteString("sk-upstream-0123456789abcdef\n")
	if code := runCLI(t, tf, "provider", "add", "openai", "--type", "openai", "--api-key-stdin", "--dry-run", "-o", "yaml"); code != 0 ||
		!strings.Contains(tf.Stdout.String(), "kind: WasmPlugin") || strings.Contains(tf.Stdout.String()+tf.Stderr.String(), "sk-upstream-0123456789abcdef") {
		t.Fatalf("provider add --dry-run -o yaml: exit %d\n%s%s", code, tf.Stdout, tf.Stderr)
	}
	tf.Stdin.WriteString("sk-upstream-0123456789abcdef\n")
	if code := runCLI(t, tf, "provider", "add", "openai", "--type", "openai", "--api-key-stdin", "-o", "json"); code != 0 ||
		!strings.Contains(tf.Stdout.String(), `"provider": "openai"`) || strings.Contains(tf.Stdout.String(), "sk-upstream") {
		t.Fatalf("provider add -o json: exit %d %s %s", code, tf.Stdout, tf.Stderr)
	}
	if code := runCLI(t, tf, "consumer", "models", "alice", "gpt-4o", "-o", "json"); code != 0 || !strings.Contains(tf.Stdout.String(), `"models": [`) {
		t.Fatalf("consumer models -o json: exit %d %s %s", code, tf.Stdout, tf.Stderr)
	}
}
