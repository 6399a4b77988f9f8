// Package cmdutil holds what every command shares: the Factory with its streams and store, the
// global flags, printers and error types.
package cmdutil

import (
	"context"
	"crypto/rand"
	"io"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/higress-ai/higress-ai/internal/k8s"
)

// Factory gives commands their dependencies; tests build one on fakes.
type Factory struct {
	IO    *IOStreams
	Flags *GlobalFlags
	// Store returns the WasmPlugin store the global flags select (--dir or the cluster).
	Store func() (k8s.Store, error)
	// Clientset returns a client for built-in resources (pods, ingresses); nil in folder mode.
	Clientset func() (kubernetes.Interface, error)
	Now       func() time.Time
	Rand      io.Reader
	// Context is the base context (cancelled on interrupt).
	Context context.Context
}

// New returns the production factory; flags are filled in when the command line is parsed.
func New(ctx context.Context, streams *IOStreams) *Factory {
	f := &Factory{IO: streams, Flags: &GlobalFlags{Namespace: DefaultNamespace}, Now: time.Now, Rand: rand.Reader, Context: ctx}
	f.Store = func() (k8s.Store, error) {
		if f.Flags.Dir != "" {
			return k8s.NewDirStore(f.Flags.Dir)
		}
		return k8s.NewClusterStore(f.clientOptions())
	}
	f.Clientset = func() (kubernetes.Interface, error) {
		return k8s.Clientset(f.clientOptions())
	}
	return f
}

func (f *Factory) clientOptions() k8s.ClientOptions {
	return k8s.ClientOptions{Kubeconfig: f.Flags.Kubeconfig, Context: f.Flags.Context}
}

// Namespace is the namespace the command works in.
func (f *Factory) Namespace() string {
	if f.Flags.Namespace == "" {
		return DefaultNamespace
	}
	return f.Flags.Namespace
}

// Routes lists the Ingresses Higress serves: the Ingress documents of a --dir folder, else every
// namespace's Ingresses of class higress on the cluster.
func (f *Factory) Routes(store k8s.Store) ([]k8s.Route, error) {
	if d, ok := store.(*k8s.DirStore); ok {
		return d.Routes(f.Namespace())
	}
	cs, err := f.Clientset()
	if err != nil {
		return nil, err
	}
	return k8s.ListRoutes(f.Context, cs, f.Namespace())
}
