package ociplugin

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/registry"

	"github.com/higress-ai/higress-ai/internal/testenv"
	"github.com/higress-ai/higress-ai/internal/wasm/prebuilt"
)

func mustRef(t *testing.T, s string) registry.Reference {
	t.Helper()
	r, err := ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func plugin(t *testing.T) []byte {
	t.Helper()
	module, _, err := prebuilt.Module()
	if err != nil {
		t.Fatal(err)
	}
	return module
}

// noDockerConfig points the docker config at an empty folder, so no developer's credentials
// are read.
func noDockerConfig(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
}

// pullBack reads the tag with plain HTTP requests, not through the code under test, and unpacks
// the last layer as the gateway's fetcher does.
func pullBack(t *testing.T, host, repo, tag, user, password string) ([]byte, string) {
	t.Helper()
	get := func(path, accept string) ([]byte, http.Header) {
		req, _ := http.NewRequest(http.MethodGet, "http://"+host+"/v2/"+repo+path, nil)
		req.Header.Set("Accept", accept)
		if user != "" {
			req.SetBasicAuth(user, password)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
		}
		return body, resp.Header
	}
	raw, hdr := get("/manifests/"+tag, ocispec.MediaTypeImageManifest)
	var m ocispec.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	last := m.Layers[len(m.Layers)-1]
	if last.MediaType != "application/vnd.oci.image.layer.v1.tar+gzip" {
		t.Fatalf("last layer %s", last.MediaType)
	}
	blob, _ := get("/blobs/"+last.Digest.String(), "*/*")
	zr, err := gzip.NewReader(bytes.NewReader(blob))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	h, err := tr.Next()
	if err != nil || h.Name != "plugin.wasm" {
		t.Fatalf("first entry %v, %v", h, err)
	}
	module, err := io.ReadAll(tr)
	if err != nil {
		t.Fatal(err)
	}
	return module, hdr.Get("Docker-Content-Digest")
}

func TestPushToARealRegistry(t *testing.T) {
	noDockerConfig(t)
	reg := testenv.StartRegistry(t, nil)
	module := plugin(t)
	art, err := Pack(module, Files{Readme: []byte("# ai-proxy\n")})
	if err != nil {
		t.Fatal(err)
	}
	var last, total int64
	res, err := Push(context.Background(), art, Target{Ref: reg.Host + "/plugins/ai-proxy:1.0.0", PlainHTTP: true}, func(sent, all int64) { last, total = sent, all })
	if err != nil {
		t.Fatal(err)
	}
	got, digestHeader := pullBack(t, reg.Host, "plugins/ai-proxy", "1.0.0", "", "")
	if !bytes.Equal(got, module) {
		t.Fatal("the module pulled back differs from the one pushed")
	}
	if res.Digest != digestHeader || res.Digest != art.Manifest.Desc.Digest.String() {
		t.Fatalf("digest %s; registry says %s, manifest is %s", res.Digest, digestHeader, art.Manifest.Desc.Digest)
	}
	if want := "oci://" + reg.Host + "/plugins/ai-proxy:1.0.0@" + digestHeader; res.URL != want {
		t.Fatalf("URL %s, want %s", res.URL, want)
	}
	if res.Variant != VariantCompat || res.Sent != 3 || res.Reused != 0 || last != total || total < int64(len(module))/4 {
		t.Fatalf("result %+v, progress %d/%d", res, last, total)
	}

	// Again, to another tag: nothing but the manifest goes up, and the digest is the same.
	again, err := Push(context.Background(), art, Target{Ref: reg.Host + "/plugins/ai-proxy:latest", PlainHTTP: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Digest != res.Digest || again.Sent != 0 || again.Reused != 3 {
		t.Fatalf("second push %+v", again)
	}
}

func TestPushRefusesAnArtifactTheGatewayWouldNotLoad(t *testing.T) {
	noDockerConfig(t)
	reg := testenv.StartRegistry(t, nil)
	// The most common recipe found online: one raw wasm layer. The registry takes it; the
	// gateway would not, and Push says so.
	raw := newBlob(MediaTypeWasm, wasm, "plugin.wasm")
	art, err := Pack(wasm, Files{})
	if err != nil {
		t.Fatal(err)
	}
	art.Layers = []Blob{raw}
	art.Manifest = newBlob(ocispec.MediaTypeImageManifest, manifestOf(t, ocispec.MediaTypeImageManifest, raw), "")
	// The manifest needs its config for the registry to take it.
	var m map[string]any
	_ = json.Unmarshal(art.Manifest.Data, &m)
	m["config"] = art.Config.Desc
	data, _ := json.Marshal(m)
	art.Manifest = newBlob(ocispec.MediaTypeImageManifest, data, "")

	_, err = Push(context.Background(), art, Target{Ref: reg.Host + "/bad:1", PlainHTTP: true}, nil)
	if !errors.Is(err, ErrWouldNotLoad) || !strings.Contains(err.Error(), "the number of layers must be 2, not 1") {
		t.Fatalf("Push = %v, want the fetcher's refusal", err)
	}
}

func TestPushWithCredentials(t *testing.T) {
	const user, password = "pusher", "s3cret-Pa55word-xyz"
	reg := testenv.StartRegistry(t, map[string]string{user: password})
	module := plugin(t)
	art, err := Pack(module, Files{})
	if err != nil {
		t.Fatal(err)
	}
	ref := reg.Host + "/plugins/ai-proxy:2.0.0"

	t.Run("username and password", func(t *testing.T) {
		noDockerConfig(t)
		res, err := Push(context.Background(), art, Target{Ref: ref, PlainHTTP: true, Username: user, Password: password}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := pullBack(t, reg.Host, "plugins/ai-proxy", "2.0.0", user, password)
		if !bytes.Equal(got, module) || res.Digest == "" {
			t.Fatalf("pulled back %d bytes (pushed %d), result %+v", len(got), len(module), res)
		}
	})
	t.Run("docker config", func(t *testing.T) {
		dir := t.TempDir()
		config := `{"auths":{"` + reg.Host + `":{"auth":"` + base64.StdEncoding.EncodeToString([]byte(user+":"+password)) + `"}}}`
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("DOCKER_CONFIG", dir)
		if _, err := Push(context.Background(), art, Target{Ref: ref, PlainHTTP: true}, nil); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("docker credential helper", func(t *testing.T) {
		// A helper speaking docker's credential-helper protocol: "get" with the server on stdin.
		bin := t.TempDir()
		helper := "#!/bin/sh\n[ \"$1\" = get ] || exit 1\nread server\n" +
			"printf '{\"ServerURL\":\"%s\",\"Username\":\"" + user + "\",\"Secret\":\"" + password + "\"}' \"$server\"\n"
		if err := os.WriteFile(filepath.Join(bin, "docker-credential-hai-test"), []byte(helper), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
		dir := t.TempDir()
		config := `{"credHelpers":{"` + reg.Host + `":"hai-test"}}`
		if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("DOCKER_CONFIG", dir)
		if _, err := Push(context.Background(), art, Target{Ref: ref, PlainHTTP: true}, nil); err != nil {
			t.Fatal(err)
		}
	})

	tests := []struct {
		name     string
		target   Target
		wantKind Kind
		wantMsg  string
	}{
		{name: "wrong password", target: Target{Username: user, Password: "wrong-" + password}, wantKind: KindUnauthorized,
			wantMsg: `registry ` + reg.Host + ` refused the credentials of user "pusher" (401 unauthorized)`},
		{name: "no credentials", target: Target{}, wantKind: KindUnauthorized,
			wantMsg: `registry ` + reg.Host + ` needs credentials (401 unauthorized) and the docker config has none for it`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			noDockerConfig(t)
			tc.target.Ref, tc.target.PlainHTTP = ref, true
			_, err := Push(context.Background(), art, tc.target, nil)
			var re *RegistryError
			if !errors.As(err, &re) || re.Kind != tc.wantKind || err.Error() != tc.wantMsg {
				t.Fatalf("Push = %v, want %q", err, tc.wantMsg)
			}
			if strings.Contains(err.Error(), password) {
				t.Fatal("the password is in the error")
			}
		})
	}
}

func TestPushFailuresAreOneLine(t *testing.T) {
	noDockerConfig(t)
	reg := testenv.StartRegistry(t, nil)
	art, err := Pack(wasm, Files{})
	if err != nil {
		t.Fatal(err)
	}
	unused := testenv.UnusedLoopbackAddr(t)
	// A TLS server with a certificate nobody trusts, and registries answering 403 and 404.
	untrusted := httptest.NewTLSServer(http.NotFoundHandler())
	defer untrusted.Close()
	status := func(code int) string {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(code) }))
		t.Cleanup(srv.Close)
		return strings.TrimPrefix(srv.URL, "http://")
	}
	forbidden, notFound := status(http.StatusForbidden), status(http.StatusNotFound)
	tests := []struct {
		name     string
		target   Target
		wantKind Kind
		wantMsg  string
	}{
		{name: "unreachable", target: Target{Ref: unused + "/p:1", PlainHTTP: true}, wantKind: KindUnreachable,
			wantMsg: "cannot reach registry " + unused + ": connection refused"},
		{name: "https to a plain http registry", target: Target{Ref: reg.Host + "/p:1"}, wantKind: KindPlainHTTP,
			wantMsg: "registry " + reg.Host + " answers plain HTTP, not HTTPS"},
		{name: "untrusted certificate", target: Target{Ref: strings.TrimPrefix(untrusted.URL, "https://") + "/p:1"}, wantKind: KindTLS,
			wantMsg: "TLS with registry " + strings.TrimPrefix(untrusted.URL, "https://") + " failed: its certificate is signed by an unknown authority"},
		{name: "forbidden", target: Target{Ref: forbidden + "/team/p:1", PlainHTTP: true}, wantKind: KindForbidden,
			wantMsg: "registry " + forbidden + " does not let these credentials push to team/p (403 forbidden)"},
		{name: "not found", target: Target{Ref: notFound + "/team/p:1", PlainHTTP: true}, wantKind: KindNotFound,
			wantMsg: "repository team/p not found on registry " + notFound + " (404)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Push(context.Background(), art, tc.target, nil)
			var re *RegistryError
			if !errors.As(err, &re) || re.Kind != tc.wantKind || err.Error() != tc.wantMsg {
				t.Fatalf("Push = %v, want %q", err, tc.wantMsg)
			}
		})
	}
}

func TestPushRefusesALayerThatIsNotTheModuleMeant(t *testing.T) {
	noDockerConfig(t)
	reg := testenv.StartRegistry(t, nil)
	good, err := Pack(wasm, Files{})
	if err != nil {
		t.Fatal(err)
	}
	other, err := Pack(append([]byte{}, append(wasm, 'x')...), Files{})
	if err != nil {
		t.Fatal(err)
	}
	// A prebuilt layer whose plugin.json describes another module.
	art, err := PackArchive(good.Layers[0].Data, other.ModuleSHA256, other.ModuleSize, Files{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Push(context.Background(), art, Target{Ref: reg.Host + "/p:1", PlainHTTP: true}, nil)
	if err == nil || err.Error() != "the module pulled back from "+reg.Host+"/p:1 differs from the one pushed" {
		t.Fatalf("Push = %v", err)
	}
}
