package usage

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"k8s.io/client-go/kubernetes"
)

// SourceOptions say where the access log is read from: log files when LogFiles has any, else
// the logs of every gateway pod.
type SourceOptions struct {
	// LogFiles are access-log files, "-" for Stdin; a gzipped one is read transparently.
	LogFiles []string
	Stdin    io.Reader
	// Clientset gives the cluster's client; called only when pods are read.
	Clientset func() (kubernetes.Interface, error)
	// Namespace, Selector (default GatewaySelector) and Container (default GatewayContainer, or
	// the pod's only container) choose the gateway pods; Since starts their logs there.
	Namespace string
	Selector  string
	Container string
	Since     time.Time
	// Warn receives what could not be read but does not stop the reading (a pod whose log is not
	// there yet); it may be called from several goroutines.
	Warn func(string)
}

// ErrStdinTwice is Sources' error when standard input is named more than once.
var ErrStdinTwice = errors.New("standard input (-) given more than once")

// Sources returns the sources the options name, for Collect or Stream (which read them to the
// end or follow them). A log file that cannot be read is an error now, before anything is read.
func (o SourceOptions) Sources() ([]Source, error) {
	if len(o.LogFiles) > 0 {
		out := make([]Source, 0, len(o.LogFiles))
		stdin := 0
		for _, p := range o.LogFiles {
			if p == "-" {
				stdin++
			} else if st, err := os.Stat(p); err != nil {
				return nil, fmt.Errorf("cannot read log file %s: %w", p, unwrapPath(err))
			} else if st.IsDir() {
				return nil, fmt.Errorf("cannot read log file %s: is a directory", p)
			}
			out = append(out, FileSource{Path: p, Stdin: o.Stdin})
		}
		if stdin > 1 {
			return nil, ErrStdinTwice
		}
		return out, nil
	}
	if o.Clientset == nil {
		return nil, errors.New("no log files and no cluster to read gateway pods from")
	}
	cs, err := o.Clientset()
	if err != nil {
		return nil, err
	}
	sel := o.Selector
	if sel == "" {
		sel = GatewaySelector
	}
	return []Source{PodSource{Client: cs, Namespace: o.Namespace, Selector: sel, Container: o.Container, Since: o.Since, Warn: o.Warn}}, nil
}
