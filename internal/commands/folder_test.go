package commands

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/k8s"
)

// The folder store attacked through the commands, as a user with a hostile or messy folder would.

// keyAuthDoc is key-auth.internal holding consumer bob, written with the given first lines
// (apiVersion and kind, in whatever spelling a test needs).
func keyAuthDoc(head string) string {
	return head + `metadata:
  name: key-auth.internal
  namespace: higress-system
  labels: {higress.io/wasm-plugin-name: key-auth}
spec:
  url: oci://higress-registry.cn-hangzhou.cr.aliyuncs.com/plugins/key-auth:2.0.0
  defaultConfig:
    global_auth: false
    consumers:
    - name: bob
      credentials: [Bearer hai_bobbobbobbobbobbobbob0001]
      keys: [Authorization]
      in_header: true
      in_query: false
`
}

const plainHead = "apiVersion: extensions.higress.io/v1alpha1\nkind: WasmPlugin\n"

func put(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// runCLI runs a command line on the folder and fails the test if it does not end: every attack
// here once hung the tool.
func runCLI(t *testing.T, tf *cmdutil.TestFactory, args ...string) int {
	t.Helper()
	tf.Stdout.Reset()
	tf.Stderr.Reset()
	done := make(chan int, 1)
	go func() { done <- Run(tf.Factory, append(args, "--dir", tf.Dir)) }()
	select {
	case code := <-done:
		return code
	case <-time.After(60 * time.Second):
		t.Fatalf("higress-ai %s did not end", strings.Join(args, " "))
		return -1
	}
}

func oneLineError(t *testing.T, stderr, want string) {
	t.Helper()
	if !strings.HasPrefix(stderr, "error: ") || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, want) {
		t.Fatalf("stderr %q, want one error line with %q", stderr, want)
	}
}

const leakedKey = "sk-proj-Xq7TnB2vLr9KdW4sHf8Jm1"

