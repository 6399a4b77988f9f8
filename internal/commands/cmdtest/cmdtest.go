// Package cmdtest builds factories for command tests: buffers for the streams, a folder store in a
// temp dir (or a real API server, or a store that fails), a fixed clock and a deterministic random
// source. It is imported by tests only, so the testing package never reaches the binary.
package cmdtest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/kubernetes"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/k8s"
)

// Factory is a cmdutil.Factory on buffers.
type Factory struct {
	*cmdutil.Factory
	Stdin  *bytes.Buffer
	Stdout *bytes.Buffer
	Stderr *bytes.Buffer
	Dir    string
	// Environ is what Getenv answers.
	Environ map[string]string
}

// Streams returns streams on buffers: stdin, stdout, stderr. TTY flags are off; tests turn them on.
func Streams() (*cmdutil.IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &cmdutil.IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// New returns a factory whose store is a DirStore on a fresh temp folder. Its random source is
// seeded from the test's name and the folder's number within the test (t.TempDir numbers them
// 001, 002, ...), so keys are reproducible yet differ between factories (as between processes).
func New(t testing.TB) *Factory {
	t.Helper()
	streams, in, out, errOut := Streams()
	dir := t.TempDir()
	seed := sha256.Sum256([]byte(t.Name() + "#" + filepath.Base(dir)))
	tf := &Factory{Stdin: in, Stdout: out, Stderr: errOut, Dir: dir, Environ: map[string]string{}}
	f := &cmdutil.Factory{
		IO:      streams,
		Flags:   &cmdutil.GlobalFlags{Namespace: cmdutil.DefaultNamespace, Dir: dir},
		Now:     func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
		Rand:    rand.NewChaCha8(seed),
		Getenv:  func(k string) string { return tf.Environ[k] },
		Context: context.Background(),
	}
	f.Store = func() (k8s.Store, error) {
		s, err := k8s.NewDirStore(f.Flags.Dir)
		if err != nil {
			return nil, err
		}
		s.Warnings = streams.ErrOut
		return s, nil
	}
	tf.Factory = f
	return tf
}

// Run executes a command tree with the global flags bound, as the root command would, on the
// factory's buffers (reset first).
func (tf *Factory) Run(cmd *cobra.Command, args ...string) error {
	tf.Stdout.Reset()
	tf.Stderr.Reset()
	// Bind resets every field to its flag default: keep only where the test's store is, so no flag
	// value of an earlier run leaks into this one.
	dir, kc, ns := tf.Flags.Dir, tf.Flags.Kubeconfig, tf.Flags.Namespace
	tf.Flags.Bind(cmd.PersistentFlags(), "")
	tf.Flags.Dir, tf.Flags.Kubeconfig, tf.Flags.Namespace = dir, kc, ns
	cmd.SetArgs(args)
	cmd.SetIn(tf.Stdin)
	cmd.SetOut(tf.Stdout)
	cmd.SetErr(tf.Stderr)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cmdutil.FlagError{Err: err} })
	return cmd.Execute()
}

// UseCluster points the factory at a real API server, working in namespace ns.
func (tf *Factory) UseCluster(kubeconfig, ns string) {
	tf.Flags.Dir = ""
	tf.Flags.Kubeconfig = kubeconfig
	tf.Flags.Namespace = ns
	opts := k8s.ClientOptions{Kubeconfig: kubeconfig}
	tf.Store = func() (k8s.Store, error) { return k8s.NewClusterStore(opts) }
	tf.Clientset = func() (kubernetes.Interface, error) { return k8s.Clientset(opts) }
}

// NewCluster is a test factory on a real API server, working in namespace ns.
func NewCluster(t testing.TB, kubeconfig, ns string) *Factory {
	t.Helper()
	tf := New(t)
	tf.UseCluster(kubeconfig, ns)
	return tf
}

// CopyFiles copies the named files of dir into the factory's folder.
func (tf *Factory) CopyFiles(t testing.TB, dir string, names ...string) {
	t.Helper()
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tf.Dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// WriteFile writes a file into the factory's folder.
func (tf *Factory) WriteFile(t testing.TB, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(tf.Dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// ReadFile reads a file of the factory's folder.
func (tf *Factory) ReadFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(tf.Dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// FailingStore is a store whose named operations ("List", "Get", "Create", "Update") fail with
// their error; the others go to the store it wraps. Commands' error paths run on it.
type FailingStore struct {
	k8s.Store
	Fail map[string]error
}

func (s FailingStore) List(ctx context.Context, ns string) ([]*unstructured.Unstructured, error) {
	if err := s.Fail["List"]; err != nil {
		return nil, err
	}
	return s.Store.List(ctx, ns)
}

func (s FailingStore) Get(ctx context.Context, ns, name string) (*unstructured.Unstructured, error) {
	if err := s.Fail["Get"]; err != nil {
		return nil, err
	}
	return s.Store.Get(ctx, ns, name)
}

func (s FailingStore) Create(ctx context.Context, obj *unstructured.Unstructured, o k8s.WriteOptions) (*unstructured.Unstructured, error) {
	if err := s.Fail["Create"]; err != nil {
		return nil, err
	}
	return s.Store.Create(ctx, obj, o)
}

func (s FailingStore) Update(ctx context.Context, obj *unstructured.Unstructured, o k8s.WriteOptions) (*unstructured.Unstructured, error) {
	if err := s.Fail["Update"]; err != nil {
		return nil, err
	}
	return s.Store.Update(ctx, obj, o)
}

// Routes are the wrapped folder's Ingress documents (a cluster store has none of its own).
func (s FailingStore) Routes(ns string) ([]k8s.Route, error) {
	if d, ok := s.Store.(interface {
		Routes(string) ([]k8s.Route, error)
	}); ok {
		return d.Routes(ns)
	}
	return nil, nil
}

// FailStore makes the factory's store fail op with err (on top of any earlier failures).
func (tf *Factory) FailStore(op string, err error) {
	inner := tf.Store
	tf.Store = func() (k8s.Store, error) {
		s, e := inner()
		if e != nil {
			return nil, e
		}
		return FailingStore{Store: s, Fail: map[string]error{op: err}}, nil
	}
}
