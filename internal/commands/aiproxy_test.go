package commands

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// The upstream keys of the scenario: none may appear in any output, error or diff.
const (
	openaiKey    = "sk-openai-UPSTREAM-0123456789abcdef"
	openaiKeyNew = "sk-openai-ROTATED-fedcba9876543210"
	deepseekKey  = "sk-deepseek-UPSTREAM-00112233445566"
)

var (
	digest1 = strings.Repeat("1a", 32)
	digest2 = strings.Repeat("2b", 32)
)

// seed creates the console-written fixtures (ai-proxy.internal, key-auth.internal, ai-statistics)
// in namespace ns and returns them as created.
func seed(t *testing.T, store k8s.Store, ns string) map[string]*unstructured.Unstructured {
	t.Helper()
	raw, err := os.ReadFile("testdata/console-ai-proxy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*unstructured.Unstructured{}
	for _, doc := range strings.Split(string(raw), "\n---\n") {
		var m map[string]any
		if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
			t.Fatal(err)
		}
		obj := &unstructured.Unstructured{Object: m}
		obj.SetNamespace(ns)
		got, err := store.Create(context.Background(), obj, k8s.WriteOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out[got.GetName()] = got
	}
	return out
}

// flow runs commands against one store and keeps everything they printed.
type flow struct {
	t     *testing.T
	tf    *cmdutil.TestFactory
	store k8s.Store
	ns    string
	flags []string
	all   strings.Builder
}

func (fl *flow) run(stdin string, args ...string) (code int, stdout, stderr string) {
	fl.t.Helper()
	fl.tf.Stdout.Reset()
	fl.tf.Stderr.Reset()
	fl.tf.Stdin.Reset()
	fl.tf.Stdin.WriteString(stdin)
	code = Run(fl.tf.Factory, append(args, fl.flags...))
	stdout, stderr = fl.tf.Stdout.String(), fl.tf.Stderr.String()
	fl.all.WriteString(stdout + stderr)
	return code, stdout, stderr
}

func (fl *flow) ok(stdin string, args ...string) (stdout, stderr string) {
	fl.t.Helper()
	code, stdout, stderr := fl.run(stdin, args...)
	if code != 0 {
		fl.t.Fatalf("%v: exit %d\nstdout: %s\nstderr: %s", args, code, stdout, stderr)
	}
	return stdout, stderr
}

func (fl *flow) fails(wantCode int, want string, args ...string) {
	fl.t.Helper()
	code, stdout, stderr := fl.run("", args...)
	if code != wantCode || !strings.Contains(stderr, want) || strings.Count(stderr, "error: ") != 1 {
		fl.t.Fatalf("%v: exit %d stderr %q stdout %q; want exit %d and %q", args, code, stderr, stdout, wantCode, want)
	}
}

func (fl *flow) get(name string) *unstructured.Unstructured {
	fl.t.Helper()
	obj, err := fl.store.Get(context.Background(), fl.ns, name)
	if err != nil {
		fl.t.Fatal(err)
	}
	return obj
}

func (fl *flow) names() []string {
	fl.t.Helper()
	all, err := fl.store.List(context.Background(), fl.ns)
	if err != nil {
		fl.t.Fatal(err)
	}
	var out []string
	for _, o := range all {
		out = append(out, o.GetName())
	}
	return out
}

func str(obj *unstructured.Unstructured, fields ...string) string {
	s, _, _ := unstructured.NestedFieldNoCopy(obj.Object, fields...)
	v, _ := s.(string)
	return v
}

func TestAIProxyFlowFolder(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
	store, err := tf.Store()
	if err != nil {
		t.Fatal(err)
	}
	aiProxyFlow(t, &flow{t: t, tf: tf, store: store, ns: cmdutil.DefaultNamespace, flags: []string{"--dir", tf.Dir}}, true)
}

func TestAIProxyFlowCluster(t *testing.T) {
	kc := testenv.Kubeconfig(t)
	ns := testenv.Namespace(t, kc)
	tf := cmdutil.NewClusterTestFactory(t, kc, ns)
	store, err := tf.Store()
	if err != nil {
		t.Fatal(err)
	}
	aiProxyFlow(t, &flow{t: t, tf: tf, store: store, ns: ns, flags: []string{"--kubeconfig", kc, "-n", ns}}, false)
}

func aiProxyFlow(t *testing.T, fl *flow, golden bool) {
	t.Setenv("TEST_OPENAI_KEY", openaiKey)
	t.Setenv("TEST_OPENAI_KEY_NEW", openaiKeyNew)
	console := seed(t, fl.store, fl.ns)
	ref1 := "oci://registry.local:5000/ai/ai-proxy@sha256:" + digest1
	ref2 := "oci://registry.local:5000/ai/ai-proxy@sha256:" + digest2
	before := fl.names()

	// Refused before anything is written: a tag, no image, a provider before the plugin.
	fl.fails(1, `has only the tag "latest": pin it by digest`, "plugin", "install", "oci://registry.local:5000/ai/ai-proxy:latest")
	fl.fails(1, "no image", "plugin", "install")
	fl.fails(1, "the bundled ai-proxy is not installed: run higress-ai plugin install first", "provider", "add", "openai", "--type", "openai", "--api-key-env", "TEST_OPENAI_KEY")

	// A dry run shows the new plugin and writes nothing.
	out, errOut := fl.ok("", "plugin", "install", ref1, "--dry-run", "--without-statistics")
	if !strings.Contains(out, "+  name: higress-ai-proxy") || !strings.Contains(errOut, "higress-ai-proxy created (client dry run)") {
		t.Fatalf("dry run:\n%s\n%s", out, errOut)
	}
	if got := fl.names(); !reflect.DeepEqual(got, before) {
		t.Fatalf("a dry run wrote: %v, was %v", got, before)
	}

	// Install creates it beside the console's ai-proxy.internal.
	_, errOut = fl.ok("", "plugin", "install", ref1, "--without-statistics")
	if !strings.Contains(errOut, "wasmplugin.extensions.higress.io/higress-ai-proxy created") {
		t.Fatal(errOut)
	}
	p := fl.get("higress-ai-proxy")
	wantLabels := map[string]string{"higress.io/wasm-plugin-name": "higress-ai-proxy", "higress.io/wasm-plugin-version": "1.0.0", "higress.io/wasm-plugin-built-in": "false", "higress.io/wasm-plugin-category": "custom", "higress.io/resource-definer": "higress"}
	for k, v := range wantLabels {
		if p.GetLabels()[k] != v {
			t.Fatalf("label %s = %q, want %q", k, p.GetLabels()[k], v)
		}
	}
	if p.GetAnnotations()["higress.io/wasm-plugin-title"] == "" || p.GetAnnotations()["higress.io/wasm-plugin-description"] == "" {
		t.Fatalf("annotations %v", p.GetAnnotations())
	}
	if prio, _, _ := unstructured.NestedInt64(p.Object, "spec", "priority"); prio != 100 || str(p, "spec", "phase") != "UNSPECIFIED_PHASE" ||
		str(p, "spec", "failStrategy") != "FAIL_CLOSE" || str(p, "spec", "sha256") != digest1 || str(p, "spec", "url") != ref1 {
		t.Fatalf("spec %v", p.Object["spec"])
	}
	// The keyAuth block says where key-auth runs and which names carry consumer keys.
	ka, _, _ := unstructured.NestedMap(p.Object, "spec", "defaultConfig", "keyAuth")
	wantKA := map[string]any{"global": false, "routes": []any{"gpt-4o"}, "domains": []any{"ai.example.com"}, "keys": []any{"authorization", "x-higress-dummy-key"}, "queryKeys": []any{"apikey", "x-higress-dummy-key"}}
	if !reflect.DeepEqual(ka, wantKA) {
		t.Fatalf("keyAuth = %v\nwant %v", ka, wantKA)
	}

	// Commands that change key-auth keep the block in step: a consumer presenting its key in a
	// header of its own, a route that starts needing keys.
	fl.ok("", "consumer", "add", "dave", "--header", "X-Team-Key")
	fl.ok("", "route", "bind", "claude", "--consumer", "dave", "--any-route")
	ka, _, _ = unstructured.NestedMap(fl.get("higress-ai-proxy").Object, "spec", "defaultConfig", "keyAuth")
	if !reflect.DeepEqual(ka["keys"], []any{"authorization", "x-higress-dummy-key", "x-team-key"}) || !reflect.DeepEqual(ka["routes"], []any{"claude", "gpt-4o"}) {
		t.Fatalf("keyAuth after consumer add and route bind: %v", ka)
	}
	fl.ok("", "route", "unbind", "claude", "--consumer", "dave", "--yes")
	fl.ok("", "consumer", "remove", "dave")
	// claude keeps its rule (allow: [], which denies everyone): key-auth still runs there.
	ka, _, _ = unstructured.NestedMap(fl.get("higress-ai-proxy").Object, "spec", "defaultConfig", "keyAuth")
	if !reflect.DeepEqual(ka["keys"], wantKA["keys"]) || !reflect.DeepEqual(ka["routes"], []any{"claude", "gpt-4o"}) {
		t.Fatalf("keyAuth after removing them again: %v", ka)
	}

	// Providers: keys from an env var and from stdin (two of them), masked in the listing.
	fl.ok("", "provider", "add", "openai", "--type", "openai", "--api-key-env", "TEST_OPENAI_KEY", "--model-mapping", "gpt-4=gpt-4o")
	fl.ok(deepseekKey+"\n"+deepseekKey+"-second\n", "provider", "add", "deepseek", "--type", "deepseek", "--api-key-stdin", "--model-mapping", "*=deepseek-chat")
	fl.ok("", "provider", "add", "local", "--type", "vllm", "--base-url", "http://vllm.ai.svc:8000/v1")
	fl.fails(1, `provider "openai" already exists in wasmplugin`, "provider", "add", "openai", "--type", "openai", "--api-key-env", "TEST_OPENAI_KEY")
	fl.fails(1, "provider type openai needs an upstream key: --api-key-stdin or --api-key-env VAR", "provider", "add", "other", "--type", "openai")
	fl.fails(1, "--api-key-env: environment variable TEST_UNSET_KEY is empty or not set", "provider", "add", "other", "--type", "openai", "--api-key-env", "TEST_UNSET_KEY")
	fl.fails(1, "provider type azure needs a base URL", "provider", "add", "az", "--type", "azure", "--api-key-env", "TEST_OPENAI_KEY")
	fl.fails(1, `unknown provider type "claude"`, "provider", "add", "c", "--type", "claude", "--api-key-env", "TEST_OPENAI_KEY")

	// Bind routes to providers; a route the plugin serves without key-auth gets a warning.
	_, errOut = fl.ok("", "route", "bind", "gpt-4o", "--provider", "openai", "--any-route")
	if strings.Contains(errOut, "warning") {
		t.Fatalf("key-auth runs on gpt-4o: %s", errOut)
	}
	_, errOut = fl.ok("", "route", "bind", "open-llm", "--provider", "local", "--any-route")
	if !strings.Contains(errOut, "warning: key-auth does not run on route open-llm") {
		t.Fatalf("no warning for a route without key-auth: %s", errOut)
	}
	fl.fails(1, `provider "nope" not found`, "route", "bind", "gpt-4o", "--provider", "nope", "--any-route")

	// Models per consumer.
	fl.ok("", "consumer", "models", "alice", "gpt-4o,gpt-4o-mini")
	fl.ok("", "consumer", "models", "ci", "gpt-4o-mini*")
	fl.fails(1, `consumer "ghost" not found in wasmplugin`, "consumer", "models", "ghost", "gpt-4o")
	fl.fails(1, `"g*o" is not a model name`, "consumer", "models", "alice", "g*o")
	out, _ = fl.ok("", "consumer", "show", "alice", "-o", "json")
	var pol struct{ Models []string }
	if err := json.Unmarshal([]byte(out), &pol); err != nil || !reflect.DeepEqual(pol.Models, []string{"gpt-4o", "gpt-4o-mini"}) {
		t.Fatalf("consumer show: %v %s", err, out)
	}
	out, _ = fl.ok("", "consumer", "show", "alice")
	if !strings.Contains(out, "Models:       gpt-4o, gpt-4o-mini") {
		t.Fatal(out)
	}
	fl.ok("", "consumer", "add", "bob", "--models", "deepseek-chat")
	if out, _ = fl.ok("", "consumer", "show", "bob"); !strings.Contains(out, "Models:       deepseek-chat") {
		t.Fatal(out)
	}

	// The route's rule carries the whole config and its provider, as the plugin needs with the
	// global config disabled.
	p = fl.get("higress-ai-proxy")
	rules, _, _ := unstructured.NestedSlice(p.Object, "spec", "matchRules")
	if len(rules) != 2 {
		t.Fatalf("rules %v", rules)
	}
	rc := rules[0].(map[string]any)["config"].(map[string]any)
	if rc["activeProviderId"] != "openai" || !reflect.DeepEqual(rc["consumers"], p.Object["spec"].(map[string]any)["defaultConfig"].(map[string]any)["consumers"]) || rc["keyAuth"] == nil {
		t.Fatalf("rule config %v", rc)
	}
	if golden {
		checkGolden(t, "testdata/installed-ai-proxy.yaml", p)
	}

	// A second install with a new digest updates in place: same name, one plugin, labels kept,
	// the old image recorded; ai-statistics installed without the consumer attribute.
	_, errOut = fl.ok("", "plugin", "install", "--url", ref2, "--fail-open", "--image-pull-secret", "regcred", "--with-statistics")
	if !strings.Contains(errOut, "higress-ai-proxy configured") || !strings.Contains(errOut, "ai-statistics-2.0.1 configured") || !strings.Contains(errOut, "removed 1 ai-statistics attribute") {
		t.Fatal(errOut)
	}
	p = fl.get("higress-ai-proxy")
	if str(p, "spec", "sha256") != digest2 || str(p, "spec", "failStrategy") != "FAIL_OPEN" || str(p, "spec", "imagePullSecret") != "regcred" ||
		p.GetAnnotations()["higress-ai.io/previous-sha256"] != digest1 || p.GetLabels()["higress.io/resource-definer"] != "higress" {
		t.Fatalf("after update: %v %v", p.Object["spec"], p.GetAnnotations())
	}
	if n := len(fl.names()); n != len(before)+1 {
		t.Fatalf("install duplicated a plugin: %v", fl.names())
	}
	stats := fl.get("ai-statistics-2.0.1")
	attrs, _, _ := unstructured.NestedSlice(stats.Object, "spec", "defaultConfig", "attributes")
	if len(attrs) != 1 || attrs[0].(map[string]any)["key"] != "question" {
		t.Fatalf("ai-statistics attributes %v", attrs)
	}

	// Key rotation: the new key beside the old, then the old dropped.
	out, _ = fl.ok("", "provider", "rotate-key", "openai", "--api-key-env", "TEST_OPENAI_KEY_NEW", "--dry-run")
	if !strings.Contains(out, "+        - sk-****3210") {
		t.Fatalf("rotation diff:\n%s", out)
	}
	fl.ok("", "provider", "rotate-key", "openai", "--api-key-env", "TEST_OPENAI_KEY_NEW")
	out, _ = fl.ok("", "provider", "list", "-o", "json")
	var provs []struct {
		ID     string
		Keys   []string
		Routes []string
	}
	if err := json.Unmarshal([]byte(out), &provs); err != nil || len(provs) != 3 || !reflect.DeepEqual(provs[0].Keys, []string{"sk-****cdef", "sk-****3210"}) || !reflect.DeepEqual(provs[0].Routes, []string{"gpt-4o"}) {
		t.Fatalf("provider list: %v %s", err, out)
	}
	fl.ok("", "provider", "rotate-key", "openai", "--finish")
	p = fl.get("higress-ai-proxy")
	rules, _, _ = unstructured.NestedSlice(p.Object, "spec", "matchRules")
	tokens := rules[0].(map[string]any)["config"].(map[string]any)["providers"].([]any)[0].(map[string]any)["apiTokens"]
	if !reflect.DeepEqual(tokens, []any{openaiKeyNew}) {
		t.Fatal("the route's rule did not follow the rotation")
	}
	out, _ = fl.ok("", "provider", "list")
	if !strings.Contains(out, "openai     openai     sk-****3210") {
		t.Fatalf("provider list:\n%s", out)
	}

	// Removing a provider a route uses is refused off a terminal without --yes.
	fl.fails(1, `provider "openai" still serves route "gpt-4o"`, "provider", "remove", "openai")
	_, errOut = fl.ok("", "provider", "remove", "openai", "--yes")
	if !strings.Contains(errOut, "unbound route gpt-4o") {
		t.Fatal(errOut)
	}

	// consumer remove takes the model list with it.
	fl.ok("", "consumer", "remove", "bob")
	if out, _ = fl.ok("", "consumer", "show", "alice", "-o", "json"); !strings.Contains(out, "gpt-4o-mini") {
		t.Fatal(out)
	}
	p = fl.get("higress-ai-proxy")
	if strings.Contains(mustJSON(t, p.Object), `"bob"`) {
		t.Fatal("consumer remove left bob's model list")
	}

	// plugin list shows every AI plugin, the console's included.
	out, _ = fl.ok("", "plugin", "list", "-o", "json")
	var rows []struct {
		Name, Plugin, FailStrategy, Scopes string
		Pinned, Console                    bool
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r.Name] = strings.Join([]string{r.Plugin, r.FailStrategy, r.Scopes, word(r.Pinned, "pinned", "unpinned"), word(r.Console, "console", "hidden")}, "|")
	}
	want := map[string]string{
		"ai-proxy.internal":   "ai-proxy|FAIL_OPEN|global, 2 services|unpinned|console",
		"ai-statistics-2.0.1": "ai-statistics|FAIL_OPEN|global, 1 route|unpinned|console",
		"higress-ai-proxy":    "higress-ai-proxy|FAIL_OPEN|1 route|pinned|console",
		"key-auth.internal":   "key-auth|FAIL_OPEN|global, 2 routes, 1 domain|unpinned|console",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("plugin list = %v\nwant %v", got, want)
	}

	// Rollback goes to the digest installed before.
	_, errOut = fl.ok("", "plugin", "rollback")
	if p = fl.get("higress-ai-proxy"); str(p, "spec", "sha256") != digest1 || !strings.Contains(errOut, "rolled back to "+ref1) {
		t.Fatalf("rollback: %s %v", errOut, p.Object["spec"])
	}

	// The console's ai-proxy.internal was never touched.
	now := fl.get("ai-proxy.internal")
	if mustJSON(t, now.Object["spec"]) != mustJSON(t, console["ai-proxy.internal"].Object["spec"]) || !reflect.DeepEqual(now.GetLabels(), console["ai-proxy.internal"].GetLabels()) {
		t.Fatalf("ai-proxy.internal changed:\n%v", now.Object["spec"])
	}

	// Uninstall asks; off a terminal it needs --yes.
	fl.fails(1, "pass --yes to do it", "plugin", "uninstall")
	_, errOut = fl.ok("", "plugin", "uninstall", "--yes")
	if !strings.Contains(errOut, "higress-ai-proxy deleted") {
		t.Fatal(errOut)
	}
	for _, n := range fl.names() {
		if n == "higress-ai-proxy" {
			t.Fatal("still there after uninstall")
		}
	}
	fl.fails(1, "not installed", "plugin", "rollback")

	// No upstream key, in full, anywhere in what the commands printed.
	for _, k := range []string{openaiKey, openaiKeyNew, deepseekKey, "sk-console-qwen-0123456789abcdef", "UPSTREAM", "ROTATED"} {
		if strings.Contains(fl.all.String(), k) {
			t.Fatalf("an upstream key was printed: %q", k)
		}
	}
}

