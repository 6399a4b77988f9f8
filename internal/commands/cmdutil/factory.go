// Package cmdutil holds what every command shares: the Factory with its streams and store, the
// global flags, the printer layer (-o, tables, status lines), confirmations, secret inputs,
// completion and the error types and exit codes.
package cmdutil

import (
	"context"
	"crypto/rand"
	"io"
	"os"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/k8s"
)

// Factory gives commands their dependencies; tests build one on fakes (package cmdtest).
type Factory struct {
	IO    *IOStreams
	Flags *GlobalFlags
	// Store returns the WasmPlugin store the global flags select (--dir or the cluster).
	Store func() (k8s.Store, error)
	// Clientset returns a client for built-in resources (pods, ingresses).
	Clientset func() (kubernetes.Interface, error)
	Now       func() time.Time
	Rand      io.Reader
	Getenv    func(string) string
	// Context is the base context (cancelled on interrupt).
	Context context.Context
}

// New returns the production factory; flags are filled in when the command line is parsed.
func New(ctx context.Context, streams *IOStreams) *Factory {
	f := &Factory{IO: streams, Flags: &GlobalFlags{Namespace: DefaultNamespace}, Now: time.Now, Rand: rand.Reader, Getenv: os.Getenv, Context: ctx}
	f.Store = func() (k8s.Store, error) {
		if f.Flags.Dir != "" {
			s, err := k8s.NewDirStore(f.Flags.Dir)
			if err != nil {
				return nil, err
			}
			s.Warnings = f.IO.ErrOut
			return s, nil
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

// Env is the gateway the global flags select: its store, namespace and routes (the Ingress
// documents of a --dir folder, else every namespace's Ingresses of class higress on the cluster).
// It is the one opening of every command that reads or edits WasmPlugins.
func (f *Factory) Env() (gateway.Env, error) {
	store, err := f.Store()
	if err != nil {
		return gateway.Env{}, err
	}
	ns := f.Namespace()
	env := gateway.Env{Store: store, Namespace: ns}
	if d, ok := store.(folderRoutes); ok {
		env.Ingresses = func(context.Context) ([]k8s.Route, error) { return d.Routes(ns) }
	} else if f.Clientset != nil {
		env.Ingresses = func(ctx context.Context) ([]k8s.Route, error) {
			cs, err := f.Clientset()
			if err != nil {
				return nil, err
			}
			return k8s.ListRoutes(ctx, cs, ns)
		}
	}
	return env, nil
}

// folderRoutes is a store that holds its routes itself: a folder's Ingress documents.
type folderRoutes interface {
	Routes(higressNamespace string) ([]k8s.Route, error)
}

// InDir reports folder mode (--dir).
func (f *Factory) InDir() bool { return f.Flags.Dir != "" }
