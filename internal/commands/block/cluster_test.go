package block

import (
	"context"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/testenv"
)

func TestClusterConcurrentWritersKeepEveryWord(t *testing.T) {
	kc := testenv.Kubeconfig(t)
	ns := testenv.Namespace(t, kc)
	// The route's rule exists before the writers start: it starts from the global words as they
	// are now (seed), so what it holds at the end is exact.
	for _, args := range [][]string{{"add", "seed"}, {"add", "route-seed", "--route", "gpt-4o", "--any-route"}} {
		if err := run(cmdutil.NewClusterTestFactory(t, kc, ns), args...); err != nil {
			t.Fatal(err)
		}
	}
	const writers = 16
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	wantGlobal, wantRoute := []string{"seed"}, []string{"seed", "route-seed"}
	for i := 0; i < writers; i++ {
		tf := cmdutil.NewClusterTestFactory(t, kc, ns)
		word := fmt.Sprintf("word-%02d", i)
		args := []string{"add", word}
		if i%4 == 0 {
			args = append(args, "--route", "gpt-4o")
			wantRoute = append(wantRoute, word)
		} else {
			wantGlobal = append(wantGlobal, word)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := run(tf, args...); err != nil {
				errs <- fmt.Errorf("%v: %w", args, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	tf := cmdutil.NewClusterTestFactory(t, kc, ns)
	if err := run(tf, "list", "-o", "name"); err == nil {
		t.Fatal("-o name accepted by block list")
	}
	tf.Flags.Output = "json"
	entries := listEntries(t, tf)
	got := map[string][]string{}
	for _, e := range entries {
		got[e.Scope] = append(got[e.Scope], e.Word)
	}
	for scope, want := range map[string][]string{"global": wantGlobal, "route gpt-4o": wantRoute} {
		sort.Strings(want)
		sort.Strings(got[scope])
		if !reflect.DeepEqual(got[scope], want) {
			t.Errorf("%s words: %v, want %v", scope, got[scope], want)
		}
	}
	if len(got) != 2 {
		t.Fatalf("scopes: %v", got)
	}
	// Concurrent removes too.
	var wg2 sync.WaitGroup
	for i := 1; i < writers; i++ {
		if i%4 == 0 {
			continue
		}
		tf := cmdutil.NewClusterTestFactory(t, kc, ns)
		wg2.Add(1)
		go func(i int) {
			defer wg2.Done()
			if err := run(tf, "remove", fmt.Sprintf("word-%02d", i)); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg2.Wait()
	entries = listEntries(t, cmdutil.NewClusterTestFactory(t, kc, ns))
	var global []string
	for _, e := range entries {
		if e.Scope == "global" {
			global = append(global, e.Word)
		}
	}
	if !reflect.DeepEqual(global, []string{"seed"}) {
		t.Fatalf("global words after removes: %v", global)
	}
}

func listEntries(t *testing.T, tf *cmdutil.TestFactory) []Entry {
	t.Helper()
	if err := run(tf, "list", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	var out []Entry
	if err := yaml.Unmarshal(tf.Stdout.Bytes(), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestClusterConsolePluginRoundTrips(t *testing.T) {
	kc := testenv.Kubeconfig(t)
	ns := testenv.Namespace(t, kc)
	dc := testenv.Dynamic(t, kc)
	b, err := os.ReadFile("testdata/console-request-block.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, _, _ := strings.Cut(string(b), "\n---")
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
		t.Fatal(err)
	}
	obj.SetNamespace(ns)
	created, err := dc.Resource(k8s.WasmPluginGVR).Namespace(ns).Create(context.Background(), obj, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tf := cmdutil.NewClusterTestFactory(t, kc, ns)
	for _, args := range [][]string{{"add", "secret"}, {"add", "x", "--in", "header", "--domain", "ai.example.com"}, {"remove", "x", "--in", "header", "--domain", "ai.example.com"}, {"remove", "secret"}} {
		if err := run(tf, args...); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
	}
	after, err := dc.Resource(k8s.WasmPluginGVR).Namespace(ns).Get(context.Background(), created.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := created.Object["spec"].(map[string]any)
	got := after.Object["spec"].(map[string]any)
	// By design: an edited config that has block_bodys lists its body words under both spellings
	// (C++ builds older than v2.0.5 read block_bodys only, the Go build block_bodies only), and
	// case_sensitive is written explicitly (true: what the built-in plugin assumed when it was
	// unset). Everything else is as it was.
	wantCfg := want["defaultConfig"].(map[string]any)
	wantCfg["block_bodies"] = wantCfg["block_bodys"]
	wantCfg["case_sensitive"] = true
	if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(after.GetLabels(), created.GetLabels()) {
		a, _ := yaml.Marshal(got)
		t.Fatalf("the console's plugin changed:\n%s", a)
	}
}

// TestClusterPriorityNull: upstream's CRD (helm/core/crds/customresourcedefinitions.gen.yaml)
// has spec.priority nullable: true, so a WasmPlugin written with priority: null keeps it, and the
// tool edits such a plugin without touching it.
func TestClusterPriorityNull(t *testing.T) {
	kc := testenv.Kubeconfig(t)
	ns := testenv.Namespace(t, kc)
	dc := testenv.Dynamic(t, kc)
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "extensions.higress.io/v1alpha1", "kind": "WasmPlugin",
		"metadata": map[string]any{"name": "request-block-2.0.0", "namespace": ns, "labels": map[string]any{"higress.io/wasm-plugin-name": "request-block"}},
		"spec": map[string]any{"url": "oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/request-block:2.0.0", "priority": nil,
			"defaultConfig": map[string]any{"block_bodies": []any{"password"}}},
	}}
	created, err := dc.Resource(k8s.WasmPluginGVR).Namespace(ns).Create(context.Background(), obj, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := created.Object["spec"].(map[string]any)["priority"]; !ok || v != nil {
		t.Fatalf("spec.priority = %v (present %v): the CRD dropped a null priority", v, ok)
	}
	if err := run(cmdutil.NewClusterTestFactory(t, kc, ns), "add", "secret"); err != nil {
		t.Fatal(err)
	}
	after, err := dc.Resource(k8s.WasmPluginGVR).Namespace(ns).Get(context.Background(), created.GetName(), metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	spec := after.Object["spec"].(map[string]any)
	if v, ok := spec["priority"]; !ok || v != nil || !reflect.DeepEqual(spec["defaultConfig"].(map[string]any)["block_bodies"], []any{"password", "secret"}) {
		t.Fatalf("spec after add: %v", spec)
	}
}