func TestFolderOnlyRealWasmPluginsCountAndNoErrorQuotesAFile(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
	put(t, tf.Dir, "key-auth.yaml", keyAuthDoc(plainHead))
	// A Helm values file that mentions WasmPlugin and holds a provider key: no kind at all.
	put(t, tf.Dir, "chart/values.yaml", "# settings for the WasmPlugin below\nopenai:\n  apiKey: "+leakedKey+"\nplugins: [WasmPlugin]\n")
	// A kustomization listing plugin files, a comment naming the kind.
	put(t, tf.Dir, "kustomization.yaml", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n# WasmPlugin resources:\nresources: [key-auth.yaml]\n")
	// A Helm template: not YAML until rendered.
	put(t, tf.Dir, "chart/templates/plugin.yaml", "apiVersion: extensions.higress.io/v1alpha1\nkind: {{ .Values.kind | default \"WasmPlugin\" }}\nmetadata: {name: {{ .Release.Name }}}\n")
	// Another group's WasmPlugin kind, and keys that are not kind to YAML.
	put(t, tf.Dir, "other.yaml", "apiVersion: example.com/v1\nkind: WasmPlugin\nmetadata: {name: key-auth.internal}\n---\nKIND: WasmPlugin\nApiVersion: extensions.higress.io/v1alpha1\nmetadata: {name: key-auth.internal}\ntoken: "+leakedKey+"\n")

	if code := runCLI(t, tf, "consumer", "add", "alice"); code != 0 {
		t.Fatalf("consumer add: exit %d, stderr %q", code, tf.Stderr)
	}
	if code := runCLI(t, tf, "consumer", "list", "-o", "name"); code != 0 || tf.Stdout.String() != "bob\nalice\n" {
		t.Fatalf("consumer list: exit %d, stdout %q, stderr %q", code, tf.Stdout, tf.Stderr)
	}
	if _, err := os.Stat(filepath.Join(tf.Dir, "key-auth.internal.yaml")); err == nil {
		t.Fatal("a second key-auth.internal was created")
	}

	// A broken WasmPlugin is reported, by file, document and line, without its content.
	put(t, tf.Dir, "broken.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n"+plainHead+"metadata: {name: ai-proxy}\nspec:\n  defaultConfig:\n    apiTokens: [!!int "+leakedKey+"]\n")
	put(t, tf.Dir, "dup.yaml", plainHead+"metadata: {name: dup}\nspec:\n  "+leakedKey+": 1\n  "+leakedKey+": 2\n")
	for _, args := range [][]string{{"consumer", "list"}, {"route", "list"}, {"block", "list"}} {
		code := runCLI(t, tf, args...)
		if code != 1 || strings.Contains(tf.Stderr.String(), leakedKey) || strings.Contains(tf.Stdout.String(), leakedKey) {
			t.Fatalf("%v: exit %d, stderr %q", args, code, tf.Stderr)
		}
		oneLineError(t, tf.Stderr.String(), "broken.yaml (document 2): not valid YAML")
	}
	os.Remove(filepath.Join(tf.Dir, "broken.yaml"))
	runCLI(t, tf, "consumer", "list")
	oneLineError(t, tf.Stderr.String(), "dup.yaml (document 1): not valid YAML at line 6: a key appears twice")
	if strings.Contains(tf.Stderr.String(), leakedKey) {
		t.Fatalf("the error quotes the file: %q", tf.Stderr)
	}
}

func TestFolderReadsKindAsYAMLDoes(t *testing.T) {
	cases := []struct{ name, head string }{
		{"byte-order mark", "\ufeff" + plainHead},
		{"byte-order mark before a comment", "\ufeff# key-auth\n" + plainHead},
		{"!!str tag", "apiVersion: extensions.higress.io/v1alpha1\nkind: !!str WasmPlugin\n"},
		{"double-quoted", "apiVersion: \"extensions.higress.io/v1alpha1\"\nkind: \"WasmPlugin\"\n"},
		{"single-quoted", "apiVersion: 'extensions.higress.io/v1alpha1'\nkind: 'WasmPlugin'\n"},
		{"escapes", "apiVersion: extensions.higress.io/v1alpha1\nkind: \"Wasm\\x50lugin\"\n"},
		{"quoted keys", "\"apiVersion\": extensions.higress.io/v1alpha1\n'kind': WasmPlugin\n"},
		{"comment and spaces", "apiVersion:    extensions.higress.io/v1alpha1   # v1alpha1\nkind:   WasmPlugin   # the plugin\n"},
		{"anchor and alias", "apiVersion: &v extensions.higress.io/v1alpha1\nkind: &k WasmPlugin\nx-copy: [*v, *k]\n"},
		{"kind after metadata", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf := cmdutil.NewTestFactory(t)
			doc := keyAuthDoc(tc.head)
			if tc.head == "" {
				doc += "kind: WasmPlugin\napiVersion: extensions.higress.io/v1alpha1\n"
			}
			p := put(t, tf.Dir, "gateway/key-auth.yaml", doc)
			if code := runCLI(t, tf, "consumer", "add", "alice"); code != 0 {
				t.Fatalf("consumer add: exit %d, stderr %q", code, tf.Stderr)
			}
			if entries, _ := os.ReadDir(tf.Dir); len(entries) != 1 {
				t.Fatalf("the folder now holds %d entries: a second key-auth.internal was created", len(entries))
			}
			if code := runCLI(t, tf, "consumer", "list", "-o", "name"); code != 0 || tf.Stdout.String() != "bob\nalice\n" {
				t.Fatalf("consumer list: exit %d, stdout %q, stderr %q", code, tf.Stdout, tf.Stderr)
			}
			b, _ := os.ReadFile(p)
			if strings.HasPrefix(tc.head, "\ufeff") != strings.HasPrefix(string(b), "\ufeff") {
				t.Fatalf("the byte-order mark was not kept as it was: %q", string(b[:20]))
			}
		})
	}
}

