package doctor_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/commands"
	"github.com/higress-ai/higress-ai/internal/commands/cmdtest"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/testenv"
)

const healthyKeyAuth = `apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata:
  name: key-auth.internal
  namespace: higress-system
  labels: {higress.io/resource-definer: higress, higress.io/wasm-plugin-name: key-auth}
spec:
  url: oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:2.0.0
  phase: AUTHN
  priority: 310
  failStrategy: FAIL_CLOSE
  defaultConfig:
    global_auth: false
    keys: [x-higress-dummy-key]
    consumers:
    - {name: alice, credentials: ["Bearer hai_aaaaaaaaaaaaaaaaaaaaaaaa"], keys: [Authorization], in_header: true, in_query: false}
  matchRules:
  - ingress: [gpt-4o]
    config: {allow: [alice]}
`

const statistics = `apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata:
  name: ai-statistics-2.0.1
  namespace: higress-system
  labels: {higress.io/resource-definer: higress, higress.io/wasm-plugin-name: ai-statistics}
spec:
  url: oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/ai-statistics:2.0.1
  priority: 900
  defaultConfig:
    attributes: [{key: consumer, value_source: request_header, value: x-mse-consumer, apply_to_log: true}]
`

const ingress = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: gpt-4o, namespace: higress-system}
spec:
  ingressClassName: higress
  rules: [{host: ai.example.com}]
`

// brokenKeyAuth shares a key between two consumers (an error) and allows a consumer that does
// not exist (a warning).
const brokenKeyAuth = `apiVersion: extensions.higress.io/v1alpha1
kind: WasmPlugin
metadata:
  name: key-auth.internal
  namespace: higress-system
  labels: {higress.io/resource-definer: higress, higress.io/wasm-plugin-name: key-auth}
spec:
  url: oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:2.0.0
  phase: AUTHN
  priority: 310
  failStrategy: FAIL_CLOSE
  defaultConfig:
    global_auth: false
    consumers:
    - {name: alice, credentials: ["Bearer shared-key-0123456789"]}
    - {name: bob, credentials: ["Bearer shared-key-0123456789"]}
  matchRules:
  - ingress: [gpt-4o]
    config: {allow: [alice, ghost]}
