package consumer

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/commands/cmdtest"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/testenv"
)

// bigKeyAuth is a key-auth.internal holding n consumers in the console's bearer form.
func bigKeyAuth(n int) string {
	var b strings.Builder
	b.WriteString("apiVersion: extensions.higress.io/v1alpha1\nkind: WasmPlugin\nmetadata:\n  name: key-auth.internal\n  namespace: higress-system\nspec:\n  url: oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:2.0.0\n  phase: AUTHN\n  priority: 310\n  defaultConfig:\n    global_auth: false\n    keys: [x-higress-dummy-key]\n    consumers:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "    - name: user-%05d\n      credentials: [\"Bearer hai_benchmarkkey%032d\"]\n      keys: [Authorization]\n      in_header: true\n      in_query: false\n", i, i)
	}
	return b.String()
}

// BenchmarkConsumerAddFolder10k is one `consumer add` into a folder whose key-auth plugin already
// holds 10,000 consumers: read, parse, check name and key uniqueness, write atomically.
// scripts/bench-consumer.sh puts the same operation beside kubectl patch.
func BenchmarkConsumerAddFolder10k(b *testing.B) {
	tf := cmdtest.New(b)
	if err := os.WriteFile(filepath.Join(tf.Dir, "key-auth.yaml"), []byte(bigKeyAuth(10000)), 0o644); err != nil {
		b.Fatal(err)
	}
	benchAdds(b, tf)
}

// BenchmarkConsumerAddCluster10k is the same add on the real API server (scripts/testenv.sh),
// where the plugin's 1.5 MB travel to etcd and back on every add.
func BenchmarkConsumerAddCluster10k(b *testing.B) {
	kc := testenv.Kubeconfig(b)
	ns := testenv.Namespace(b, kc)
	obj := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(bigKeyAuth(10000)), &obj.Object); err != nil {
		b.Fatal(err)
	}
	obj.SetNamespace(ns)
	if _, err := testenv.Dynamic(b, kc).Resource(k8s.WasmPluginGVR).Namespace(ns).Create(context.Background(), obj, metav1.CreateOptions{}); err != nil {
		b.Fatal(err)
	}
	tf := cmdtest.NewCluster(b, kc, ns)
	benchAdds(b, tf)
}

// benchAdds times b.N consumer adds through the factory's store.
func benchAdds(b *testing.B, tf *cmdtest.Factory) {
	b.Helper()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd := NewCmdAdd(tf.Factory, nil) // binds the flags an AddOptions holds
		o := &AddOptions{IO: tf.IO, Env: tf.Factory.Env, Rand: tf.Rand, Getenv: tf.Getenv, Name: fmt.Sprintf("new-%d", i), DryRun: "none",
			Key: cmdutil.AddSecretFlags(cmd, "new-key", "a key")}
		if err := addRun(context.Background(), o); err != nil {
			b.Fatal(err)
		}
		tf.Stdout.Reset()
		tf.Stderr.Reset()
	}
}
