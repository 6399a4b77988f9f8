// Package k8s is the WasmPlugin store: the same small interface over a Kubernetes cluster
// (client-go's dynamic client) and over a folder of YAML files (--dir).
package k8s

import (
	"context"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// WasmPluginGVR is Higress's WasmPlugin resource.
var WasmPluginGVR = schema.GroupVersionResource{Group: "extensions.higress.io", Version: "v1alpha1", Resource: "wasmplugins"}

const (
	// APIVersion and Kind of a WasmPlugin document.
	APIVersion = "extensions.higress.io/v1alpha1"
	Kind       = "WasmPlugin"
	// FieldManager names this tool in managedFields.
	FieldManager = "higress-ai"
	// ResourceName is how kubectl-style status lines name the resource.
	ResourceName = "wasmplugin.extensions.higress.io"
)

// WriteOptions apply to Create and Update.
type WriteOptions struct {
	// ServerDryRun asks the API server to validate and admit the write without persisting it.
	// A folder store treats it as a write that is not persisted.
	ServerDryRun bool
}

// Store reads and writes WasmPlugins. Update fails with a Conflict error (IsConflict) when the
// object changed since it was read (its resourceVersion no longer matches).
type Store interface {
	List(ctx context.Context, namespace string) ([]*unstructured.Unstructured, error)
	Get(ctx context.Context, namespace, name string) (*unstructured.Unstructured, error)
	Create(ctx context.Context, obj *unstructured.Unstructured, opts WriteOptions) (*unstructured.Unstructured, error)
	Update(ctx context.Context, obj *unstructured.Unstructured, opts WriteOptions) (*unstructured.Unstructured, error)
	// Describe names where the store keeps its objects, for messages ("cluster https://..." or "folder ./gitops").
	Describe() string
}
