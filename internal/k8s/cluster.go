package k8s

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// ClientOptions say which cluster to talk to, the kubectl way.
type ClientOptions struct {
	Kubeconfig string // explicit file; empty means $KUBECONFIG, then ~/.kube/config, then in-cluster
	Context    string
}

// RESTConfig loads the client configuration the way kubectl does.
func RESTConfig(o ClientOptions) (*rest.Config, string, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = o.Kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: o.Context}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	cfg, err := cc.ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			return nil, "", fmt.Errorf("no cluster configured: set --kubeconfig or KUBECONFIG, or use --dir for a folder of YAML")
		}
		return nil, "", fmt.Errorf("loading kubeconfig: %w", err)
	}
	cfg.UserAgent = "higress-ai"
	// Interactive commands should fail fast when the cluster is unreachable.
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultTimeout
	}
	return cfg, cfg.Host, nil
}

// Clientset builds a typed client for the built-in resources (pods, ingresses).
func Clientset(o ClientOptions) (kubernetes.Interface, error) {
	cfg, _, err := RESTConfig(o)
	if err != nil {
		return nil, err
	}
	return kubernetes.NewForConfig(cfg)
}

// ClusterStore keeps WasmPlugins in a Kubernetes cluster.
type ClusterStore struct {
	client dynamic.Interface
	host   string
}

// NewClusterStore connects lazily: no request is made until the first call.
func NewClusterStore(o ClientOptions) (*ClusterStore, error) {
	cfg, host, err := RESTConfig(o)
	if err != nil {
		return nil, err
	}
	dc, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &ClusterStore{client: dc, host: host}, nil
}

// NewClusterStoreFor wraps an existing dynamic client (tests, other callers).
func NewClusterStoreFor(client dynamic.Interface, host string) *ClusterStore {
	return &ClusterStore{client: client, host: host}
}

func (s *ClusterStore) Describe() string { return "cluster " + s.host }

func (s *ClusterStore) List(ctx context.Context, namespace string) ([]*unstructured.Unstructured, error) {
	list, err := s.client.Resource(WasmPluginGVR).Namespace(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, Explain(err, "list", "", namespace)
	}
	out := make([]*unstructured.Unstructured, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	return out, nil
}

func (s *ClusterStore) Get(ctx context.Context, namespace, name string) (*unstructured.Unstructured, error) {
	obj, err := s.client.Resource(WasmPluginGVR).Namespace(namespace).Get(ctx, name, metav1.GetOptions{})
	return obj, Explain(err, "get", name, namespace)
}

func (s *ClusterStore) Create(ctx context.Context, obj *unstructured.Unstructured, opts WriteOptions) (*unstructured.Unstructured, error) {
	out, err := s.client.Resource(WasmPluginGVR).Namespace(obj.GetNamespace()).Create(ctx, obj, metav1.CreateOptions{
		FieldManager: FieldManager, DryRun: dryRun(opts),
	})
	return out, Explain(err, "create", obj.GetName(), obj.GetNamespace())
}

func (s *ClusterStore) Update(ctx context.Context, obj *unstructured.Unstructured, opts WriteOptions) (*unstructured.Unstructured, error) {
	out, err := s.client.Resource(WasmPluginGVR).Namespace(obj.GetNamespace()).Update(ctx, obj, metav1.UpdateOptions{
		FieldManager: FieldManager, DryRun: dryRun(opts),
	})
	return out, Explain(err, "update", obj.GetName(), obj.GetNamespace())
}

func dryRun(o WriteOptions) []string {
	if o.ServerDryRun {
		return []string{metav1.DryRunAll}
	}
	return nil
}
