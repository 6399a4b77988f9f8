package testenv

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/higress-ai/higress-ai/internal/k8s"
)

// Create creates the WasmPlugin obj (a decoded document) in namespace ns of the test API server.
func Create(t testing.TB, dc dynamic.Interface, ns string, obj map[string]any) {
	t.Helper()
	u := &unstructured.Unstructured{Object: obj}
	u.SetNamespace(ns)
	if _, err := dc.Resource(k8s.WasmPluginGVR).Namespace(ns).Create(context.Background(), u, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating wasmplugin %s: %v", u.GetName(), err)
	}
}

// Get reads the WasmPlugin name of namespace ns from the test API server.
func Get(t testing.TB, dc dynamic.Interface, ns, name string) map[string]any {
	t.Helper()
	u, err := dc.Resource(k8s.WasmPluginGVR).Namespace(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("getting wasmplugin %s: %v", name, err)
	}
	return u.Object
}
