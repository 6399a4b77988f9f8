package feed

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/higress-ai/higress-ai/internal/testenv"
	"github.com/higress-ai/higress-ai/internal/usage"
	"github.com/higress-ai/higress-ai/internal/usage/usagetest"
)

// kubelet serves /containerLogs/NS/POD/CONTAINER, the kubelet's log endpoint the API server
// proxies pods/log to, from a usagetest.KubeAPI's logs.
func kubelet(api *usagetest.KubeAPI) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.TrimPrefix(r.URL.Path, "/containerLogs/"), "/")
		if len(parts) != 3 {
			http.NotFound(w, r)
			return
		}
		q := r.URL.Query()
		q.Set("container", parts[2])
		r2 := r.Clone(r.Context())
		r2.URL = &url.URL{Path: fmt.Sprintf("/api/v1/namespaces/%s/pods/%s/log", parts[0], parts[1]), RawQuery: q.Encode()}
		api.ServeHTTP(w, r2)
	})
}

func logLine(consumer string, at time.Time) usagetest.LogLine {
	return usagetest.LogLine{Time: at, Text: fmt.Sprintf(`{"ai_log":"{\"consumer\":\"%s\",\"model\":\"gpt-4o\",\"input_token\":100,\"output_token\":10}","response_code":"200","start_time":"%s"}`,
		consumer, at.UTC().Format("2006-01-02T15:04:05.000Z"))}
}

// TestPodLogsThroughTheAPIServer follows two gateway pods' logs through a real kube-apiserver:
// a Node whose kubelet endpoint is a loopback HTTPS server, so the API server's own pods/log
// proxying carries every line. One pod restarts on the way; nothing is lost or counted twice.
func TestPodLogsThroughTheAPIServer(t *testing.T) {
	kc := testenv.Kubeconfig(t)
	cs := testenv.Clientset(t, kc)
	ns := testenv.Namespace(t, kc)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	api := usagetest.NewKubeAPI()
	srv := httptest.NewTLSServer(kubelet(api))
	defer srv.Close()
	_, portText, _ := net.SplitHostPort(srv.Listener.Addr().String())
	port, _ := strconv.Atoi(portText)

	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: ns + "-node"}}
	node, err := cs.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.CoreV1().Nodes().Delete(context.Background(), node.Name, metav1.DeleteOptions{}) })
	node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}}
	node.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(port)
	node.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	if _, err := cs.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	gwLabels := map[string]string{"app": "higress-gateway"}
	setStatus := func(name string, restarts int32) {
		t.Helper()
		p, err := cs.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.Status.Phase = corev1.PodRunning
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "higress-gateway", Ready: true, RestartCount: restarts,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.Now()}}}}
		if _, err := cs.CoreV1().Pods(ns).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"gw-a", "gw-b"} {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: gwLabels},
			Spec: corev1.PodSpec{NodeName: node.Name, Containers: []corev1.Container{{Name: "higress-gateway", Image: "higress/gateway"}}}}
		if _, err := cs.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		setStatus(name, 0)
		api.AddPod(ns, name, gwLabels, "higress-gateway")
	}

	t0 := time.Now().Add(-time.Minute).Truncate(time.Second)
	api.Log("gw-a", logLine("alice", t0), logLine("alice", t0.Add(time.Second)))
	api.Log("gw-b", logLine("bob", t0), logLine("bob", t0.Add(time.Second)), logLine("bob", t0.Add(2*time.Second)))

	src := usage.PodSource{Client: cs, Namespace: ns, Selector: "app=higress-gateway", Resync: 500 * time.Millisecond, Retry: 200 * time.Millisecond,
		Warn: func(s string) { t.Log("warning: " + s) }}
	f := New(Options{Sources: []usage.Source{src}, Every: 50 * time.Millisecond, StreamEvery: 20 * time.Millisecond})
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	go f.Run(runCtx)

	waitFor := func(what string, ok func(*Snapshot) bool) *Snapshot {
		t.Helper()
		for {
			select {
			case s := <-f.Snapshots():
				if s.Err != nil {
					t.Fatalf("feed: %v", s.Err)
				}
				if ok(s) {
					return s
				}
			case <-ctx.Done():
				t.Fatalf("%s: not seen in time", what)
			}
		}
	}
	counts := func(s *Snapshot) map[string]int64 {
		out := map[string]int64{}
		for _, r := range s.Consumers {
			out[r.Name] = r.Requests
		}
		return out
	}
	waitFor("both pods' logs", func(s *Snapshot) bool { c := counts(s); return c["alice"] == 2 && c["bob"] == 3 })

	// gw-b restarts: its last line before the restart is only in the previous log.
	api.Log("gw-b", logLine("bob", t0.Add(3*time.Second)))
	setStatus("gw-b", 1)
	api.Restart("gw-b")
	api.Log("gw-b", logLine("carol", t0.Add(4*time.Second)))
	api.Log("gw-a", logLine("alice", t0.Add(5*time.Second)))
	s := waitFor("lines after the restart", func(s *Snapshot) bool {
		c := counts(s)
		return c["alice"] == 3 && c["bob"] == 4 && c["carol"] == 1
	})
	// A moment later nothing was counted twice.
	time.Sleep(time.Second)
	s = waitFor("a later snapshot", func(*Snapshot) bool { return true })
	if c := counts(s); c["alice"] != 3 || c["bob"] != 4 || c["carol"] != 1 || s.Requests != 8 {
		t.Errorf("counts %v, %d requests; want alice 3, bob 4, carol 1, 8 requests", c, s.Requests)
	}
	// The lines came through the API server's proxy: the kubelet saw its log requests.
	proxied := 0
	for _, r := range api.Requests() {
		if strings.HasSuffix(strings.Split(r, "?")[0], "/log") {
			proxied++
		}
	}
	if proxied < 3 {
		t.Errorf("the kubelet served %d log requests: %v", proxied, api.Requests())
	}
}
