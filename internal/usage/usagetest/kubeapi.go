package usagetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// KubeAPI answers the few kube-apiserver endpoints a pod-log reader uses, as the API does:
//
//	GET /api/v1/namespaces/NS/pods?labelSelector=SEL   a PodList (fieldSelector metadata.name too)
//	GET /api/v1/namespaces/NS/pods/NAME                a Pod, or a 404 Status
//	GET /api/v1/namespaces/NS/pods/NAME/log            text/plain, with the query parameters
//	    container, previous, follow, timestamps, sinceTime and sinceSeconds
//
// Errors are Status objects with the codes and messages the API server and kubelet give: a
// container that is not the pod's, none named in a pod of several, a previous log of a container
// that never restarted, a container still waiting to start, sinceTime and sinceSeconds together.
// A followed log streams new lines as Log appends them and ends when the container restarts or the
// pod is deleted, as the kubelet's stream does.
type KubeAPI struct {
	mu       sync.Mutex
	pods     []*fakePod
	requests []string
	changed  chan struct{} // closed and replaced on every change
	// Now is the API server's clock for sinceSeconds (default time.Now).
	Now func() time.Time
}

// LogLine is one line of a container's log and the time the kubelet stamped it with.
type LogLine struct {
	Time time.Time
	Text string
}

type fakePod struct {
	namespace, name string
	uid             types.UID
	labels          map[string]string
	containers      []string
	logs            string // the container with logs
	started         bool
	restarts        int32
	prevGone        bool // the kubelet no longer has the previous log
	cur, prev       []LogLine
	gen             int // bumped when the container restarts: its streams end
}

// NewKubeAPI returns an API server with no pods.
func NewKubeAPI() *KubeAPI { return &KubeAPI{changed: make(chan struct{}), Now: time.Now} }

// AddPod adds a running pod. The log Log writes to is its container named higress-gateway, or
// its first; its other containers' logs are empty.
func (a *KubeAPI) AddPod(namespace, name string, podLabels map[string]string, containers ...string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	logs := containers[0]
	if slices.Contains(containers, "higress-gateway") {
		logs = "higress-gateway"
	}
	a.pods = append(a.pods, &fakePod{namespace: namespace, name: name, uid: types.UID(fmt.Sprintf("uid-%s-%d", name, len(a.pods))),
		labels: podLabels, containers: containers, logs: logs, started: true})
	a.notify()
}

// AddWaitingPod adds a pod whose container has not started yet (ContainerCreating); Start starts it.
func (a *KubeAPI) AddWaitingPod(namespace, name string, podLabels map[string]string, containers ...string) {
	a.AddPod(namespace, name, podLabels, containers...)
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pods[len(a.pods)-1].started = false
}

// Start starts a waiting pod's container.
func (a *KubeAPI) Start(pod string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pod(pod).started = true
	a.notify()
}

// Log appends lines to a pod's current container log, waking the streams that follow it.
func (a *KubeAPI) Log(pod string, lines ...LogLine) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.pod(pod)
	p.cur = append(p.cur, lines...)
	a.notify()
}

// Restart restarts a pod's container: its log becomes the previous log, a new one begins, and the
// streams of the old one end.
func (a *KubeAPI) Restart(pod string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := a.pod(pod)
	p.prev, p.cur, p.prevGone = p.cur, nil, false
	p.restarts++
	p.gen++
	a.notify()
}

// ForgetPrevious makes a restarted pod's previous log unavailable, as after a second restart or
// the kubelet's garbage collection.
func (a *KubeAPI) ForgetPrevious(pod string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pod(pod).prevGone = true
}

// Drop ends the streams of a pod's log without a restart, as a dropped connection does.
func (a *KubeAPI) Drop(pod string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pod(pod).gen++
	a.notify()
}

// Delete removes a pod; its streams end.
func (a *KubeAPI) Delete(pod string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pods = slices.DeleteFunc(a.pods, func(p *fakePod) bool { return p.name == pod })
	a.notify()
}