func TestFolderRefusesTwoDocumentsOfOnePlugin(t *testing.T) {
	cases := []struct{ name, other string }{
		{"same namespace, another file", strings.Replace(keyAuthDoc(plainHead), "bob", "carol", 1)},
		{"one without a namespace", strings.Replace(strings.Replace(keyAuthDoc(plainHead), "  namespace: higress-system\n", "", 1), "bob", "carol", 1)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf := cmdutil.NewTestFactory(t)
			put(t, tf.Dir, "a.yaml", keyAuthDoc(plainHead))
			put(t, tf.Dir, "b.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\n"+tc.other)
			before, _ := os.ReadFile(filepath.Join(tf.Dir, "a.yaml"))
			for _, args := range [][]string{{"consumer", "list"}, {"consumer", "add", "alice"}} {
				if code := runCLI(t, tf, args...); code != 1 {
					t.Fatalf("%v: exit %d, stderr %q", args, code, tf.Stderr)
				}
				oneLineError(t, tf.Stderr.String(), `wasmplugin "key-auth.internal" is defined twice: `)
				if !strings.Contains(tf.Stderr.String(), "a.yaml (document 1) and ") || !strings.Contains(tf.Stderr.String(), "b.yaml (document 2)") {
					t.Fatalf("the error does not say where: %q", tf.Stderr)
				}
			}
			if after, _ := os.ReadFile(filepath.Join(tf.Dir, "a.yaml")); string(after) != string(before) {
				t.Fatal("a.yaml was written")
			}
		})
	}
	// The same name in two namespaces is two plugins.
	tf := cmdutil.NewTestFactory(t)
	put(t, tf.Dir, "a.yaml", keyAuthDoc(plainHead))
	put(t, tf.Dir, "b.yaml", strings.Replace(keyAuthDoc(plainHead), "namespace: higress-system", "namespace: staging", 1))
	if code := runCLI(t, tf, "consumer", "list", "-o", "name"); code != 0 || tf.Stdout.String() != "bob\n" {
		t.Fatalf("two namespaces: exit %d, stdout %q, stderr %q", code, tf.Stdout, tf.Stderr)
	}
}

func TestFolderReadsRegularFilesOnly(t *testing.T) {
	cases := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string
	}{
		{"named pipe", func(t *testing.T, dir string) {
			if err := syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
		}, "pipe.yaml is a named pipe, not a regular file"},
		{"link to /dev/zero", func(t *testing.T, dir string) {
			if err := os.Symlink("/dev/zero", filepath.Join(dir, "zero.yaml")); err != nil {
				t.Fatal(err)
			}
		}, "zero.yaml is a device, not a regular file"},
		{"unix socket", func(t *testing.T, dir string) {
			fd, err := syscall.Socket(syscall.AF_UNIX, syscall.SOCK_STREAM, 0)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { syscall.Close(fd) })
			if err := syscall.Bind(fd, &syscall.SockaddrUnix{Name: filepath.Join(dir, "s.yaml")}); err != nil {
				t.Fatal(err)
			}
		}, "s.yaml is a socket, not a regular file"},
		{"file over the size cap", func(t *testing.T, dir string) {
			p := put(t, dir, "huge.yaml", "a: 1\n")
			if err := os.Truncate(p, k8s.MaxFileSize+1); err != nil { // sparse: no disk used
				t.Fatal(err)
			}
		}, "huge.yaml is larger than 16 MiB"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf := cmdutil.NewTestFactory(t)
			put(t, tf.Dir, "key-auth.yaml", keyAuthDoc(plainHead))
			tc.setup(t, tf.Dir)
			for _, args := range [][]string{{"consumer", "list"}, {"consumer", "add", "alice"}, {"route", "list"}} {
				if code := runCLI(t, tf, args...); code != 1 {
					t.Fatalf("%v: exit %d, stderr %q", args, code, tf.Stderr)
				}
				oneLineError(t, tf.Stderr.String(), tc.want)
			}
		})
	}
}

func TestFolderNeverReplacesALinkByACopy(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
	shared := t.TempDir()
	target := put(t, shared, "key-auth.yaml", keyAuthDoc(plainHead))
	link := filepath.Join(tf.Dir, "key-auth.yaml")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	// Reading through the link works.
	if code := runCLI(t, tf, "consumer", "list", "-o", "name"); code != 0 || tf.Stdout.String() != "bob\n" {
		t.Fatalf("consumer list: exit %d, stdout %q, stderr %q", code, tf.Stdout, tf.Stderr)
	}
	// Writing is refused, and says why.
	if code := runCLI(t, tf, "consumer", "add", "alice"); code != 1 {
		t.Fatalf("consumer add: exit %d, stderr %q", code, tf.Stderr)
	}
	oneLineError(t, tf.Stderr.String(), "key-auth.yaml is a symbolic link: the folder store does not write through links")
	if st, err := os.Lstat(link); err != nil || st.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the link was replaced")
	}
	if b, _ := os.ReadFile(target); string(b) != keyAuthDoc(plainHead) {
		t.Fatal("the link's target changed")
	}
}

