package usage

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/higress-ai/higress-ai/internal/k8s"
)

// Gateway defaults: the Higress gateway's pods, labels and container.
const (
	GatewaySelector  = "app=higress-gateway"
	GatewayContainer = "higress-gateway"
)

// PodSource reads the access log of every gateway pod: the pods matching Selector in Namespace,
// all at once.
//
// Read to the end, it reads each pod's current log (from Since when set) and, for a pod whose
// gateway container restarted, the previous container's log first: the kubelet keeps that one
// log, so a single restart loses no requests (older containers' logs are gone). A pod whose log
// cannot be read (its container has not started yet, or the pod went away) is reported to Warn
// and left out.
//
// Followed, it streams every pod's log with the kubelet's timestamps and keeps going: a stream
// that ends (the container restarted, the connection dropped) is resumed from the time of the
// last line passed on, lines already passed on are not passed again, a restarted container's last
// lines are read from its previous log, and the pods are listed again every Resync to follow new
// ones (a rollout). It ends when ctx is cancelled, or on an error no retry can mend (no right to
// read pods or logs).
type PodSource struct {
	Client    kubernetes.Interface
	Namespace string
	Selector  string
	Container string // default: higress-gateway, or the pod's only container
	Since     time.Time
	// Warn receives what could not be read but does not stop the report. It may be called from
	// several goroutines.
	Warn func(string)
	// Resync is how often a followed source lists the pods again (default 10 s); Retry how long it
	// waits before resuming an ended stream (default 1 s, growing to 10 s while it keeps failing).
	Resync, Retry time.Duration
}

func (s PodSource) Name() string {
	return fmt.Sprintf("pods %s in namespace %s", s.Selector, s.Namespace)
}

func (s PodSource) warn(format string, args ...any) {
	if s.Warn != nil {
		s.Warn(fmt.Sprintf(format, args...))
	}
}

func (s PodSource) Read(ctx context.Context, follow bool, newLine func() func([]byte)) error {
	pods, err := s.Client.CoreV1().Pods(s.Namespace).List(ctx, metav1.ListOptions{LabelSelector: s.Selector})
	if err != nil {
		return k8s.ExplainFor(err, k8s.Pods, "list", "", s.Namespace)
	}
	if len(pods.Items) == 0 {
		return fmt.Errorf("no gateway pods match %q in namespace %s: set --selector or -n", s.Selector, s.Namespace)
	}
	if follow {
		return s.followAll(ctx, pods.Items, newLine)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(pods.Items))
	for i := range pods.Items {
		pod := &pods.Items[i]
		fn := newLine()
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.readPod(ctx, pod, fn)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (s PodSource) container(pod *corev1.Pod) string {
	if s.Container != "" {
		return s.Container
	}
	for _, c := range pod.Spec.Containers {
		if c.Name == GatewayContainer {
			return c.Name
		}
	}
	if len(pod.Spec.Containers) == 1 {
		return pod.Spec.Containers[0].Name
	}
	return GatewayContainer
}

func restarts(pod *corev1.Pod, container string) int32 {
	for _, st := range pod.Status.ContainerStatuses {
		if st.Name == container {
			return st.RestartCount
		}
	}
	return 0
}

// skippable reports an error that concerns one pod only: its container is not running yet, or
// the pod or its previous log is gone.
func skippable(err error) bool { return apierrors.IsBadRequest(err) || apierrors.IsNotFound(err) }

// readPod reads one pod's logs to the end.
func (s PodSource) readPod(ctx context.Context, pod *corev1.Pod, fn func([]byte)) error {
	container := s.container(pod)
	var since *metav1.Time
	if !s.Since.IsZero() {
		t := metav1.NewTime(s.Since)
		since = &t
	}
	if restarts(pod, container) > 0 {
		err := s.stream(ctx, pod.Name, &corev1.PodLogOptions{Container: container, Previous: true, SinceTime: since}, fn)
		if err != nil {
			if !skippable(err) {
				return s.explain(err, pod.Name)
			}
			s.warn("pod %s restarted; its previous log could not be read: %v", pod.Name, err)
		}
	}
	err := s.stream(ctx, pod.Name, &corev1.PodLogOptions{Container: container, SinceTime: since}, fn)
	switch {
	case err == nil:
		return nil
	case skippable(err):
		s.warn("pod %s left out: %v", pod.Name, err)
		return nil
	}
	return s.explain(err, pod.Name)
}

func (s PodSource) explain(err error, pod string) error {
	if isReadError(err) {
		return err
	}
	return k8s.ExplainFor(err, k8s.Pods, "get the log of", pod, s.Namespace)
}

// readError is a failure while reading a log stream that had begun.
type readError struct{ err error }

func (e readError) Error() string { return e.err.Error() }
func (e readError) Unwrap() error { return e.err }

func isReadError(err error) bool { var re readError; return errors.As(err, &re) }

// stream reads one log request to its end, calling fn for each line.
func (s PodSource) stream(ctx context.Context, pod string, opts *corev1.PodLogOptions, fn func([]byte)) error {
	rc, err := s.Client.CoreV1().Pods(s.Namespace).GetLogs(pod, opts).Stream(ctx)
	if err != nil {
		return err
	}
	defer rc.Close()
	err = scanLines(bufio.NewReaderSize(rc, readBuffer), fn)
	if err != nil && ctx.Err() != nil {
		return nil // ended by the caller
	}
	if err != nil {
		return readError{fmt.Errorf("reading the log of pod %s: %w", pod, err)}
	}
	return nil
}

// followAll follows every pod, and the new ones each Resync, until ctx ends or one fails for good.
func (s PodSource) followAll(ctx context.Context, pods []corev1.Pod, newLine func() func([]byte)) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	// Pods are followed once each, by UID: a pod still listed after its log ended (terminating) is
	// not read again.
	following := map[types.UID]bool{}
	start := func(pod *corev1.Pod) {
		if following[pod.UID] {
			return
		}
		following[pod.UID] = true
		fn := newLine()
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.followPod(ctx, pod, fn); err != nil {
				cancel(err)
			}
		}()
	}
	for i := range pods {
		start(&pods[i])
	}
	resync := s.Resync
	if resync <= 0 {
		resync = 10 * time.Second
	}
	tick := time.NewTicker(resync)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			wg.Wait()
			if err := context.Cause(ctx); !errors.Is(err, context.Canceled) {
				return err
			}
			return nil
		case <-tick.C:
			list, err := s.Client.CoreV1().Pods(s.Namespace).List(ctx, metav1.ListOptions{LabelSelector: s.Selector})
			if err != nil {
				if ctx.Err() == nil {
					s.warn("listing gateway pods: %v", k8s.ExplainFor(err, k8s.Pods, "list", "", s.Namespace))
				}
				continue
			}
			for i := range list.Items {
				// A pod that appeared since the first list: all of its log (from Since) is new.
				start(&list.Items[i])
			}
		}
	}
}

