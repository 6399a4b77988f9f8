package plugin

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/creack/pty"
	"github.com/mattn/go-isatty"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
	"github.com/higress-ai/higress-ai/internal/testenv"
	"github.com/higress-ai/higress-ai/internal/wasm/ociplugin"
	"github.com/higress-ai/higress-ai/internal/wasm/prebuilt"
)

func TestPushParsesFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		want    PushOptions
		wantErr string
	}{
		{name: "defaults", args: []string{"r.example.com/ai-proxy:1"}, want: PushOptions{Ref: "r.example.com/ai-proxy:1", Output: "table"}},
		{name: "everything", args: []string{"oci://127.0.0.1:5000/p:dev", "--file", "m.wasm", "--spec", "s.yaml", "--readme", "R.md", "--plain-http", "--username", "u", "--password-stdin", "-o", "json"},
			want: PushOptions{Ref: "oci://127.0.0.1:5000/p:dev", File: "m.wasm", Spec: "s.yaml", Readme: "R.md", PlainHTTP: true, Username: "u", PasswordStdin: true, Output: "json"}},
		{name: "username alone", args: []string{"r.example.com/p:1", "--username", "u"}, wantErr: "--username and --password-stdin go together"},
		{name: "password alone", args: []string{"r.example.com/p:1", "--password-stdin"}, wantErr: "--username and --password-stdin go together"},
		{name: "no tag", args: []string{"r.example.com/p"}, wantErr: `reference "r.example.com/p" has no tag`},
		{name: "no ref", args: nil, wantErr: "accepts 1 arg(s)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tf := cmdutil.NewTestFactory(t)
			var got *PushOptions
			err := tf.Run(NewCmdPush(tf.Factory, func(o *PushOptions) error { got = o; return nil }), tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			g := *got
			g.IO, g.Context, g.Module = nil, nil, ModuleSource{}
			if !reflect.DeepEqual(g, tc.want) {
				t.Fatalf("options %+v, want %+v", g, tc.want)
			}
		})
	}
}

// runPush runs plugin push on the factory (whose streams the command captures when built).
func runPush(tf *cmdutil.TestFactory, args ...string) error {
	return tf.Run(NewCmdPlugin(tf.Factory), append([]string{"push"}, args...)...)
}

func pulled(t *testing.T, url string, target ociplugin.Target) []byte {
	t.Helper()
	ref, _, _ := strings.Cut(strings.TrimPrefix(url, "oci://"), "@")
	target.Ref = ref
	repo, err := target.Repository()
	if err != nil {
		t.Fatal(err)
	}
	ref = ref[strings.LastIndex(ref, ":")+1:]
	desc, module, _, err := ociplugin.Pull(context.Background(), repo, ref)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(url, "@"+desc.Digest.String()) {
		t.Fatalf("printed %s, the tag names %s", url, desc.Digest)
	}
	return module
}

