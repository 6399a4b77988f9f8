package k8s

import (
	"reflect"
	"testing"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestRouteServices: a route's upstream services as service match rules name them, from the
// higress.io/destination annotation (pkg/ingress/kube/annotations/destination.go: "[weight%]
// host[:port] [subset]" per line) when set, else the backends.
func TestRouteServices(t *testing.T) {
	class := IngressClass
	backend := func(name string, port int32) networkingv1.IngressBackend {
		return networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: name, Port: networkingv1.ServiceBackendPort{Number: port}}}
	}
	ing := &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "gpt-4o", Namespace: "team-a"},
		Spec: networkingv1.IngressSpec{IngressClassName: &class, Rules: []networkingv1.IngressRule{{Host: "ai.example.com",
			IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: []networkingv1.HTTPIngressPath{
				{Backend: backend("llm", 8000)}, {Backend: backend("named-port", 0)}}}}}}},
	}
	r, ok := routeOf(ing, "higress-system")
	if !ok || !reflect.DeepEqual(r.Services, []string{"llm.team-a.svc.cluster.local:8000", "named-port.team-a.svc.cluster.local"}) {
		t.Fatalf("services %v", r.Services)
	}
	ing.Annotations = map[string]string{"higress.io/destination": "60% llm-openai.internal.dns:443\n40% llm-qwen.internal.dns:443 v1"}
	if r, _ := routeOf(ing, "higress-system"); !reflect.DeepEqual(r.Services, []string{"llm-openai.internal.dns:443", "llm-qwen.internal.dns:443"}) {
		t.Fatalf("services %v", r.Services)
	}
}
