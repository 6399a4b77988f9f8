package k8s

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	yamlv2 "go.yaml.in/yaml/v2"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/secret"
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
	// Warnings receives one line when an edit cannot keep the file's layout and rewrites the
	// document in full (nil: discarded).
	Warnings io.Writer

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
	text  string                     // the document's text as read
	line  int                        // the file's line the document starts on
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
	text  string
	line  int // the file's line the document starts on (1-based)
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

func (s *DirStore) Create(ctx context.Context, obj *unstructured.Unstructured, opts WriteOptions) (*unstructured.Unstructured, error) {
	unlock, err := s.lock(ctx)
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
		index, err = appendDocument(file, text, secret.Holds(out.Object["spec"]))
		if err != nil {
			return nil, err
		}
	}
	return s.present(document{file: file, index: index, obj: out, hash: hashText(text), text: text, line: 1}, ns), nil
}

func (s *DirStore) Update(ctx context.Context, obj *unstructured.Unstructured, opts WriteOptions) (*unstructured.Unstructured, error) {
	unlock, err := s.lock(ctx)
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
	out, text, err := s.editedText(cur, obj)
	if err != nil {
		return nil, err
	}
	if !opts.ServerDryRun {
		if err := replaceDocument(cur.file, cur.index, cur.hash, text, secret.Holds(out.Object["spec"])); err != nil {
			return nil, err
		}
	}
	return s.present(document{file: cur.file, index: cur.index, obj: out, hash: hashText(text), text: text, line: cur.line}, ns), nil
}

// current finds the document an update replaces. When this store read it at the version the
// caller holds, only that document is checked (still there, same hash); else the folder is scanned.
func (s *DirStore) current(ns, name, version string) (document, error) {
	s.mu.Lock()
	loc, ok := s.seen[ns+"/"+name]
	s.mu.Unlock()
	if ok && version == dirVersionPrefix+loc.hash {
		if raw, err := readFile(loc.file); err == nil {
			docs := splitDocuments(raw).docs
			if loc.index < len(docs) && hashText(docs[loc.index]) == loc.hash {
				return document{file: loc.file, index: loc.index, obj: loc.doc, hash: loc.hash, text: docs[loc.index], line: loc.line}, nil
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
	s.seen[namespace+"/"+d.obj.GetName()] = location{file: d.file, index: d.index, hash: d.hash, doc: d.obj, text: d.text, line: d.line}
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

// scan reads every WasmPlugin document under the folder, in a stable order, and refuses a folder
// where two documents are one WasmPlugin (same name, namespaces that overlap): which one an edit
// changed, and which one applying the folder keeps, would be a guess.
func (s *DirStore) scan() ([]document, error) {
	files, err := s.files()
	if err != nil {
		return nil, err
	}
	var docs []document
	for _, f := range files {
		raw, err := readFile(f)
		if err != nil {
			return nil, err
		}
		split := splitDocuments(raw)
		for i, text := range split.docs {
			obj, err := decodeWasmPlugin(text)
			if err != nil {
				return nil, fmt.Errorf("%s (document %d): %w", f, i+1, err)
			}
			if obj != nil {
				docs = append(docs, document{file: f, index: i, obj: obj, hash: hashText(text), text: text, line: split.startLine(i)})
			}
		}
	}
	return docs, checkDuplicates(docs)
}

// checkDuplicates refuses two documents of one WasmPlugin. A document without a namespace
// belongs to any namespace, so it collides with a same-named one in any.
func checkDuplicates(docs []document) error {
	byName := map[string][]document{}
	for _, d := range docs {
		name := d.obj.GetName()
		for _, o := range byName[name] {
			a, b := o.obj.GetNamespace(), d.obj.GetNamespace()
			if a == b || a == "" || b == "" {
				return fmt.Errorf("wasmplugin %q is defined twice: %s (document %d) and %s (document %d); keep one", name, o.file, o.index+1, d.file, d.index+1)
			}
		}
		byName[name] = append(byName[name], d)
	}
	return nil
}

// files lists the YAML files under the folder, hidden ones left out, in a stable order. A
// symbolic link to a folder is not followed (as find(1) does not); a link to a file is read.
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
		if ext := filepath.Ext(path); (ext != ".yaml" && ext != ".yml") || strings.HasPrefix(d.Name(), ".") {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			if st, err := os.Stat(path); err == nil && st.IsDir() {
				return nil
			}
		}
		files = append(files, path)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading --dir %q: %w", s.root, unwrapPathError(err))
	}
	sort.Strings(files)
	return files, nil
}

// header is what says what a document is: its top-level apiVersion and kind, as YAML reads them
// (tags, quotes, escapes, a byte-order mark, flow style and JSON all included).
type header struct {
	APIVersion string
	Kind       string
}

func (h header) isWasmPlugin() bool {
	return h.Kind == Kind && strings.HasPrefix(h.APIVersion, WasmPluginGVR.Group+"/")
}

// headerOf reads the header of a document already converted to JSON. Keys match exactly, as in
// YAML (encoding/json would also take "KIND" or "Kind" for kind). A document that is not a
// mapping, or whose kind or apiVersion is not a string, has no header.
func headerOf(js []byte) (header, map[string]json.RawMessage) {
	var top map[string]json.RawMessage
	if json.Unmarshal(js, &top) != nil {
		return header{}, nil
	}
	var h header
	_ = json.Unmarshal(top["apiVersion"], &h.APIVersion)
	_ = json.Unmarshal(top["kind"], &h.Kind)
	return h, top
}

// decodeWasmPlugin returns the document as a WasmPlugin, or nil when it is empty, of another kind
// or not YAML at all (a Helm template, say) and not declaring itself a WasmPlugin either. No
// error quotes the document: it may be anyone's file, holding anyone's secrets.
func decodeWasmPlugin(text string) (*unstructured.Unstructured, error) {
	js, err := yaml.YAMLToJSONStrict([]byte(text))
	if err != nil {
		// Strictness (duplicate keys) matters only for a document this tool may rewrite.
		if loose, lerr := yaml.YAMLToJSON([]byte(text)); lerr == nil {
			if h, _ := headerOf(loose); !h.isWasmPlugin() {
				return nil, nil
			}
		} else if !declaresWasmPlugin(text) {
			return nil, nil
		}
		return nil, yamlError(err)
	}
	h, top := headerOf(js)
	if strings.HasSuffix(h.Kind, "List") && holdsWasmPlugin(top["items"]) {
		return nil, fmt.Errorf("a %s holding WasmPlugins: write one document per resource (a file may hold several, separated by ---)", h.Kind)
	}
	if !h.isWasmPlugin() {
		return nil, nil
	}
	obj := &unstructured.Unstructured{}
	if err := obj.UnmarshalJSON(js); err != nil {
		return nil, errors.New("not a valid WasmPlugin") // its message quotes the whole object
	}
	if obj.GetName() == "" {
		return nil, errors.New("a WasmPlugin without metadata.name")
	}
	return obj, nil
}

func holdsWasmPlugin(items json.RawMessage) bool {
	var list []json.RawMessage
	if json.Unmarshal(items, &list) != nil {
		return false
	}
	for _, it := range list {
		if h, _ := headerOf(it); h.isWasmPlugin() {
			return true
		}
	}
	return false
}

// declaresWasmPlugin is for a document YAML cannot read: does a top-level kind line say
// WasmPlugin? Such a document is a broken plugin, to report rather than to skip (skipping it
// would let an edit create a second one).
func declaresWasmPlugin(text string) bool {
	kind := topLevel(strings.TrimPrefix(text, bom), "kind")
	kind = strings.TrimSpace(strings.TrimPrefix(kind, "!!str"))
	return strings.Trim(kind, `"'`) == Kind
}

const bom = "\ufeff"

// topLevel reads a plain scalar of a top-level block-style key without parsing the document:
// only for documents YAML cannot read, to say what they meant to be.
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
			return v
		}
	}
	return ""
}