// follower passes on the lines of one pod's timestamped log streams, once each.
type follower struct {
	fn   func([]byte)
	last time.Time // the kubelet's time of the last line passed on
	// resuming is set while a resumed stream repeats lines up to last.
	resuming bool
}

func (f *follower) line(l []byte) {
	sp := bytes.IndexByte(l, ' ')
	if sp < 0 {
		if len(l) > 0 {
			if _, err := time.Parse(time.RFC3339Nano, string(l)); err == nil {
				return // a stamped empty line
			}
		}
		f.fn(l)
		return
	}
	t, err := time.Parse(time.RFC3339Nano, string(l[:sp]))
	if err != nil {
		f.fn(l)
		return
	}
	if f.resuming {
		if !t.After(f.last) {
			return
		}
		f.resuming = false
	}
	f.last = t
	f.fn(l[sp+1:])
}

// from returns the sinceTime of the next stream, and marks the lines up to last to be dropped.
func (f *follower) from(since time.Time) *metav1.Time {
	if f.last.IsZero() {
		if since.IsZero() {
			return nil
		}
		t := metav1.NewTime(since)
		return &t
	}
	f.resuming = true
	// sinceTime has whole seconds: the stream repeats the last second's lines, dropped above.
	t := metav1.NewTime(f.last.Truncate(time.Second))
	return &t
}

// get reads one pod through list, the verb usage needs anyway.
func (s PodSource) get(ctx context.Context, name string) (*corev1.Pod, error) {
	list, err := s.Client.CoreV1().Pods(s.Namespace).List(ctx, metav1.ListOptions{FieldSelector: "metadata.name=" + name})
	switch {
	case err != nil:
		return nil, err
	case len(list.Items) == 0:
		return nil, apierrors.NewNotFound(corev1.Resource("pods"), name)
	}
	return &list.Items[0], nil
}

// followPod follows one pod's log, from its start (or Since), until ctx ends or the pod is gone.
func (s PodSource) followPod(ctx context.Context, pod *corev1.Pod, fn func([]byte)) error {
	container := s.container(pod)
	seenRestarts := restarts(pod, container)
	f := &follower{fn: fn}
	retry := s.Retry
	if retry <= 0 {
		retry = time.Second
	}
	wait := retry
	for {
		err := s.stream(ctx, pod.Name, &corev1.PodLogOptions{Container: container, Follow: true, Timestamps: true, SinceTime: f.from(s.Since)}, f.line)
		if ctx.Err() != nil {
			return nil
		}
		if apierrors.IsForbidden(err) || apierrors.IsUnauthorized(err) {
			return s.explain(err, pod.Name)
		}
		// The stream ended: the container restarted or is not running yet, the pod is going away,
		// or the connection dropped.
		cur, getErr := s.get(ctx, pod.Name)
		switch {
		case ctx.Err() != nil:
			return nil
		case apierrors.IsForbidden(getErr) || apierrors.IsUnauthorized(getErr):
			return k8s.ExplainFor(getErr, k8s.Pods, "list", "", s.Namespace)
		case apierrors.IsNotFound(getErr) || (getErr == nil && cur.UID != pod.UID):
			return nil // gone, or replaced by a pod of the same name that a resync will find
		case getErr == nil && (cur.Status.Phase == corev1.PodSucceeded || cur.Status.Phase == corev1.PodFailed):
			return nil
		case getErr == nil:
			if n := restarts(cur, container); n > seenRestarts {
				seenRestarts = n
				// What the old container wrote after the last line read is in its previous log.
				perr := s.stream(ctx, pod.Name, &corev1.PodLogOptions{Container: container, Previous: true, Timestamps: true, SinceTime: f.from(s.Since)}, f.line)
				if perr != nil && ctx.Err() == nil {
					s.warn("pod %s restarted; the end of its previous log could not be read: %v", pod.Name, perr)
				}
				// Then the new container's log, at once.
				wait = retry
				continue
			}
		}
		if err == nil && getErr == nil {
			wait = retry // a clean end: try again soon
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, max(10*time.Second, retry))
	}
}