`

func write(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

type report struct {
	Findings []struct{ Code, Level, Object, Message, Fix string }
	Errors   int
	Warnings int
}

func runJSON(t *testing.T, tf *cmdtest.Factory, args ...string) (int, report) {
	t.Helper()
	return runJSONOn(t, tf.Factory, tf, args...)
}

// runJSONOn runs doctor -o json on factory f, reading what it printed from tf's buffers.
func runJSONOn(t *testing.T, f *cmdutil.Factory, tf *cmdtest.Factory, args ...string) (int, report) {
	t.Helper()
	tf.Stdout.Reset()
	tf.Stderr.Reset()
	code := commands.Run(f, append(args, "-o", "json"))
	var r report
	if err := json.Unmarshal(tf.Stdout.Bytes(), &r); err != nil {
		t.Fatalf("exit %d, not JSON: %v\nstdout %s\nstderr %s", code, err, tf.Stdout, tf.Stderr)
	}
	return code, r
}

func has(r report, code string) bool {
	for _, f := range r.Findings {
		if f.Code == code {
			return true
		}
	}
	return false
}

func TestDoctorFolder(t *testing.T) {
	tf := cmdtest.New(t)
	write(t, tf.Dir, map[string]string{"key-auth.yaml": healthyKeyAuth, "stats.yaml": statistics, "routes.yaml": ingress})
	code := commands.Run(tf.Factory, []string{"doctor", "--dir", tf.Dir, "--failure-threshold", "warning"})
	if code != 0 || tf.Stdout.String() != "" || tf.Stderr.String() != "no issues found\n" {
		t.Fatalf("healthy folder: exit %d stdout %q stderr %q; want 0, nothing, and one line", code, tf.Stdout, tf.Stderr)
	}

	write(t, tf.Dir, map[string]string{"key-auth.yaml": brokenKeyAuth})
	tf.Stdout.Reset()
	tf.Stderr.Reset()
	code = commands.Run(tf.Factory, []string{"doctor", "--dir", tf.Dir})
	out := tf.Stdout.String()
	if code != 1 || !strings.Contains(out, "✗ HAI0303 error") || !strings.Contains(out, `! HAI0302 warning`) || !strings.Contains(out, "fix: ") {
		t.Fatalf("broken folder: exit %d\n%s%s", code, out, tf.Stderr)
	}
	if strings.Contains(out, "shared-key-0123456789") {
		t.Errorf("doctor printed a key:\n%s", out)
	}
	if tf.Stderr.String() != "1 error(s), 1 warning(s), 2 info\n" {
		t.Errorf("summary %q", tf.Stderr)
	}

	// A warning alone does not fail under the default threshold; suppressed, the error goes too.
	code, r := runJSON(t, tf, "doctor", "--dir", tf.Dir, "--suppress", "HAI0303")
	if code != 0 || has(r, "HAI0303") || !has(r, "HAI0302") || r.Errors != 0 {
		t.Errorf("suppressed: exit %d %+v", code, r)
	}
	code, r = runJSON(t, tf, "doctor", "--dir", tf.Dir, "--suppress", "HAI0303", "--suppress", "HAI0302=wasmplugin/key-auth.internal*", "--failure-threshold", "info")
	if code != 1 || has(r, "HAI0302") || !has(r, "HAI0201") {
		t.Errorf("threshold info: exit %d %+v", code, r)
	}

	tf.Stdout.Reset()
	if code := commands.Run(tf.Factory, []string{"doctor", "--dir", tf.Dir, "--brief"}); code != 1 || tf.Stdout.String() != "unhealthy: 1 error(s), 1 warning(s), 2 info\n" {
		t.Errorf("brief: exit %d %q", code, tf.Stdout)
	}
	for _, bad := range [][]string{{"--failure-threshold", "fatal"}, {"--suppress", "HAI9999"}, {"-o", "csv"}} {
		tf.Stderr.Reset()
		// Bad input is an error, and a check command's errors exit above 1 (1 means found).
		if code := commands.Run(tf.Factory, append([]string{"doctor", "--dir", tf.Dir}, bad...)); code != cmdutil.ExitCheckError || strings.Count(tf.Stderr.String(), "\n") != 1 {
			t.Errorf("%v: exit %d stderr %q, want %d and one line", bad, code, tf.Stderr, cmdutil.ExitCheckError)
		}
	}
	tf.Stderr.Reset()
	if code := commands.Run(tf.Factory, []string{"doctor", "--dir", "/nonexistent/doctor"}); code != cmdutil.ExitCheckError {
		t.Errorf("a folder that does not exist: exit %d (%s), want %d: doctor could not run", code, tf.Stderr, cmdutil.ExitCheckError)
	}
}

func apply(t *testing.T, kc, ns, doc string) {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{Object: m}
	obj.SetNamespace(ns)
	if _, err := testenv.Dynamic(t, kc).Resource(k8s.WasmPluginGVR).Namespace(ns).Create(context.Background(), obj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// On the real API server: an empty namespace, then a half-configured gateway, then a healthy one,
// and a user who may only read.
func TestDoctorCluster(t *testing.T) {
	kc := testenv.Kubeconfig(t)
	ns := testenv.Namespace(t, kc)
	tf := cmdtest.New(t)
	// The production factory: the store and clients follow --kubeconfig and -n, as for a user.
	f := cmdutil.New(context.Background(), tf.IO)
	on := func(kubeconfig string, args ...string) []string {
		return append([]string{"doctor", "--kubeconfig", kubeconfig, "-n", ns}, args...)
	}
	runJSON := func(t *testing.T, _ *cmdtest.Factory, args ...string) (int, report) {
		t.Helper()
		return runJSONOn(t, f, tf, args...)
	}

	code, r := runJSON(t, tf, on(kc)...)
	if code != 0 || !has(r, "HAI0308") || !has(r, "HAI0402") || !has(r, "HAI0104") || has(r, "HAI0102") || has(r, "HAI0103") {
		t.Fatalf("empty namespace: exit %d %+v", code, r)
	}

	apply(t, kc, ns, brokenKeyAuth)
	code, r = runJSON(t, tf, on(kc)...)
	if code != 1 || !has(r, "HAI0303") || !has(r, "HAI0302") || !has(r, "HAI0304") {
		t.Fatalf("half-configured: exit %d %+v", code, r)
	}

	// Healthy: key-auth fixed, ai-statistics with the consumer attribute, the access-log format
	// with ai_log, the route's Ingress.
	dc := testenv.Dynamic(t, kc)
	if err := dc.Resource(k8s.WasmPluginGVR).Namespace(ns).Delete(context.Background(), "key-auth.internal", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	apply(t, kc, ns, healthyKeyAuth)
	apply(t, kc, ns, statistics)
	cs := testenv.Clientset(t, kc)
	mesh := `accessLogFormat: '{"ai_log":"%FILTER_STATE(wasm.ai_log:PLAIN)%","route_name":"%ROUTE_NAME%"}'`
	if _, err := cs.CoreV1().ConfigMaps(ns).Create(context.Background(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "higress-config"}, Data: map[string]string{"mesh": mesh}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var ing map[string]any
	_ = yaml.Unmarshal([]byte(ingress), &ing)
	ingObj := &unstructured.Unstructured{Object: ing}
	ingObj.SetNamespace(ns)
	ingGVR := k8s.WasmPluginGVR
	ingGVR.Group, ingGVR.Version, ingGVR.Resource = "networking.k8s.io", "v1", "ingresses"
	if _, err := dc.Resource(ingGVR).Namespace(ns).Create(context.Background(), ingObj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	code, r = runJSON(t, tf, on(kc, "--failure-threshold", "warning")...)
	if code != 0 || r.Errors+r.Warnings != 0 {
		t.Fatalf("healthy: exit %d %+v", code, r)
	}

	// A user who may only get, list and watch wasmplugins is told which verbs they lack.
	// The trace on the cluster: with the bundled ai-proxy as plugin install leaves it, alice's
	// request to gpt-4o gets through; a consumer key-auth does not know is stopped.
	installed, err := os.ReadFile("../testdata/installed-ai-proxy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	apply(t, kc, ns, string(installed))
	code, r = runJSON(t, tf, on(kc, "--consumer", "alice", "--route", "gpt-4o")...)
	if code != 0 || r.Errors != 0 || !has(r, "HAI0604") {
		t.Fatalf("trace alice: exit %d %+v", code, r)
	}
	code, r = runJSON(t, tf, on(kc, "--consumer", "mallory", "--route", "gpt-4o")...)
	if code != 1 || !has(r, "HAI0603") {
		t.Fatalf("trace mallory: exit %d %+v", code, r)
	}

	viewer := testenv.ViewerKubeconfig(t)
	_, r = runJSON(t, tf, on(viewer)...)
	denied := map[string]bool{}
	for _, f := range r.Findings {
		if f.Code == "HAI0103" {
			denied[f.Object] = true
		}
	}
	if !denied["rbac/update/wasmplugins"] || !denied["rbac/create/wasmplugins"] || denied["rbac/list/wasmplugins"] {
		t.Errorf("viewer: denied %v", denied)
	}

	// An API server that does not answer is a finding, with exit 1.
	bad := tf
	dead := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(dead, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: gone, context: {cluster: c, user: u}}]
current-context: gone
`), 0o600); err != nil {
		t.Fatal(err)
	}
	code, r = runJSON(t, bad, on(dead)...)
	if code != 1 || len(r.Findings) != 1 || r.Findings[0].Code != "HAI0101" || r.Findings[0].Object != "cluster/gone" {
		t.Errorf("unreachable: exit %d %+v", code, r)
	}
}