var (
	yamlLineRE = regexp.MustCompile(`line (\d+)`)
	// libyaml's own messages are fixed texts such as "did not find expected ',' or ']'"; the
	// decoder's quote the document ("cannot decode !!str `sk-...` as a !!int").
	yamlFixedRE = regexp.MustCompile(`^[a-z ]+('[^a-zA-Z0-9]'[a-z ]*)*$`)
)

// yamlError turns a YAML parser error into one line that names the line and never quotes the
// document.
func yamlError(err error) error {
	msg := err.Error()
	at := ""
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		at = " at line " + m[1]
	}
	if strings.Contains(msg, "already set in map") {
		return fmt.Errorf("not valid YAML%s: a key appears twice", at)
	}
	detail := msg[strings.LastIndex(msg, ": ")+2:]
	if !yamlFixedRE.MatchString(detail) {
		return fmt.Errorf("not valid YAML%s", at)
	}
	return fmt.Errorf("not valid YAML%s: %s", at, detail)
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

// lockTimeout is how long a writer waits for another to finish. Writers hold the lock for the
// time of one read and one write of bounded files (about a second for the largest plugin), so a
// minute means the holder is stuck.
const lockTimeout = time.Minute

// lock serialises writers on the same folder across processes with an flock on the folder
// itself, so neither the user's folder nor the system's temp folder gets stray lock files. It
// waits until ctx is cancelled (an interrupt) or lockTimeout, never for ever. Holding it, it
// removes the temporary files of writers killed mid-write: no writer is running then.
func (s *DirStore) lock(ctx context.Context) (func(), error) {
	f, err := os.Open(s.root)
	if err != nil {
		return nil, fmt.Errorf("locking --dir %q: %w", s.root, unwrapPathError(err))
	}
	fd := int(f.Fd())
	deadline := time.Now().Add(lockTimeout)
	for wait := time.Millisecond; ; wait = min(2*wait, 50*time.Millisecond) {
		err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("locking --dir %q: %w", s.root, err)
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("another higress-ai has been writing in --dir %q for over %v: is it stuck?", s.root, lockTimeout)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for another higress-ai writing in --dir %q: %w", s.root, ctx.Err())
		case <-time.After(wait):
		}
	}
	s.removeStaleTemps()
	return func() {
		_ = syscall.Flock(fd, syscall.LOCK_UN)
		f.Close()
	}, nil
}

// removeStaleTemps deletes the temporary files writeAtomic leaves when its process is killed:
// hidden, so the store never reads them, but they may hold keys and `git add -A` commits them.
// Only called under the lock, when no writer is between creating one and renaming it.
func (s *DirStore) removeStaleTemps() {
	_ = filepath.WalkDir(s.root, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return nil
		case d.IsDir():
			if path != s.root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
		case d.Type().IsRegular() && isTempName(d.Name()):
			_ = os.Remove(path)
		}
		return nil
	})
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if ok := asPathError(err, &pe); ok {
		return pe.Err
	}
	return err
}
