package testenv

import (
	"context"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var gvr = schema.GroupVersionResource{Group: "extensions.higress.io", Version: "v1alpha1", Resource: "wasmplugins"}

// The environment itself: the CRD serves WasmPlugins with free-form config, the viewer may read
// but not write, and a stale update is refused.
func TestEnvironment(t *testing.T) {
	kc := Kubeconfig(t)
	ns := Namespace(t, kc)
	ctx := context.Background()
	obj := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "extensions.higress.io/v1alpha1", "kind": "WasmPlugin",
		"metadata": map[string]any{"name": "p", "namespace": ns},
		"spec": map[string]any{
			"url":           "oci://r/p:1",
			"defaultConfig": map[string]any{"anything": map[string]any{"goes": true}},
			"matchRules":    []any{map[string]any{"ingress": []any{"r"}, "config": map[string]any{"allow": []any{"a"}}}},
		},
	}}
	created, err := Dynamic(t, kc).Resource(gvr).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if v, _, _ := unstructured.NestedBool(created.Object, "spec", "defaultConfig", "anything", "goes"); !v {
		t.Fatal("free-form config was pruned")
	}
	viewer := Dynamic(t, ViewerKubeconfig(t)).Resource(gvr).Namespace(ns)
	if list, err := viewer.List(ctx, metav1.ListOptions{}); err != nil || len(list.Items) != 1 {
		t.Fatalf("viewer list: %v", err)
	}
	obj.SetName("q")
	if _, err := viewer.Create(ctx, obj, metav1.CreateOptions{}); !apierrors.IsForbidden(err) {
		t.Fatalf("viewer create: %v, want Forbidden", err)
	}
	created.SetResourceVersion("1")
	if _, err := Dynamic(t, kc).Resource(gvr).Namespace(ns).Update(ctx, created, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Fatalf("stale update: %v, want Conflict", err)
	}
}