// doctor --consumer --route traces one request: through on a gateway configured for it, refused
// (exit 1, with the step that refuses it) where key-auth does not allow the consumer.
func TestDoctorTrace(t *testing.T) {
	tf := cmdtest.New(t)
	for _, f := range []struct{ from, to string }{
		{"../../../examples/gitops/key-auth.yaml", "key-auth.yaml"},
		{"../../../examples/gitops/routes.yaml", "routes.yaml"},
		{"../testdata/installed-ai-proxy.yaml", "ai-proxy.yaml"},
	} {
		b, err := os.ReadFile(f.from)
		if err != nil {
			t.Fatal(err)
		}
		write(t, tf.Dir, map[string]string{f.to: string(b)})
	}
	code, r := runJSON(t, tf, "doctor", "--dir", tf.Dir, "--consumer", "alice", "--route", "gpt-4o")
	var steps []string
	for _, f := range r.Findings {
		steps = append(steps, f.Code+" "+f.Message)
	}
	all := strings.Join(steps, "\n")
	if code != 0 || r.Errors != 0 || !strings.Contains(all, `key-auth admits "alice"`) || !strings.Contains(all, `provider "openai"`) || !strings.Contains(all, `"alice" may call gpt-4o, gpt-4o-mini`) {
		t.Fatalf("alice on gpt-4o: exit %d\n%s", code, all)
	}
	if strings.Contains(all, "sk-openai") {
		t.Errorf("the trace printed an upstream key:\n%s", all)
	}
	code, r = runJSON(t, tf, "doctor", "--dir", tf.Dir, "--consumer", "legacy", "--route", "gpt-4o")
	if code != 1 || !has(r, "HAI0606") {
		t.Errorf("legacy on gpt-4o: exit %d %+v", code, r)
	}
	code, r = runJSON(t, tf, "doctor", "--dir", tf.Dir, "--consumer", "nobody", "--route", "nowhere")
	if code != 1 || !has(r, "HAI0602") || has(r, "HAI0604") {
		t.Errorf("unknown route: exit %d %+v, want HAI0602 and nothing after it", code, r)
	}
	code, r = runJSON(t, tf, "doctor", "--dir", tf.Dir, "--consumer", "nobody", "--route", "gpt-4o")
	if code != 1 || !has(r, "HAI0603") || has(r, "HAI0607") {
		t.Errorf("unknown consumer: exit %d %+v, want HAI0603 and the trace stopped there", code, r)
	}
	tf.Stderr.Reset()
	if code := commands.Run(tf.Factory, []string{"doctor", "--dir", tf.Dir, "--consumer", "alice"}); code != cmdutil.ExitCheckError && code != 1 {
		t.Errorf("--consumer without --route: exit %d", code)
	}
}
