package k8s

import (
	"context"
	"fmt"
	"os"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Deleter is a store that can delete a WasmPlugin (plugin uninstall). Deleting with a
// resourceVersion fails with a Conflict when the object changed since it was read.
type Deleter interface {
	Delete(ctx context.Context, namespace, name, resourceVersion string, opts WriteOptions) error
}

func (s *ClusterStore) Delete(ctx context.Context, namespace, name, resourceVersion string, opts WriteOptions) error {
	o := metav1.DeleteOptions{}
	if resourceVersion != "" {
		o.Preconditions = &metav1.Preconditions{ResourceVersion: &resourceVersion}
	}
	if opts.ServerDryRun {
		o.DryRun = []string{metav1.DryRunAll}
	}
	err := s.client.Resource(WasmPluginGVR).Namespace(namespace).Delete(ctx, name, o)
	return Explain(err, "delete", name, namespace)
}

// Delete removes the plugin's document from its file (the file itself when nothing else is left
// in it); every other document stays as it was.
func (s *DirStore) Delete(ctx context.Context, namespace, name, resourceVersion string, opts WriteOptions) error {
	unlock, err := s.lock(ctx)
	if err != nil {
		return err
	}
	defer unlock()
	cur, err := s.current(namespace, name, resourceVersion)
	if err != nil {
		return err
	}
	if resourceVersion != "" && resourceVersion != dirVersionPrefix+cur.hash {
		return fmt.Errorf("%s changed since it was read: run the command again", cur.file)
	}
	if opts.ServerDryRun {
		return nil
	}
	raw, err := readFile(cur.file)
	if err != nil {
		return err
	}
	f := splitDocuments(raw)
	if cur.index >= len(f.docs) || hashText(f.docs[cur.index]) != cur.hash {
		return fmt.Errorf("%s changed while it was being edited: run the command again", cur.file)
	}
	f.docs = append(f.docs[:cur.index:cur.index], f.docs[cur.index+1:]...)
	switch {
	case cur.index < len(f.seps):
		f.seps = append(f.seps[:cur.index:cur.index], f.seps[cur.index+1:]...)
	case len(f.seps) > 0:
		f.seps = f.seps[:len(f.seps)-1]
	}
	s.mu.Lock()
	delete(s.seen, namespace+"/"+name)
	s.mu.Unlock()
	rest := f.join()
	if strings.TrimSpace(stripComments(rest)) == "" {
		return os.Remove(cur.file)
	}
	// Only the mode of an existing file is kept: holdsKeys matters for new files alone.
	return writeAtomic(cur.file, rest, false)
}
