package k8s

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
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

// startLine is the 1-based line of the file that document i starts on.
func (f yamlFile) startLine(i int) int {
	line := 1
	for j := 0; j < i && j < len(f.docs); j++ {
		line += strings.Count(f.docs[j], "\n") + 1 // the document, then its separator line
		if f.docs[j] != "" && !strings.HasSuffix(f.docs[j], "\n") {
			line++ // join adds the newline it lacks
		}
	}
	return line
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
	if rest, ok := strings.CutPrefix(doc, bom); ok {
		b.WriteString(bom) // the file's byte-order mark, before its first document
		doc = rest
	}
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

// MaxFileSize is the most the folder store reads of one file: ten times the largest WasmPlugin
// a default cluster accepts (etcd's 1.5 MiB request limit), so a runaway or hostile file (a
// sparse one of a terabyte) ends in one line instead of all the memory.
const MaxFileSize = 16 << 20

// readFile reads a regular file of at most MaxFileSize bytes. Anything else is refused, before
// reading a byte: a named pipe would block the tool (holding the folder's lock, every writer
// with it), a device such as /dev/zero never ends. The file is opened without blocking and its
// type checked on the open descriptor, so a file swapped for a pipe after a check cannot hang it.
func readFile(file string) (string, error) {
	f, err := os.OpenFile(file, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if st, serr := os.Stat(file); serr == nil && !st.Mode().IsRegular() {
			return "", notRegular(file, st.Mode()) // a socket cannot even be opened
		}
		return "", fmt.Errorf("reading %s: %w", file, unwrapPathError(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", file, unwrapPathError(err))
	}
	if !st.Mode().IsRegular() {
		return "", notRegular(file, st.Mode())
	}
	tooBig := fmt.Errorf("%s is larger than %d MiB, the most the folder store reads of a file", file, MaxFileSize>>20)
	if st.Size() > MaxFileSize {
		return "", tooBig
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", file, unwrapPathError(err))
	}
	if len(b) > MaxFileSize {
		return "", tooBig // it grew while being read
	}
	return string(b), nil
}

func notRegular(file string, m fs.FileMode) error {
	return fmt.Errorf("%s is %s, not a regular file: the folder store reads regular files only", file, fileType(m))
}

func fileType(m fs.FileMode) string {
	switch {
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a folder"
	}
	return "a special file"
}

// replaceDocument swaps document index of file for text (the whole new document), provided the
// document still hashes to wantHash, and writes the file atomically (no longer readable by others
// once it holds keys).
func replaceDocument(file string, index int, wantHash, text string, holdsKeys bool) error {
	raw, err := readFile(file)
	if err != nil {
		return err
	}
	f := splitDocuments(raw)
	if index >= len(f.docs) || hashText(f.docs[index]) != wantHash {
		return fmt.Errorf("%s changed while it was being edited: run the command again", file)
	}
	f.docs[index] = text
	return writeAtomic(file, f.join(), holdsKeys)
}

// appendDocument adds text as a new document at the end of file (creating it, 0600 when
// holdsKeys) and returns its index.
func appendDocument(file, text string, holdsKeys bool) (int, error) {
	if _, err := os.Lstat(file); errors.Is(err, fs.ErrNotExist) {
		return 0, writeAtomic(file, text, holdsKeys)
	}
	raw, err := readFile(file)
	if err != nil {
		return 0, err
	}
	f := splitDocuments(raw)
	if strings.TrimSpace(stripComments(raw)) == "" {
		f.docs[len(f.docs)-1] += text
		return len(f.docs) - 1, writeAtomic(file, f.join(), holdsKeys)
	}
	f.seps = append(f.seps, "---\n")
	f.docs = append(f.docs, text)
	return len(f.docs) - 1, writeAtomic(file, f.join(), holdsKeys)
}

// writeAtomic writes through a temporary file in the same folder, synced and renamed over the
// target. An existing target keeps its permissions (less those of group and others when it holds
// keys); a new one gets the umask's (0666 less the
// umask), or 0600 less the umask when it holds keys. A symbolic link is refused: renaming over
// it would replace the link by a copy, and the file it points to would silently stop changing.
func writeAtomic(file, content string, holdsKeys bool) error {
	perm, exists, keep := fs.FileMode(0o666), false, fs.FileMode(0)
	if holdsKeys {
		perm = 0o600
	}
	if st, err := os.Lstat(file); err == nil {
		if st.Mode()&fs.ModeSymlink != 0 {
			return fmt.Errorf("%s is a symbolic link: the folder store does not write through links; edit the file it points to (or replace the link by that file)", file)
		}
		perm, exists, keep = 0o600, true, st.Mode().Perm()
		if holdsKeys {
			// A file that now holds keys (a provider's, say, added to a plugin written before)
			// loses its group and other bits: keys are never in a file others may read.
			keep &^= 0o077
		}
	}
	tmp, err := createTemp(file, perm)
	if err != nil {
		return fmt.Errorf("writing %s: %w", file, unwrapPathError(err))
	}
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", file, unwrapPathError(err))
	}
	if _, err := tmp.WriteString(content); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if exists {
		if err := tmp.Chmod(keep); err != nil {
			return fail(err)
		}
	}
	if err := tmp.Close(); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp.Name(), file); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("writing %s: %w", file, unwrapPathError(err))
	}
	return nil
}

// createTemp creates ".<name>.tmp-<digits>" beside file with perm (less the umask): hidden, so
// the store never reads it, and named so that isTempName finds it when its writer was killed.
func createTemp(file string, perm fs.FileMode) (*os.File, error) {
	dir, base := filepath.Split(file)
	for {
		name := filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(rand.Uint64(), 10))
		f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if !errors.Is(err, fs.ErrExist) {
			return f, err
		}
	}
}

var tempNameRE = regexp.MustCompile(`^\..+\.ya?ml\.tmp-[0-9]+$`)

// isTempName recognises the temporary files of writeAtomic (and of the os.CreateTemp it used before).
func isTempName(name string) bool { return tempNameRE.MatchString(name) }

func asPathError(err error, target **fs.PathError) bool { return errors.As(err, target) }
