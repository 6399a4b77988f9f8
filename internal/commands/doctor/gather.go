package doctor

import (
	"bufio"
	"context"
	"strings"

	authv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/doctor"
	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/usage"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// access is one verb the tool uses, checked with a SelfSubjectAccessReview.
type access struct {
	verb, group, resource, sub string
	clusterWide                bool
}

// needed is what the README's RBAC manifest grants.
var needed = []access{
	{verb: "get", group: "extensions.higress.io", resource: "wasmplugins"},
	{verb: "list", group: "extensions.higress.io", resource: "wasmplugins"},
	{verb: "create", group: "extensions.higress.io", resource: "wasmplugins"},
	{verb: "update", group: "extensions.higress.io", resource: "wasmplugins"},
	{verb: "list", resource: "pods"},
	{verb: "get", resource: "pods", sub: "log"},
	{verb: "list", group: "networking.k8s.io", resource: "ingresses", clusterWide: true},
	{verb: "get", resource: "configmaps"},
}

// gatherCluster reads what only the cluster can tell: the CRD, what the user may do, the access
// log's format and the gateway's recent log. What cannot be read is left unknown, never guessed.
func gatherCluster(ctx context.Context, cs kubernetes.Interface, ns, contextName, server string) *doctor.Cluster {
	c := &doctor.Cluster{Context: contextName, Server: server}
	if list, err := cs.Discovery().ServerResourcesForGroupVersion(k8s.APIVersion); err == nil {
		for _, r := range list.APIResources {
			if r.Name == k8s.WasmPluginGVR.Resource {
				c.CRD = true
			}
		}
	}
	for _, a := range needed {
		attr := &authv1.ResourceAttributes{Verb: a.verb, Group: a.group, Resource: a.resource, Subresource: a.sub}
		if !a.clusterWide {
			attr.Namespace = ns
		}
		review, err := cs.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, &authv1.SelfSubjectAccessReview{Spec: authv1.SelfSubjectAccessReviewSpec{ResourceAttributes: attr}}, metav1.CreateOptions{})
		if err == nil && !review.Status.Allowed {
			res := a.resource
			if a.sub != "" {
				res += "/" + a.sub
			}
			c.Denied = append(c.Denied, a.verb+" "+res)
		}
	}
	if cm, err := cs.CoreV1().ConfigMaps(ns).Get(ctx, "higress-config", metav1.GetOptions{}); err == nil {
		var mesh struct {
			AccessLogFormat string `json:"accessLogFormat"`
		}
		if yaml.Unmarshal([]byte(cm.Data["mesh"]), &mesh) == nil {
			c.AccessLogFormat, c.AccessLogFormatKnown = mesh.AccessLogFormat, true
		}
	}
	c.GatewayLog = gatewayLog(ctx, cs, ns)
	return c
}

// gatewayLog is the last lines of each gateway pod's log that are not access-log lines (those are
// JSON objects): where Envoy reports a plugin it could not load.
func gatewayLog(ctx context.Context, cs kubernetes.Interface, ns string) []string {
	pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: usage.GatewaySelector})
	if err != nil {
		return nil
	}
	out := []string{}
	tail := int64(500)
	for _, p := range pods.Items {
		opts := &corev1.PodLogOptions{TailLines: &tail}
		if len(p.Spec.Containers) > 1 {
			opts.Container = "higress-gateway"
		}
		rc, err := cs.CoreV1().Pods(ns).GetLogs(p.Name, opts).Stream(ctx)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(rc)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "{") {
				out = append(out, line)
			}
		}
		_ = rc.Close()
	}
	return out
}

// gather takes the snapshot: the plugins and routes from the store, the cluster's facts when
// there is a cluster.
func gather(ctx context.Context, store k8s.Store, ns string, routes func() ([]k8s.Route, error), cluster func() *doctor.Cluster) (doctor.Gateway, error) {
	g := doctor.Gateway{Namespace: ns}
	if cluster != nil {
		g.Cluster = cluster()
		if !g.Cluster.CRD {
			return g, nil
		}
	}
	objs, err := store.List(ctx, ns)
	if err != nil {
		return g, err
	}
	for _, o := range objs {
		g.Plugins = append(g.Plugins, wasmplugin.Plugin{Obj: o})
	}
	if r, err := routes(); err == nil {
		g.Routes, g.RoutesKnown = r, true
	} else if !apierrors.IsForbidden(err) {
		return g, err
	}
	return g, nil
}
