package usage

import (
	"bufio"
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/higress-ai/higress-ai/internal/k8s"
)

// Gateway defaults: the Higress gateway's pods, labels and container.
const (
	GatewaySelector  = "app=higress-gateway"
	GatewayContainer = "higress-gateway"
)

// PodSource reads the access log of every gateway pod: the pods matching Selector in Namespace,
// all at once. A pod whose gateway container restarted has its previous container's log read
// first (when not following), so a restart loses no requests still in the kubelet's keeping.
type PodSource struct {
	Client    kubernetes.Interface
	Namespace string
	Selector  string
	Container string // default: higress-gateway, or the pod's only container
	Since     time.Time
	// Warn receives what could not be read but does not stop the report (a previous log the
	// kubelet no longer has). It may be called from several goroutines.
	Warn func(string)
}

func (s PodSource) Name() string {
	return fmt.Sprintf("pods %s in namespace %s", s.Selector, s.Namespace)
}

func (s PodSource) Read(ctx context.Context, follow bool, fn func([]byte)) error {
	pods, err := s.Client.CoreV1().Pods(s.Namespace).List(ctx, metav1.ListOptions{LabelSelector: s.Selector})
	if err != nil {
		return k8s.ExplainFor(err, k8s.Pods, "list", "", s.Namespace)
	}
	if len(pods.Items) == 0 {
		return fmt.Errorf("no gateway pods match %q in namespace %s: set --selector or -n", s.Selector, s.Namespace)
	}
	var wg sync.WaitGroup
	errs := make([]error, len(pods.Items))
	for i := range pods.Items {
		pod := &pods.Items[i]
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.readPod(ctx, pod, follow, fn)
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

func (s PodSource) readPod(ctx context.Context, pod *corev1.Pod, follow bool, fn func([]byte)) error {
	container := s.container(pod)
	restarted := false
	for _, st := range pod.Status.ContainerStatuses {
		if st.Name == container && st.RestartCount > 0 {
			restarted = true
		}
	}
	if restarted && !follow {
		err := s.stream(ctx, pod.Name, &corev1.PodLogOptions{Container: container, Previous: true}, fn)
		if err != nil && s.Warn != nil {
			s.Warn(fmt.Sprintf("pod %s restarted; its previous log could not be read: %v", pod.Name, err))
		}
	}
	opts := &corev1.PodLogOptions{Container: container, Follow: follow}
	if !s.Since.IsZero() {
		t := metav1.NewTime(s.Since)
		opts.SinceTime = &t
	}
	return s.stream(ctx, pod.Name, opts, fn)
}

func (s PodSource) stream(ctx context.Context, pod string, opts *corev1.PodLogOptions, fn func([]byte)) error {
	rc, err := s.Client.CoreV1().Pods(s.Namespace).GetLogs(pod, opts).Stream(ctx)
	if err != nil {
		if apierrors.IsBadRequest(err) || apierrors.IsNotFound(err) {
			return fmt.Errorf("pod %s: %v", pod, err)
		}
		return k8s.ExplainFor(err, k8s.Pods, "get the log of", pod, s.Namespace)
	}
	defer rc.Close()
	_, err = scanLines(bufio.NewReaderSize(rc, 256<<10), fn)
	if err != nil && ctx.Err() != nil {
		return nil // following ended by the caller
	}
	if err != nil {
		return fmt.Errorf("reading the log of pod %s: %w", pod, err)
	}
	return nil
}
