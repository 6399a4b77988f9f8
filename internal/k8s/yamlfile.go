package k8s

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// yamlFile is a file split into documents, keeping the separator lines exactly as written so that
// joining it back gives the original bytes.
type yamlFile struct {
	docs []string // each document's text, including its trailing newline
	seps []string // seps[i] is the separator line before docs[i+1]
}

func isSeparator(line string) bool {
	trimmed := strings.TrimRight(line, "\r\n")
	return trimmed == "---" || strings.HasPrefix(trimmed, "--- ") || strings.HasPrefix(trimmed, "---\t")
}

func splitDocuments(text string) yamlFile {
	var f yamlFile
	var cur strings.Builder
	for len(text) > 0 {
		line := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			line = text[:i+1]
		}
		text = text[len(line):]
		if isSeparator(line) {
			f.docs = append(f.docs, cur.String())
			f.seps = append(f.seps, line)
			cur.Reset()
			continue
		}
		cur.WriteString(line)
	}
	f.docs = append(f.docs, cur.String())
	return f
}

func (f yamlFile) join() string {
	var b strings.Builder
	for i, d := range f.docs {
		b.WriteString(d)
		if i < len(f.seps) {
			if d != "" && !strings.HasSuffix(d, "\n") {
				b.WriteByte('\n')
			}
			b.WriteString(f.seps[i])
		}
	}
	return b.String()
}

// leadingComments returns the comment and blank lines that open a document, so a rewritten
// document keeps its header comment.
func leadingComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(doc, "\n") {
		t := strings.TrimSpace(line)
		if t != "" && !strings.HasPrefix(t, "#") {
			break
		}
		b.WriteString(line)
	}
	return b.String()
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.SplitAfter(doc, "\n") {
		if t := strings.TrimSpace(line); !strings.HasPrefix(t, "#") {
			b.WriteString(line)
		}
	}
	return b.String()
}

// replaceDocument swaps document index of file for text, provided the document still hashes to
// wantHash, and writes the file atomically.
func replaceDocument(file string, index int, wantHash, text string) error {
	raw, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("reading %s: %w", file, unwrapPathError(err))
	}
	f := splitDocuments(string(raw))
	if index >= len(f.docs) || hashText(f.docs[index]) != wantHash {
		return fmt.Errorf("%s changed while it was being edited: run the command again", file)
	}
	f.docs[index] = leadingComments(f.docs[index]) + text
	return writeAtomic(file, f.join())
}

// appendDocument adds text as a new document at the end of file (creating it) and returns its index.
func appendDocument(file, text string) (int, error) {
	raw, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, writeAtomic(file, text)
	}
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", file, unwrapPathError(err))
	}
	f := splitDocuments(string(raw))
	if strings.TrimSpace(stripComments(string(raw))) == "" {
		f.docs[len(f.docs)-1] += text
		return len(f.docs) - 1, writeAtomic(file, f.join())
	}
	f.seps = append(f.seps, "---\n")
	f.docs = append(f.docs, text)
	return len(f.docs) - 1, writeAtomic(file, f.join())
}

// writeAtomic writes through a temporary file in the same folder, synced and renamed over the
// target, keeping the target's permissions.
func writeAtomic(file, content string) error {
	mode := fs.FileMode(0o644)
	if st, err := os.Stat(file); err == nil {
		mode = st.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(file), "."+filepath.Base(file)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", file, unwrapPathError(err))
	}
	cleanup := func() { tmp.Close(); os.Remove(tmp.Name()) }
	if _, err := tmp.WriteString(content); err != nil {
		cleanup()
		return fmt.Errorf("writing %s: %w", file, err)
	}
	if err := tmp.Sync(); err != nil {
		cleanup()
		return fmt.Errorf("writing %s: %w", file, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		cleanup()
		return fmt.Errorf("writing %s: %w", file, err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", file, err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", file, unwrapPathError(err))
	}
	return nil
}

func asPathError(err error, target **fs.PathError) bool { return errors.As(err, target) }