func TestPushTheCarriedModule(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	reg := testenv.StartRegistry(t, nil)
	tf := cmdutil.NewTestFactory(t)
	ref := reg.Host + "/plugins/ai-proxy:1.0.0"
	readme := filepath.Join(t.TempDir(), "README.md")
	if err := os.WriteFile(readme, []byte("# ai-proxy\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := runPush(tf, ref, "--plain-http", "--readme", readme); err != nil {
		t.Fatalf("%v\n%s", err, tf.Stderr)
	}
	url := strings.TrimSuffix(tf.Stdout.String(), "\n")
	if !strings.HasPrefix(url, "oci://"+ref+"@sha256:") || strings.Contains(url, "\n") {
		t.Fatalf("stdout %q: want only oci://%s@sha256:...", tf.Stdout, ref)
	}
	if got := pulled(t, url, ociplugin.Target{PlainHTTP: true}); !bytes.Equal(got, embeddedModule(t)) {
		t.Fatal("the module pulled back is not the one this binary carries")
	}
	// Off a terminal: a status line, no progress bar.
	if strings.ContainsAny(tf.Stderr.String(), "\r█") || !strings.Contains(tf.Stderr.String(), "loads as Higress's compat variant") {
		t.Fatalf("stderr %q", tf.Stderr)
	}

	// -o json, and --file of a module written by plugin build.
	file := filepath.Join(t.TempDir(), "plugin.wasm")
	if err := os.WriteFile(file, embeddedModule(t), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := runPush(tf, ref, "--plain-http", "--file", file, "-o", "json"); err != nil {
		t.Fatal(err)
	}
	var res PushResult
	if err := json.Unmarshal(tf.Stdout.Bytes(), &res); err != nil {
		t.Fatalf("stdout %q: %v", tf.Stdout, err)
	}
	if res.URL != "oci://"+res.Ref+"@"+res.Digest || res.Ref != ref || res.Variant != ociplugin.VariantCompat || res.Size != int64(len(embeddedModule(t))) {
		t.Fatalf("json %+v", res)
	}
	if res.URL == url {
		t.Fatal("without the README the manifest should differ")
	}
}

func TestPushRefusesAFileThatIsNotAPlugin(t *testing.T) {
	tf := cmdutil.NewTestFactory(t)
	file := filepath.Join(t.TempDir(), "plugin.wasm")
	if err := os.WriteFile(file, []byte("\x00asm\x01\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The registry is never contacted: nothing listens there.
	err := runPush(tf, testenv.UnusedLoopbackAddr(t)+"/p:1", "--plain-http", "--file", file)
	if err == nil || !strings.Contains(err.Error(), file+": the module does not export _initialize") {
		t.Fatalf("err = %v", err)
	}
}

func TestPushWithAPasswordOnStdin(t *testing.T) {
	const user, password = "ci", "Very-Secret-Registry-Pass-42"
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	reg := testenv.StartRegistry(t, map[string]string{user: password})
	ref := reg.Host + "/ai-proxy:1"

	tests := []struct {
		name    string
		stdin   string
		args    []string
		wantErr string
	}{
		{name: "right password", stdin: password + "\n", args: []string{"--username", user, "--password-stdin"}},
		{name: "wrong password", stdin: "wrong" + password + "\n", args: []string{"--username", user, "--password-stdin"},
			wantErr: `registry ` + reg.Host + ` refused the credentials of user "ci" (401 unauthorized)`},
		{name: "no credentials", args: nil,
			wantErr: `registry ` + reg.Host + ` needs credentials (401 unauthorized) and the docker config has none for it: docker login to it, or pass --username and --password-stdin`},
		{name: "empty stdin", stdin: "", args: []string{"--username", user, "--password-stdin"},
			wantErr: "--password-stdin: no password on standard input"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tf := cmdutil.NewTestFactory(t)
			tf.Stdin.WriteString(tc.stdin)
			err := runPush(tf, append([]string{ref, "--plain-http"}, tc.args...)...)
			for _, s := range []string{tf.Stdout.String(), tf.Stderr.String(), errString(err)} {
				if strings.Contains(s, password) {
					t.Fatalf("the password is in the output: %q", s)
				}
			}
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got := pulled(t, strings.TrimSpace(tf.Stdout.String()), ociplugin.Target{PlainHTTP: true, Username: user, Password: password}); !bytes.Equal(got, embeddedModule(t)) {
					t.Fatal("the module pulled back differs")
				}
				return
			}
			if err == nil || err.Error() != tc.wantErr || tf.Stdout.Len() > 0 {
				t.Fatalf("err = %v, stdout %q; want %q", err, tf.Stdout, tc.wantErr)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestPushToAnUnreachableRegistry(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	tf := cmdutil.NewTestFactory(t)
	addr := testenv.UnusedLoopbackAddr(t)
	err := runPush(tf, addr+"/ai-proxy:1", "--plain-http")
	var re *ociplugin.RegistryError
	if !errors.As(err, &re) || err.Error() != "cannot reach registry "+addr+": connection refused" {
		t.Fatalf("err = %v", err)
	}
}

// On a real pseudo-terminal the push draws a progress bar on stderr and clears it; stdout (a
// pipe here) still gets only the reference.
func TestPushDrawsAProgressBarOnATerminal(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	reg := testenv.StartRegistry(t, nil)
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("opening a pty: %v", err)
	}
	defer ptmx.Close()
	var screen bytes.Buffer
	done := make(chan struct{})
	go func() { _, _ = io.Copy(&screen, ptmx); close(done) }()

	tf := cmdutil.NewTestFactory(t)
	tf.IO.ErrOut = tty
	tf.IO.StderrTTY = isatty.IsTerminal(tty.Fd())
	if !tf.IO.StderrTTY {
		t.Fatal("the pty's terminal side is not a terminal")
	}
	err = runPush(tf, reg.Host+"/ai-proxy:tty", "--plain-http")
	tty.Close()
	<-done
	if err != nil {
		t.Fatalf("%v\n%s", err, screen.String())
	}
	out := screen.String()
	if !strings.Contains(out, "pushing █") || !strings.Contains(out, "100%") || !strings.Contains(out, "\r\x1b[K") ||
		!strings.Contains(out, "loads as Higress's compat variant") {
		t.Fatalf("terminal showed %q: want a bar reaching 100%%, cleared, then the status", out)
	}
	if !strings.HasPrefix(tf.Stdout.String(), "oci://"+reg.Host+"/ai-proxy:tty@sha256:") {
		t.Fatalf("stdout %q", tf.Stdout)
	}
}

// A binary built with -tags noprebuilt says so and pushes a fresh build of the source.
func TestPushWithoutAnEmbeddedCopyBuildsFromSource(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	reg := testenv.StartRegistry(t, nil)
	tf := cmdutil.NewTestFactory(t)
	cmd := NewCmdPush(tf.Factory, func(o *PushOptions) error {
		o.Module.WorkDir = repoDir(t)
		o.Module.Prebuilt = notEmbedded
		o.Module.Archive = func() ([]byte, prebuilt.Info, error) { return nil, prebuilt.Info{}, prebuilt.ErrNotEmbedded }
		return pushRun(o)
	})
	if err := tf.Run(cmd, reg.Host+"/ai-proxy:src", "--plain-http"); err != nil {
		t.Fatalf("%v\n%s", err, tf.Stderr)
	}
	if !strings.Contains(tf.Stderr.String(), "carries no prebuilt plugin module (built with -tags noprebuilt): building it from source") {
		t.Fatalf("stderr %q", tf.Stderr)
	}
	// The source is what the embedded copy was built from, so the same bytes come back.
	if got := pulled(t, strings.TrimSpace(tf.Stdout.String()), ociplugin.Target{PlainHTTP: true}); !bytes.Equal(got, embeddedModule(t)) {
		t.Fatal("the module pulled back is not a build of the source")
	}
}
