// Package testenv connects tests to the real kube-apiserver that scripts/testenv.sh starts.
//
// A test that needs it calls Kubeconfig: without HIGRESS_AI_TEST_KUBECONFIG the test skips with a
// message saying how to run it, so `go test ./...` stays fast and hermetic; under
// HIGRESS_AI_REQUIRE_REAL=1 (set by scripts/test.sh, hence CI) it fails instead, so a run can
// never pass by skipping.
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// Environment variables set by scripts/test.sh.
const (
	EnvKubeconfig       = "HIGRESS_AI_TEST_KUBECONFIG"
	EnvViewerKubeconfig = "HIGRESS_AI_TEST_KUBECONFIG_VIEWER"
	EnvRequireReal      = "HIGRESS_AI_REQUIRE_REAL"
)

// Require skips the test (or fails it under HIGRESS_AI_REQUIRE_REAL=1) when a real component is
// missing; what says how to provide it.
func Require(t testing.TB, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv(EnvRequireReal) == "1" {
		t.Fatalf("%s (required: %s=1)", what, EnvRequireReal)
	}
	t.Skip(what)
}

func fromEnv(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	Require(t, v != "", "real apiserver not running: set "+name+" (scripts/test.sh does)")
	return v
}

// Kubeconfig is the admin kubeconfig of the test API server.
func Kubeconfig(t testing.TB) string { return fromEnv(t, EnvKubeconfig) }

// ViewerKubeconfig is a user who may only get, list and watch wasmplugins.
func ViewerKubeconfig(t testing.TB) string { return fromEnv(t, EnvViewerKubeconfig) }

// RESTConfig loads a kubeconfig file.
func RESTConfig(t testing.TB, kubeconfig string) *rest.Config {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatalf("loading %s: %v", kubeconfig, err)
	}
	return cfg
}

// Dynamic is a dynamic client for the kubeconfig.
func Dynamic(t testing.TB, kubeconfig string) dynamic.Interface {
	t.Helper()
	c, err := dynamic.NewForConfig(RESTConfig(t, kubeconfig))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Clientset is a typed client for the kubeconfig.
func Clientset(t testing.TB, kubeconfig string) kubernetes.Interface {
	t.Helper()
	c, err := kubernetes.NewForConfig(RESTConfig(t, kubeconfig))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var unsafe = regexp.MustCompile(`[^a-z0-9-]+`)

// Namespace creates a fresh namespace named after the test, deleted when the test ends, so tests
// on one API server never see each other's objects.
func Namespace(t testing.TB, kubeconfig string) string {
	t.Helper()
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	base := strings.Trim(unsafe.ReplaceAllString(strings.ToLower(t.Name()), "-"), "-")
	if len(base) > 48 {
		base = base[:48]
	}
	name := "t-" + strings.Trim(base, "-") + "-" + hex.EncodeToString(b)
	cs := Clientset(t, kubeconfig)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	t.Cleanup(func() {
		_ = cs.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	return name
}