// Requests returns the requests served so far, as path?query.
func (a *KubeAPI) Requests() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.requests)
}

func (a *KubeAPI) pod(name string) *fakePod {
	for _, p := range a.pods {
		if p.name == name {
			return p
		}
	}
	panic("usagetest: no pod " + name)
}

func (a *KubeAPI) find(namespace, name string) *fakePod {
	for _, p := range a.pods {
		if p.namespace == namespace && p.name == name {
			return p
		}
	}
	return nil
}

func (a *KubeAPI) notify() {
	close(a.changed)
	a.changed = make(chan struct{})
}

func (p *fakePod) object() corev1.Pod {
	pod := corev1.Pod{
		TypeMeta:   metav1.TypeMeta{Kind: "Pod", APIVersion: "v1"},
		ObjectMeta: metav1.ObjectMeta{Name: p.name, Namespace: p.namespace, UID: p.uid, Labels: p.labels, ResourceVersion: strconv.Itoa(p.gen + 1)},
		Status:     corev1.PodStatus{Phase: corev1.PodRunning},
	}
	for _, c := range p.containers {
		pod.Spec.Containers = append(pod.Spec.Containers, corev1.Container{Name: c, Image: "higress-registry.cn-hangzhou.cr.aliyuncs.com/higress/gateway:2.1.9"})
		st := corev1.ContainerStatus{Name: c, Ready: true, Image: "gateway", ImageID: "sha256:0"}
		if c == p.logs {
			st.RestartCount = p.restarts
			if !p.started {
				st.Ready = false
				st.State.Waiting = &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}
				pod.Status.Phase = corev1.PodPending
			} else {
				st.State.Running = &corev1.ContainerStateRunning{}
			}
		}
		pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, st)
	}
	return pod
}

func status(w http.ResponseWriter, code int, reason metav1.StatusReason, format string, args ...any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(metav1.Status{
		TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
		Status:   metav1.StatusFailure, Message: fmt.Sprintf(format, args...), Reason: reason, Code: int32(code),
	})
}

