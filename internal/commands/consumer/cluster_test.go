package consumer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/commands/cmdtest"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/testenv"
)

func getKeyAuth(t *testing.T, dc dynamic.Interface, ns string) *unstructured.Unstructured {
	t.Helper()
	obj, err := dc.Resource(k8s.WasmPluginGVR).Namespace(ns).Get(context.Background(), "key-auth.internal", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return obj
}

func consumerNamesOf(obj *unstructured.Unstructured) []string {
	list, _, _ := unstructured.NestedSlice(obj.Object, "spec", "defaultConfig", "consumers")
	var names []string
	for _, c := range list {
		names = append(names, c.(map[string]any)["name"].(string))
	}
	return names
}

func TestClusterLifecycle(t *testing.T) {
	kc := testenv.Kubeconfig(t)
	ns := testenv.Namespace(t, kc)
	dc := testenv.Dynamic(t, kc)
	tf := cmdtest.NewCluster(t, kc, ns)

	if err := run(tf, "add", "alice"); err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(tf.Stdout.String())
	if !strings.Contains(tf.Stderr.String(), "wasmplugin.extensions.higress.io/key-auth.internal created") {
		t.Fatalf("stderr %q", tf.Stderr)
	}
	obj := getKeyAuth(t, dc, ns)
	if obj.GetLabels()["higress.io/resource-definer"] != "higress" || obj.GetLabels()["higress.io/internal"] != "true" {
		t.Fatalf("labels %v", obj.GetLabels())
	}
	if p, _, _ := unstructured.NestedInt64(obj.Object, "spec", "priority"); p != 310 {
		t.Fatalf("priority %d", p)
	}
	if creds, _, _ := unstructured.NestedSlice(obj.Object, "spec", "defaultConfig", "consumers"); creds[0].(map[string]any)["credentials"].([]any)[0] != "Bearer "+key {
		t.Fatalf("stored credential does not match the printed key")
	}
	if managers := obj.GetManagedFields(); len(managers) == 0 || managers[0].Manager != "higress-ai" {
		t.Fatalf("field manager %v", managers)
	}

	for _, args := range [][]string{{"add", "bob", "--header", "x-api-key"}, {"rotate", "bob"}, {"rotate", "bob", "--finish"}, {"remove", "alice", "--yes"}} {
		if err := run(tf, args...); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	if err := run(tf, "list", "-o", "name"); err != nil {
		t.Fatal(err)
	}
	if tf.Stdout.String() != "consumer/bob\n" {
		t.Fatalf("after the lifecycle: %q", tf.Stdout)
	}
	bob, _, _ := unstructured.NestedSlice(getKeyAuth(t, dc, ns).Object, "spec", "defaultConfig", "consumers")
	if creds := bob[0].(map[string]any)["credentials"].([]any); len(creds) != 1 {
		t.Fatalf("bob has %d credentials after rotate --finish", len(creds))
	}
}

func TestClusterConcurrentAddsKeepEveryConsumer(t *testing.T) {
	kc := testenv.Kubeconfig(t)
	ns := testenv.Namespace(t, kc)
	if err := run(cmdtest.NewCluster(t, kc, ns), "add", "seed"); err != nil {
		t.Fatal(err)
	}
	const writers = 20
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for i := 0; i < writers; i++ {
		// Each writer has its own factory, client and connection, like a separate process.
		tf := cmdtest.NewCluster(t, kc, ns)
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := run(tf, "add", fmt.Sprintf("user-%02d", i)); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	names := consumerNamesOf(getKeyAuth(t, testenv.Dynamic(t, kc), ns))
	if len(names) != writers+1 {
		t.Fatalf("%d consumers kept, want %d: %v", len(names), writers+1, names)
	}
}

func TestClusterServerDryRunWritesNothing(t *testing.T) {
	kc := testenv.Kubeconfig(t)
	ns := testenv.Namespace(t, kc)
	dc := testenv.Dynamic(t, kc)
	tf := cmdtest.NewCluster(t, kc, ns)
	if err := run(tf, "add", "alice", "--dry-run=server"); err != nil {
		t.Fatal(err)
	}
	if _, err := dc.Resource(k8s.WasmPluginGVR).Namespace(ns).Get(context.Background(), "key-auth.internal", metav1.GetOptions{}); err == nil {
		t.Fatal("--dry-run=server created the plugin")
	}
	if err := run(tf, "add", "alice"); err != nil {
		t.Fatal(err)
	}
	before := getKeyAuth(t, dc, ns)
	if err := run(tf, "add", "bob", "--dry-run=server"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(tf.Stdout.String(), "+      name: bob") || !strings.Contains(tf.Stderr.String(), "(server dry run)") {
		t.Fatalf("stdout %q stderr %q", tf.Stdout, tf.Stderr)
	}
	after := getKeyAuth(t, dc, ns)
	if after.GetResourceVersion() != before.GetResourceVersion() || !reflect.DeepEqual(consumerNamesOf(after), []string{"alice"}) {
		t.Fatal("--dry-run=server changed the stored object")
	}
}

func TestClusterViewerForbiddenIsExplained(t *testing.T) {
	kc := testenv.Kubeconfig(t)
	viewer := testenv.ViewerKubeconfig(t)
	ns := testenv.Namespace(t, kc)
	if err := run(cmdtest.NewCluster(t, kc, ns), "add", "alice"); err != nil {
		t.Fatal(err)
	}
	tf := cmdtest.NewCluster(t, viewer, ns)
	if err := run(tf, "list", "-o", "name"); err != nil || tf.Stdout.String() != "consumer/alice\n" {
		t.Fatalf("the viewer cannot list: %v %q", err, tf.Stdout)
	}
	err := run(tf, "add", "bob")
	if err == nil {
		t.Fatal("the viewer added a consumer")
	}
	msg := err.Error()
	for _, want := range []string{`cannot update wasmplugin "` + ns + `/key-auth.internal"`, `User "viewer" cannot update resource "wasmplugins"`, "see RBAC in the README"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "\n") || tf.Stdout.Len() != 0 {
		t.Fatalf("error %q stdout %q", msg, tf.Stdout)
	}
}

func TestClusterConsoleKeyAuthRoundTrips(t *testing.T) {
	kc := testenv.Kubeconfig(t)
	ns := testenv.Namespace(t, kc)
	dc := testenv.Dynamic(t, kc)
	b, err := os.ReadFile(filepath.Join("testdata", "console-key-auth.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal(b, &obj.Object); err != nil {
		t.Fatal(err)
	}
	obj.SetNamespace(ns)
	created, err := dc.Resource(k8s.WasmPluginGVR).Namespace(ns).Create(context.Background(), obj, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tf := cmdtest.NewCluster(t, kc, ns)
	for _, args := range [][]string{{"add", "bob"}, {"rotate", "alice"}, {"rotate", "alice", "--finish"}, {"remove", "bob", "--yes"}} {
		if err := run(tf, args...); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	after := getKeyAuth(t, dc, ns)
	// alice's key changed by design; everything else, unknown fields included, is as the console wrote it.
	wantSpec := created.Object["spec"].(map[string]any)
	gotSpec := after.Object["spec"].(map[string]any)
	gotAlice := gotSpec["defaultConfig"].(map[string]any)["consumers"].([]any)[0].(map[string]any)
	wantAlice := wantSpec["defaultConfig"].(map[string]any)["consumers"].([]any)[0].(map[string]any)
	if gotAlice["x_console_meta"] == nil || gotSpec["defaultConfig"].(map[string]any)["x_unknown_top"] != int64(42) {
		t.Fatalf("unknown fields lost: %v", gotSpec["defaultConfig"])
	}
	gotAlice["credentials"] = wantAlice["credentials"]
	if !reflect.DeepEqual(gotSpec, wantSpec) || !reflect.DeepEqual(after.GetLabels(), created.GetLabels()) || !reflect.DeepEqual(after.GetAnnotations(), created.GetAnnotations()) {
		a, _ := yaml.Marshal(gotSpec)
		t.Fatalf("the console's plugin changed beyond alice's key:\n%s", a)
	}
}

func TestClusterUnreachable(t *testing.T) {
	dir := t.TempDir()
	kc := filepath.Join(dir, "kubeconfig")
	cfg := "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: \"https://127.0.0.1:1\"}\nusers:\n- name: u\n  user: {token: t}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n"
	if err := os.WriteFile(kc, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	tf := cmdtest.NewCluster(t, kc, "higress-system")
	err := run(tf, "list")
	if err == nil || !strings.HasPrefix(err.Error(), "cannot reach the cluster: https://127.0.0.1:1: ") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("error = %v", err)
	}
}
