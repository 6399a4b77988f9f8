package k8s_test

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/testenv"
)

func TestClusterStoreOnRealAPIServer(t *testing.T) {
	kc := testenv.Kubeconfig(t)
	ns := testenv.Namespace(t, kc)
	s, err := k8s.NewClusterStore(k8s.ClientOptions{Kubeconfig: kc})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": k8s.APIVersion, "kind": k8s.Kind,
		"metadata": map[string]any{"name": "p", "namespace": ns},
		"spec":     map[string]any{"url": "oci://r/p:1", "priority": int64(5), "defaultConfig": map[string]any{"x": map[string]any{"y": []any{int64(1), "two"}}}},
	}}
	if _, err := s.Create(ctx, obj, k8s.WriteOptions{ServerDryRun: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, ns, "p"); !apierrors.IsNotFound(err) || err.Error() != `wasmplugin "`+ns+`/p" not found` {
		t.Fatalf("after a server dry-run create: %v", err)
	}
	created, err := s.Create(ctx, obj, k8s.WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	stale := created.DeepCopy()
	_ = unstructured.SetNestedField(created.Object, "AUTHN", "spec", "phase")
	if _, err := s.Update(ctx, created, k8s.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	_ = unstructured.SetNestedField(stale.Object, "AUTHZ", "spec", "phase")
	if _, err := s.Update(ctx, stale, k8s.WriteOptions{}); !apierrors.IsConflict(err) || !strings.Contains(err.Error(), "was changed by someone else") {
		t.Fatalf("stale update: %v", err)
	}
	bad, _ := s.Get(ctx, ns, "p")
	_ = unstructured.SetNestedField(bad.Object, "BOGUS", "spec", "phase")
	_, err = s.Update(ctx, bad, k8s.WriteOptions{})
	if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), `the cluster refused wasmplugin "`+ns+`/p": spec.phase: Unsupported value: "BOGUS"`) {
		t.Fatalf("invalid update: %v", err)
	}
	list, err := s.List(ctx, ns)
	if err != nil || len(list) != 1 {
		t.Fatalf("list: %v %d", err, len(list))
	}
	if v, _, _ := unstructured.NestedSlice(list[0].Object, "spec", "defaultConfig", "x", "y"); v[0] != int64(1) || v[1] != "two" {
		t.Fatalf("free-form config came back as %v", v)
	}
}