func (a *KubeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	a.requests = append(a.requests, r.URL.Path+"?"+r.URL.RawQuery)
	a.mu.Unlock()
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if r.Method != http.MethodGet || len(parts) < 5 || parts[0] != "api" || parts[1] != "v1" || parts[2] != "namespaces" || parts[4] != "pods" || len(parts) > 7 {
		status(w, http.StatusNotFound, metav1.StatusReasonNotFound, "the server could not find the requested resource")
		return
	}
	ns := parts[3]
	switch len(parts) {
	case 5:
		a.list(w, r, ns)
	case 6:
		a.mu.Lock()
		p := a.find(ns, parts[5])
		var obj corev1.Pod
		if p != nil {
			obj = p.object()
		}
		a.mu.Unlock()
		if p == nil {
			status(w, http.StatusNotFound, metav1.StatusReasonNotFound, "pods %q not found", parts[5])
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(obj)
	case 7:
		if parts[6] != "log" {
			status(w, http.StatusNotFound, metav1.StatusReasonNotFound, "the server could not find the requested resource")
			return
		}
		a.log(w, r, ns, parts[5])
	}
}

func (a *KubeAPI) list(w http.ResponseWriter, r *http.Request, ns string) {
	sel, err := labels.Parse(r.URL.Query().Get("labelSelector"))
	if err != nil {
		status(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "unable to parse requirement: %v", err)
		return
	}
	fieldSel, err := fields.ParseSelector(r.URL.Query().Get("fieldSelector"))
	if err != nil {
		status(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "invalid field selector: %v", err)
		return
	}
	list := corev1.PodList{TypeMeta: metav1.TypeMeta{Kind: "PodList", APIVersion: "v1"}, ListMeta: metav1.ListMeta{ResourceVersion: "42"}}
	a.mu.Lock()
	for _, p := range a.pods {
		podFields := fields.Set{"metadata.name": p.name, "metadata.namespace": p.namespace}
		if p.namespace == ns && sel.Matches(labels.Set(p.labels)) && fieldSel.Matches(podFields) {
			list.Items = append(list.Items, p.object())
		}
	}
	a.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(list)
}

func boolParam(q map[string][]string, name string) (bool, error) {
	v := q[name]
	if len(v) == 0 || v[0] == "" {
		return false, nil
	}
	return strconv.ParseBool(v[0])
}

func (a *KubeAPI) log(w http.ResponseWriter, r *http.Request, ns, name string) {
	q := r.URL.Query()
	var follow, previous, timestamps bool
	var err error
	for _, b := range []struct {
		name string
		v    *bool
	}{{"follow", &follow}, {"previous", &previous}, {"timestamps", &timestamps}} {
		if *b.v, err = boolParam(q, b.name); err != nil {
			status(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "invalid %s: %v", b.name, err)
			return
		}
	}
	var since time.Time
	switch st, ss := q.Get("sinceTime"), q.Get("sinceSeconds"); {
	case st != "" && ss != "":
		status(w, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid, "PodLogOptions \"\" is invalid: sinceSeconds: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified")
		return
	case st != "":
		if since, err = time.Parse(time.RFC3339, st); err != nil {
			status(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "invalid sinceTime %q", st)
			return
		}
	case ss != "":
		n, err := strconv.ParseInt(ss, 10, 64)
		if err != nil || n < 1 {
			status(w, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid, "PodLogOptions \"\" is invalid: sinceSeconds: Invalid value: %q: must be greater than 0", ss)
			return
		}
		since = a.Now().Add(-time.Duration(n) * time.Second)
	}

	a.mu.Lock()
	p := a.find(ns, name)
	if p == nil {
		a.mu.Unlock()
		status(w, http.StatusNotFound, metav1.StatusReasonNotFound, "pods %q not found", name)
		return
	}
	container := q.Get("container")
	if container == "" {
		if len(p.containers) > 1 {
			a.mu.Unlock()
			status(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "a container name must be specified for pod %s, choose one of: %v", name, p.containers)
			return
		}
		container = p.containers[0]
	}
	if !slices.Contains(p.containers, container) {
		a.mu.Unlock()
		status(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "container %s is not valid for pod %s", container, name)
		return
	}
	var lines []LogLine
	switch {
	case container != p.logs:
		// A sidecar: its log has nothing of interest.
	case previous && (p.restarts == 0 || p.prevGone):
		a.mu.Unlock()
		status(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "previous terminated container %q in pod %q not found", container, name)
		return
	case !p.started:
		a.mu.Unlock()
		status(w, http.StatusBadRequest, metav1.StatusReasonBadRequest, "container %q in pod %q is waiting to start: ContainerCreating", container, name)
		return
	case previous:
		lines, follow = p.prev, false
	default:
		lines = p.cur
	}
	gen, sent, changed := p.gen, len(lines), a.changed
	a.mu.Unlock()

	w.Header().Set("Content-Type", "text/plain")
	write := func(lines []LogLine) {
		for _, l := range lines {
			if !since.IsZero() && l.Time.Before(since) {
				continue
			}
			if timestamps {
				fmt.Fprintf(w, "%s %s\n", l.Time.UTC().Format(time.RFC3339Nano), l.Text)
			} else {
				fmt.Fprintln(w, l.Text)
			}
		}
		w.(http.Flusher).Flush()
	}
	write(lines)
	for follow && container == p.logs {
		select {
		case <-changed:
		case <-r.Context().Done():
			return
		}
		a.mu.Lock()
		if a.find(ns, name) != p || p.gen != gen {
			a.mu.Unlock()
			return // deleted, restarted or dropped: the stream ends
		}
		lines = slices.Clone(p.cur[sent:])
		sent, changed = len(p.cur), a.changed
		a.mu.Unlock()
		write(lines)
	}
}