func word(b bool, yes, no string) string {
	if b {
		return yes
	}
	return no
}

func yamlToMap(t *testing.T, doc []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal(doc, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// checkGolden compares the plugin (server bookkeeping removed) with a golden file, which -update
// rewrites. The file is also the installed config the plugin's end-to-end test loads.
func checkGolden(t *testing.T, file string, obj *unstructured.Unstructured) {
	t.Helper()
	c := obj.DeepCopy()
	for _, f := range []string{"resourceVersion", "uid", "creationTimestamp", "generation", "managedFields"} {
		unstructured.RemoveNestedField(c.Object, "metadata", f)
	}
	b, err := yaml.Marshal(c.Object)
	if err != nil {
		t.Fatal(err)
	}
	text := "# Written by TestAIProxyFlowFolder (go test ./internal/commands -run AIProxyFlow -update): the bundled\n" +
		"# ai-proxy as plugin install, provider add, route bind --provider and consumer models leave it.\n" + string(b)
	if *update {
		if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(filepath.Clean(file))
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != text {
		t.Fatalf("%s differs (run with -update after checking):\n%s", file, text)
	}
}

// On a terminal the commands ask: uninstall and removing a bound provider need a yes, a no
// cancels (exit 2) and writes nothing; install asks about ai-statistics.
func TestAIProxyConfirmationsOnATerminal(t *testing.T) {
	t.Setenv("TEST_OPENAI_KEY", openaiKey)
	tf := cmdutil.NewTestFactory(t)
	store, err := tf.Store()
	if err != nil {
		t.Fatal(err)
	}
	fl := &flow{t: t, tf: tf, store: store, ns: cmdutil.DefaultNamespace, flags: []string{"--dir", tf.Dir}}
	tf.IO.SetTTY(true)
	_, errOut := fl.ok("n\n", "plugin", "install", "oci://r/ai-proxy@sha256:"+digest1)
	if !strings.Contains(errOut, "Also install ai-statistics") || strings.Contains(errOut, "ai-statistics-2.0.1") {
		t.Fatalf("install on a terminal: %s", errOut)
	}
	fl.ok("", "provider", "add", "openai", "--type", "openai", "--api-key-env", "TEST_OPENAI_KEY")
	fl.ok("", "route", "bind", "gpt-4o", "--provider", "openai", "--any-route")
	if code, _, errOut := fl.run("n\n", "provider", "remove", "openai"); code != 2 || !strings.Contains(errOut, `Provider "openai" serves route "gpt-4o". Remove it and unbind them? [y/N]`) {
		t.Fatalf("declined remove: exit %d %s", code, errOut)
	}
	if code, _, _ := fl.run("n\n", "plugin", "uninstall"); code != 2 {
		t.Fatalf("declined uninstall: exit %d", code)
	}
	fl.ok("y\n", "provider", "remove", "openai")
	fl.ok("y\n", "plugin", "uninstall")
	if strings.Contains(fl.all.String(), openaiKey) {
		t.Fatal("the upstream key was printed")
	}
}

// A read-only user lists the AI plugins and providers; installing or adding a provider is one
// explained Forbidden line, nothing written, no key printed.
func TestAIProxyClusterViewer(t *testing.T) {
	kc := testenv.Kubeconfig(t)
	viewer := testenv.ViewerKubeconfig(t)
	ns := testenv.Namespace(t, kc)
	t.Setenv("TEST_OPENAI_KEY", openaiKey)
	admin := cmdutil.NewClusterTestFactory(t, kc, ns)
	store, err := admin.Store()
	if err != nil {
		t.Fatal(err)
	}
	fl := &flow{t: t, tf: admin, store: store, ns: ns, flags: []string{"--kubeconfig", kc, "-n", ns}}
	fl.ok("", "plugin", "install", "oci://r/ai-proxy@sha256:"+digest1, "--without-statistics")
	fl.ok("", "provider", "add", "openai", "--type", "openai", "--api-key-env", "TEST_OPENAI_KEY")
	before := mustJSON(t, fl.get("higress-ai-proxy").Object["spec"])

	vf := cmdutil.NewClusterTestFactory(t, viewer, ns)
	vstore, err := vf.Store()
	if err != nil {
		t.Fatal(err)
	}
	v := &flow{t: t, tf: vf, store: vstore, ns: ns, flags: []string{"--kubeconfig", viewer, "-n", ns}}
	if out, _ := v.ok("", "plugin", "list", "-o", "name"); out != "wasmplugin.extensions.higress.io/higress-ai-proxy\n" {
		t.Fatalf("viewer plugin list: %q", out)
	}
	if out, _ := v.ok("", "provider", "list"); !strings.Contains(out, "sk-****cdef") {
		t.Fatalf("viewer provider list: %q", out)
	}
	v.fails(1, `User "viewer" cannot update resource "wasmplugins"`, "plugin", "install", "oci://r/ai-proxy@sha256:"+digest2, "--without-statistics")
	t.Setenv("TEST_OPENAI_KEY_NEW", openaiKeyNew)
	v.fails(1, `User "viewer" cannot update resource "wasmplugins"`, "provider", "rotate-key", "openai", "--api-key-env", "TEST_OPENAI_KEY_NEW")
	v.fails(1, `User "viewer" cannot delete resource "wasmplugins"`, "plugin", "uninstall", "--yes")
	if after := mustJSON(t, fl.get("higress-ai-proxy").Object["spec"]); after != before {
		t.Fatal("the viewer changed the plugin")
	}
	if strings.Contains(v.all.String()+fl.all.String(), openaiKey) {
		t.Fatal("the upstream key was printed")
	}
}
