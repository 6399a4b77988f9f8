package k8s

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"
)

// IngressClass is the ingress class Higress serves by default.
const IngressClass = "higress"

// Route is an Ingress Higress serves, named as Higress names it in match rules: bare in Higress's
// own namespace, namespace/name elsewhere.
type Route struct {
	Name      string   `json:"name"`
	Namespace string   `json:"namespace"`
	Ingress   string   `json:"ingress"`
	Hosts     []string `json:"hosts,omitempty"`
	// Services are the upstream services the route sends to, as match rules name them
	// ("fqdn" or "fqdn:port"): the higress.io/destination annotation's addresses when set, else the
	// Ingress backends (name.namespace.svc.cluster.local, with the port when it is a number).
	Services []string `json:"services,omitempty"`
}

// RouteName is the name Higress gives the Ingress namespace/name when Higress runs in
// higressNamespace.
func RouteName(higressNamespace, namespace, name string) string {
	if namespace == higressNamespace {
		return name
	}
	return namespace + "/" + name
}

func routeOf(ing *networkingv1.Ingress, higressNamespace string) (Route, bool) {
	class := ing.Annotations["kubernetes.io/ingress.class"]
	if ing.Spec.IngressClassName != nil {
		class = *ing.Spec.IngressClassName
	}
	if class != IngressClass {
		return Route{}, false
	}
	ns := ing.Namespace
	if ns == "" {
		ns = "default"
	}
	r := Route{Name: RouteName(higressNamespace, ns, ing.Name), Namespace: ns, Ingress: ing.Name}
	for _, rule := range ing.Spec.Rules {
		if rule.Host != "" {
			r.Hosts = append(r.Hosts, rule.Host)
		}
	}
	r.Services = servicesOf(ing, ns)
	return r, true
}

// servicesOf lists the upstream services of an Ingress as Higress routes it: the addresses of
// higress.io/destination ("[weight%] host[:port] [subset]" per line, pkg/ingress/kube/annotations/
// destination.go), else every backend service.
func servicesOf(ing *networkingv1.Ingress, ns string) []string {
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if dest := ing.Annotations["higress.io/destination"]; dest != "" {
		for _, line := range strings.Split(dest, "\n") {
			fields := strings.Fields(line)
			if len(fields) > 0 && strings.HasSuffix(fields[0], "%") {
				fields = fields[1:]
			}
			if len(fields) > 0 {
				add(fields[0])
			}
		}
		return out
	}
	backend := func(b *networkingv1.IngressBackend) {
		if b == nil || b.Service == nil || b.Service.Name == "" {
			return
		}
		fqdn := b.Service.Name + "." + ns + ".svc.cluster.local"
		if b.Service.Port.Number > 0 {
			fqdn += ":" + strconv.Itoa(int(b.Service.Port.Number))
		}
		add(fqdn)
	}
	backend(ing.Spec.DefaultBackend)
	for _, rule := range ing.Spec.Rules {
		if rule.HTTP == nil {
			continue
		}
		for i := range rule.HTTP.Paths {
			backend(&rule.HTTP.Paths[i].Backend)
		}
	}
	return out
}

func sortRoutes(routes []Route) {
	sort.Slice(routes, func(i, j int) bool { return routes[i].Name < routes[j].Name })
}

// ListRoutes lists the Ingresses of class higress in every namespace of a cluster.
func ListRoutes(ctx context.Context, cs kubernetes.Interface, higressNamespace string) ([]Route, error) {
	list, err := cs.NetworkingV1().Ingresses(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, ExplainFor(err, Ingresses, "list", "", "")
	}
	var routes []Route
	for i := range list.Items {
		if r, ok := routeOf(&list.Items[i], higressNamespace); ok {
			routes = append(routes, r)
		}
	}
	sortRoutes(routes)
	return routes, nil
}

// mayBeIngress skips, without parsing it, a document that cannot be an Ingress (a large key-auth
// plugin is most of a folder): its text would have to spell Ingress, or use an escape or a tag.
func mayBeIngress(text string) bool {
	return strings.Contains(text, "Ingress") || strings.Contains(text, "\\") || strings.Contains(text, "!!")
}

// Routes lists the Ingress documents of class higress in the folder.
func (s *DirStore) Routes(higressNamespace string) ([]Route, error) {
	files, err := s.files()
	if err != nil {
		return nil, err
	}
	var routes []Route
	for _, f := range files {
		raw, err := readFile(f)
		if err != nil {
			return nil, err
		}
		for i, text := range splitDocuments(raw).docs {
			if !mayBeIngress(text) {
				continue
			}
			js, err := yaml.YAMLToJSON([]byte(text))
			if err != nil {
				continue // not YAML (a template, say): no Ingress anyone applies
			}
			if h, _ := headerOf(js); h.Kind != "Ingress" || !strings.HasPrefix(h.APIVersion, "networking.k8s.io/") {
				continue
			}
			var ing networkingv1.Ingress
			if err := json.Unmarshal(js, &ing); err != nil {
				return nil, fmt.Errorf("%s (document %d): not a valid Ingress", f, i+1)
			}
			if r, ok := routeOf(&ing, higressNamespace); ok {
				routes = append(routes, r)
			}
		}
	}
	sortRoutes(routes)
	return routes, nil
}
