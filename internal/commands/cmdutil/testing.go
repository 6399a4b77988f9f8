package cmdutil

import (
	"bytes"
	"context"
	"crypto/sha256"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/kubernetes"

	"github.com/higress-ai/higress-ai/internal/k8s"
)

// TestFactory is a Factory on buffers for command tests, with a folder store in a temp dir (or
// any store the test sets), a fixed clock and a deterministic random source.
type TestFactory struct {
	*Factory
	Stdin  *bytes.Buffer
	Stdout *bytes.Buffer
	Stderr *bytes.Buffer
	Dir    string
}

// NewTestFactory returns a factory whose store is a DirStore on a fresh temp folder. Its random
// source is seeded from the test's name and the folder's number within the test (t.TempDir
// numbers them 001, 002, ...), so keys are reproducible yet differ between factories (as between
// processes).
func NewTestFactory(t testing.TB) *TestFactory {
	t.Helper()
	streams, in, out, errOut := Test()
	dir := t.TempDir()
	seed := sha256.Sum256([]byte(t.Name() + "#" + filepath.Base(dir)))
	f := &Factory{
		IO:      streams,
		Flags:   &GlobalFlags{Namespace: DefaultNamespace, DryRun: "none", Dir: dir},
		Now:     func() time.Time { return time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC) },
		Rand:    rand.NewChaCha8(seed),
		Context: context.Background(),
	}
	f.Store = func() (k8s.Store, error) { return k8s.NewDirStore(f.Flags.Dir) }
	return &TestFactory{Factory: f, Stdin: in, Stdout: out, Stderr: errOut, Dir: dir}
}

// Run executes a command tree with the global flags bound, as the root command would, on the
// factory's buffers (reset first).
func (tf *TestFactory) Run(cmd *cobra.Command, args ...string) error {
	tf.Stdout.Reset()
	tf.Stderr.Reset()
	// Bind resets every field to its flag default: keep only where the test's store is, so no flag
	// value of an earlier run leaks into this one.
	dir, kc, ns := tf.Flags.Dir, tf.Flags.Kubeconfig, tf.Flags.Namespace
	tf.Flags.Bind(cmd.PersistentFlags())
	tf.Flags.Dir, tf.Flags.Kubeconfig, tf.Flags.Namespace = dir, kc, ns
	cmd.SetArgs(args)
	cmd.SetIn(tf.Stdin)
	cmd.SetOut(tf.Stdout)
	cmd.SetErr(tf.Stderr)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.Execute()
}

// UseCluster points the factory at a real API server, working in namespace ns.
func (tf *TestFactory) UseCluster(kubeconfig, ns string) {
	tf.Flags.Dir = ""
	tf.Flags.Kubeconfig = kubeconfig
	tf.Flags.Namespace = ns
	opts := k8s.ClientOptions{Kubeconfig: kubeconfig}
	tf.Store = func() (k8s.Store, error) { return k8s.NewClusterStore(opts) }
	tf.Clientset = func() (kubernetes.Interface, error) { return k8s.Clientset(opts) }
}

// NewClusterTestFactory is a test factory on a real API server, working in namespace ns.
func NewClusterTestFactory(t testing.TB, kubeconfig, ns string) *TestFactory {
	t.Helper()
	tf := NewTestFactory(t)
	tf.UseCluster(kubeconfig, ns)
	return tf
}
