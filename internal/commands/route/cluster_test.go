package route

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/higress-ai/higress-ai/internal/commands/cmdtest"
	"github.com/higress-ai/higress-ai/internal/commands/consumer"
	"github.com/higress-ai/higress-ai/internal/gateway"
	"github.com/higress-ai/higress-ai/internal/testenv"
)

func ingress(ns, name, class, host string) *networkingv1.Ingress {
	ing := &networkingv1.Ingress{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}}
	if class != "" {
		ing.Spec.IngressClassName = &class
	}
	prefix := networkingv1.PathTypePrefix
	backend := networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: "llm", Port: networkingv1.ServiceBackendPort{Number: 80}}}
	ing.Spec.Rules = []networkingv1.IngressRule{{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
		Paths: []networkingv1.HTTPIngressPath{{Path: "/", PathType: &prefix, Backend: backend}},
	}}}}
	return ing
}

// TestClusterRoutesAcrossNamespaces: Higress runs in one test namespace, a team's Ingress lives in
// another; concurrent binds keep every consumer and route list names both as Higress does.
func TestClusterRoutesAcrossNamespaces(t *testing.T) {
	kc := testenv.Kubeconfig(t)
	higressNS := testenv.Namespace(t, kc)
	teamNS := testenv.Namespace(t, kc)
	cs := testenv.Clientset(t, kc)
	ctx := context.Background()
	for _, ing := range []*networkingv1.Ingress{
		ingress(higressNS, "gpt-4o", "higress", ""),
		ingress(teamNS, "deepseek", "higress", "deepseek.example.com"),
		ingress(teamNS, "web", "nginx", ""),
	} {
		if _, err := cs.NetworkingV1().Ingresses(ing.Namespace).Create(ctx, ing, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	const consumers = 12
	for i := 0; i < consumers; i++ {
		if err := cmdtest.NewCluster(t, kc, higressNS).Run(consumer.NewCmdConsumer(cmdtest.NewCluster(t, kc, higressNS).Factory), "add", fmt.Sprintf("user-%02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	teamRoute := teamNS + "/deepseek"
	var wg sync.WaitGroup
	for i := 0; i < consumers; i++ {
		tf := cmdtest.NewCluster(t, kc, higressNS)
		route := "gpt-4o"
		if i%2 == 1 {
			route = teamRoute
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := run(tf, "bind", route, "-c", fmt.Sprintf("user-%02d", i)); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()

	tf := cmdtest.NewCluster(t, kc, higressNS)
	got := listJSON(t, tf)
	even, odd := []string{}, []string{}
	for _, n := range got["gpt-4o"].Consumers {
		even = append(even, n)
	}
	for _, n := range got[teamRoute].Consumers {
		odd = append(odd, n)
	}
	if len(even) != consumers/2 || len(odd) != consumers/2 {
		t.Fatalf("consumers kept: gpt-4o %v, %s %v", even, teamRoute, odd)
	}
	if in := got[teamRoute]; !in.Ingress || in.Namespace != teamNS || !reflect.DeepEqual(in.Hosts, []string{"deepseek.example.com"}) || in.Auth != gateway.AuthOn {
		t.Fatalf("team route: %+v", in)
	}
	if in := got["gpt-4o"]; !in.Ingress || in.Namespace != higressNS {
		t.Fatalf("gpt-4o: %+v", in)
	}
	if _, ok := got[teamNS+"/web"]; ok {
		t.Fatal("an nginx Ingress is listed")
	}

	// Concurrent unbinds of all but one consumer per route.
	var wg2 sync.WaitGroup
	for i := 2; i < consumers; i++ {
		tf := cmdtest.NewCluster(t, kc, higressNS)
		route := "gpt-4o"
		if i%2 == 1 {
			route = teamRoute
		}
		wg2.Add(1)
		go func(i int) {
			defer wg2.Done()
			if err := run(tf, "unbind", route, "-c", fmt.Sprintf("user-%02d", i)); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg2.Wait()
	got = listJSON(t, cmdtest.NewCluster(t, kc, higressNS))
	if !reflect.DeepEqual(got["gpt-4o"].Consumers, []string{"user-00"}) || !reflect.DeepEqual(got[teamRoute].Consumers, []string{"user-01"}) {
		t.Fatalf("after unbinds: %v / %v", got["gpt-4o"].Consumers, got[teamRoute].Consumers)
	}
	// The viewer may read WasmPlugins but not Ingresses: the list still shows the rules' routes.
	viewer := cmdtest.NewCluster(t, testenv.ViewerKubeconfig(t), higressNS)
	viewerList := listJSON(t, viewer)
	if _, ok := viewerList["gpt-4o"]; !ok || len(viewerList) != 2 {
		t.Fatalf("viewer list: %v", viewerList)
	}
}
