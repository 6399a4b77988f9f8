package k8s

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"

	yamlv2 "go.yaml.in/yaml/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// DirStore keeps WasmPlugins as YAML documents in the files under a folder (GitOps and offline
// use). Every *.yaml and *.yml file below the folder is read; a file may hold many documents of
// any kind, and only WasmPlugin documents are touched. An update rewrites only the document it
// changes and leaves every other document byte for byte; a new resource goes to <name>.yaml.
// Writes go to a temporary file that is renamed over the original, so an interrupted run never
// leaves half a file.
//
// Optimistic concurrency: an object's resourceVersion is the hash of its document as read; an
// update whose document changed on disk since answers Conflict, as the API server would.
type DirStore struct {
	root string

	mu   sync.Mutex
	seen map[string]location // namespace/name -> where this store last read it
}

// location is where a document was read, so an update can re-verify that one document instead
// of reading the whole folder again.
type location struct {
	file  string
	index int
	hash  string
	doc   *unstructured.Unstructured // as read from disk
}

// NewDirStore opens a folder; it must exist.
func NewDirStore(root string) (*DirStore, error) {
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("--dir %q: %w", root, unwrapPathError(err))
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("--dir %q is not a folder", root)
	}
	return &DirStore{root: root, seen: map[string]location{}}, nil
}

func (s *DirStore) Describe() string { return "folder " + s.root }

const dirVersionPrefix = "dir:"

// document is one YAML document of a file, with what is needed to write it back in place.
type document struct {
	file  string
	index int // position among the file's documents
	obj   *unstructured.Unstructured
	hash  string
}

func (s *DirStore) List(_ context.Context, namespace string) ([]*unstructured.Unstructured, error) {
	docs, err := s.scan()
	if err != nil {
		return nil, err
	}
	var out []*unstructured.Unstructured
	for _, d := range docs {
		if inNamespace(d.obj, namespace) {
			out = append(out, s.present(d, namespace))
		}
	}
	return out, nil
}

func (s *DirStore) Get(_ context.Context, namespace, name string) (*unstructured.Unstructured, error) {
	docs, err := s.scan()
	if err != nil {
		return nil, err
	}
	d, err := find(docs, namespace, name)
	if err != nil {
		return nil, err
	}
	return s.present(d, namespace), nil
}

func (s *DirStore) Create(_ context.Context, obj *unstructured.Unstructured, opts WriteOptions) (*unstructured.Unstructured, error) {
	unlock, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	docs, err := s.scan()
	if err != nil {
		return nil, err
	}
	ns, name := obj.GetNamespace(), obj.GetName()
	if _, err := find(docs, ns, name); err == nil {
		return nil, Explain(apierrors.NewAlreadyExists(WasmPluginGVR.GroupResource(), name), "create", name, ns)
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	out := obj.DeepCopy()
	out.SetResourceVersion("")
	text, err := marshalDoc(out)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(s.root, name+".yaml")
	var index int
	if !opts.ServerDryRun {
		index, err = appendDocument(file, text)
		if err != nil {
			return nil, err
		}
	}
	return s.present(document{file: file, index: index, obj: out, hash: hashText(text)}, ns), nil
}

func (s *DirStore) Update(_ context.Context, obj *unstructured.Unstructured, opts WriteOptions) (*unstructured.Unstructured, error) {
	unlock, err := s.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	ns, name := obj.GetNamespace(), obj.GetName()
	cur, err := s.current(ns, name, obj.GetResourceVersion())
	if err != nil {
		return nil, err
	}
	if want := obj.GetResourceVersion(); want != "" && want != dirVersionPrefix+cur.hash {
		conflict := apierrors.NewConflict(WasmPluginGVR.GroupResource(), name,
			fmt.Errorf("the document in %s changed since it was read", cur.file))
		return nil, Explain(conflict, "update", name, ns)
	}
	out := obj.DeepCopy()
	// Give the document back what it had on disk: no namespace if it had none, its own version.
	out.SetResourceVersion(cur.obj.GetResourceVersion())
	if cur.obj.GetNamespace() == "" {
		out.SetNamespace("")
	}
	text, err := marshalDoc(out)
	if err != nil {
		return nil, err
	}
	if !opts.ServerDryRun {
		if err := replaceDocument(cur.file, cur.index, cur.hash, text); err != nil {
			return nil, err
		}
	}
	return s.present(document{file: cur.file, index: cur.index, obj: out, hash: hashText(text)}, ns), nil
}

// current finds the document an update replaces. When this store read it at the version the
// caller holds, only that document is checked (still there, same hash); else the folder is scanned.
func (s *DirStore) current(ns, name, version string) (document, error) {
	s.mu.Lock()
	loc, ok := s.seen[ns+"/"+name]
	s.mu.Unlock()
	if ok && version == dirVersionPrefix+loc.hash {
		if raw, err := os.ReadFile(loc.file); err == nil {
			docs := splitDocuments(string(raw)).docs
			if loc.index < len(docs) && hashText(docs[loc.index]) == loc.hash {
				return document{file: loc.file, index: loc.index, obj: loc.doc, hash: loc.hash}, nil
			}
		}
	}
	docs, err := s.scan()
	if err != nil {
		return document{}, err
	}
	return find(docs, ns, name)
}

// present is what callers see: the namespace filled in and the version set to the content hash.
func (s *DirStore) present(d document, namespace string) *unstructured.Unstructured {
	s.mu.Lock()
	s.seen[namespace+"/"+d.obj.GetName()] = location{file: d.file, index: d.index, hash: d.hash, doc: d.obj}
	s.mu.Unlock()
	out := d.obj.DeepCopy()
	if out.GetNamespace() == "" {
		out.SetNamespace(namespace)
	}
	out.SetResourceVersion(dirVersionPrefix + d.hash)
	return out
}

func inNamespace(obj *unstructured.Unstructured, namespace string) bool {
	return obj.GetNamespace() == "" || obj.GetNamespace() == namespace
}

func find(docs []document, namespace, name string) (document, error) {
	for _, d := range docs {
		if d.obj.GetName() == name && inNamespace(d.obj, namespace) {
			return d, nil
		}
	}
	return document{}, Explain(apierrors.NewNotFound(WasmPluginGVR.GroupResource(), name), "get", name, namespace)
}

// scan reads every WasmPlugin document under the folder, in a stable order.
func (s *DirStore) scan() ([]document, error) {
	files, err := s.files()
	if err != nil {
		return nil, err
	}
	var docs []document
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", f, unwrapPathError(err))
		}
		for i, text := range splitDocuments(string(raw)).docs {
			obj, err := decodeWasmPlugin(text)
			if err != nil {
				return nil, fmt.Errorf("%s (document %d): %w", f, i+1, err)
			}
			if obj != nil {
				docs = append(docs, document{file: f, index: i, obj: obj, hash: hashText(text)})
			}
		}
	}
	return docs, nil
}