func TestFolderLockWaitEndsOnInterrupt(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
	put(t, tf.Dir, "key-auth.yaml", keyAuthDoc(plainHead))
	// Another writer holds the folder's lock and does not let go.
	d, err := os.Open(tf.Dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := syscall.Flock(int(d.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	tf.Context = ctx
	time.AfterFunc(200*time.Millisecond, cancel) // the user presses Ctrl-C
	if code := runCLI(t, tf, "consumer", "add", "alice"); code != cmdutil.ExitCancel {
		t.Fatalf("exit %d, stderr %q", code, tf.Stderr)
	}
	oneLineError(t, tf.Stderr.String(), "waiting for another higress-ai writing in --dir")
	if b, _ := os.ReadFile(filepath.Join(tf.Dir, "key-auth.yaml")); strings.Contains(string(b), "alice") {
		t.Fatal("written without the lock")
	}
}

// TestFolderFileModes is not parallel: it sets the process's umask.
func TestFolderFileModes(t *testing.T) {
	cases := []struct {
		umask          int
		plain, withKey os.FileMode
	}{
		{0o027, 0o640, 0o600},
		{0o077, 0o600, 0o600},
		{0o002, 0o664, 0o600},
	}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("umask %03o", tc.umask), func(t *testing.T) {
			old := syscall.Umask(tc.umask)
			defer syscall.Umask(old)
			tf := cmdutil.NewTestFactory(t)
			if code := runCLI(t, tf, "block", "add", "password"); code != 0 {
				t.Fatalf("block add: exit %d, stderr %q", code, tf.Stderr)
			}
			if code := runCLI(t, tf, "consumer", "add", "alice"); code != 0 {
				t.Fatalf("consumer add: exit %d, stderr %q", code, tf.Stderr)
			}
			for file, want := range map[string]os.FileMode{"request-block-2.0.0.yaml": tc.plain, "key-auth.internal.yaml": tc.withKey} {
				st, err := os.Stat(filepath.Join(tf.Dir, file))
				if err != nil {
					t.Fatal(err)
				}
				if st.Mode().Perm() != want {
					t.Errorf("%s is %v, want %v", file, st.Mode().Perm(), want)
				}
			}
		})
	}
}

func TestFolderWritersRemoveStaleTempFiles(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
	put(t, tf.Dir, "key-auth.yaml", keyAuthDoc(plainHead))
	// What writers killed mid-write left: hidden, holding keys.
	stale := []string{
		put(t, tf.Dir, ".key-auth.yaml.tmp-3141592653", keyAuthDoc(plainHead)),
		put(t, tf.Dir, "team/.ai-proxy.yml.tmp-42", "apiTokens: ["+leakedKey+"]\n"),
	}
	kept := []string{
		put(t, tf.Dir, ".env", "OPENAI_API_KEY="+leakedKey+"\n"),
		put(t, tf.Dir, ".notes.txt.tmp-1", "mine\n"),
		put(t, tf.Dir, ".git/.x.yaml.tmp-1", "git's\n"),
	}
	// Reading does not touch them (no lock is held then).
	if code := runCLI(t, tf, "consumer", "list"); code != 0 {
		t.Fatalf("consumer list: exit %d, stderr %q", code, tf.Stderr)
	}
	if _, err := os.Stat(stale[0]); err != nil {
		t.Fatal("a reader removed a file")
	}
	if code := runCLI(t, tf, "consumer", "add", "alice"); code != 0 {
		t.Fatalf("consumer add: exit %d, stderr %q", code, tf.Stderr)
	}
	for _, p := range stale {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("stale temporary file left: %s", p)
		}
	}
	for _, p := range kept {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("removed a file that is not a temporary one: %s", p)
		}
	}
}

func readAll(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