// files lists the YAML files under the folder, hidden ones left out, in a stable order.
func (s *DirStore) files() ([]string, error) {
	var files []string
	err := filepath.WalkDir(s.root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != s.root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(path); (ext == ".yaml" || ext == ".yml") && !strings.HasPrefix(d.Name(), ".") {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading --dir %q: %w", s.root, unwrapPathError(err))
	}
	sort.Strings(files)
	return files, nil
}

// topLevel reads a plain scalar of a top-level key without parsing the document: kind and
// apiVersion are always written that way, and parsing every document of a large folder twice
// (once to learn its kind) was most of an edit's time.
func topLevel(text, key string) string {
	for len(text) > 0 {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			text = ""
		}
		if rest, ok := strings.CutPrefix(line, key+":"); ok {
			v := strings.TrimSpace(rest)
			if i := strings.Index(v, " #"); i >= 0 {
				v = strings.TrimSpace(v[:i])
			}
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

// decodeWasmPlugin returns nil for documents that are empty or of another kind.
func decodeWasmPlugin(text string) (*unstructured.Unstructured, error) {
	if strings.TrimSpace(stripComments(text)) == "" {
		return nil, nil
	}
	apiVersion, kind := topLevel(text, "apiVersion"), topLevel(text, "kind")
	if kind == "" && strings.Contains(text, Kind) {
		// Not block style (JSON, or a flow mapping): parse it to learn its kind.
		return decodeIfWasmPlugin(text)
	}
	if strings.HasSuffix(kind, "List") && strings.Contains(text, Kind) {
		return nil, fmt.Errorf("a %s holding WasmPlugins: write one document per resource (a file may hold several, separated by ---)", kind)
	}
	if kind != Kind || !strings.HasPrefix(apiVersion, WasmPluginGVR.Group+"/") {
		return nil, nil
	}
	obj, err := decodeDoc(text)
	if err != nil {
		return nil, err
	}
	return obj, nil
}

// decodeIfWasmPlugin parses a document of any style and keeps it when it is a WasmPlugin.
func decodeIfWasmPlugin(text string) (*unstructured.Unstructured, error) {
	obj, err := decodeDoc(text)
	if err != nil || obj.GetKind() != Kind || !strings.HasPrefix(obj.GetAPIVersion(), WasmPluginGVR.Group+"/") {
		return nil, err
	}
	return obj, nil
}

// decodeDoc parses a document through JSON and unstructured's own decoder, so integers are int64
// exactly as client-go gives them for the cluster.
func decodeDoc(text string) (*unstructured.Unstructured, error) {
	js, err := yaml.YAMLToJSONStrict([]byte(text))
	if err != nil {
		return nil, fmt.Errorf("not valid YAML: %w", err)
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(js); err != nil {
		return nil, fmt.Errorf("not a valid WasmPlugin: %w", err)
	}
	return obj, nil
}

func marshalDoc(obj *unstructured.Unstructured) (string, error) {
	// Straight from the map: sigs.k8s.io/yaml.Marshal goes through JSON and parses it back,
	// which tripled the cost of writing a large plugin.
	b, err := yamlv2.Marshal(obj.Object)
	if err != nil {
		return "", fmt.Errorf("encoding wasmplugin %q: %w", obj.GetName(), err)
	}
	return string(b), nil
}

func hashText(text string) string {
	sum := sha256.Sum256([]byte(text))
	return hex.EncodeToString(sum[:8])
}

func checkName(name string) error {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		return fmt.Errorf("invalid wasmplugin name %q", name)
	}
	return nil
}

// lock serialises writers on the same folder across processes with an flock on the folder
// itself, so neither the user's folder nor the system's temp folder gets stray lock files.
func (s *DirStore) lock() (func(), error) {
	f, err := os.Open(s.root)
	if err != nil {
		return nil, fmt.Errorf("locking --dir %q: %w", s.root, unwrapPathError(err))
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking --dir %q: %w", s.root, err)
	}
	return func() {
		_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		f.Close()
	}, nil
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if ok := asPathError(err, &pe); ok {
		return pe.Err
	}
	return err
}
