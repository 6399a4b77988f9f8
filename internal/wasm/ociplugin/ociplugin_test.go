package ociplugin

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// memFetch serves blobs from memory, as a registry would.
func memFetch(blobs ...Blob) FetchFunc {
	m := map[digest.Digest][]byte{}
	for _, b := range blobs {
		m[b.Desc.Digest] = b.Data
	}
	return func(_ context.Context, d ocispec.Descriptor) (io.ReadCloser, error) {
		data, ok := m[d.Digest]
		if !ok {
			return nil, fmt.Errorf("blob %s not found", d.Digest)
		}
		return io.NopCloser(bytes.NewReader(data)), nil
	}
}

func manifestOf(t *testing.T, mediaType string, layers ...Blob) []byte {
	t.Helper()
	m := map[string]any{"schemaVersion": 2, "mediaType": mediaType}
	var descs []ocispec.Descriptor
	for _, l := range layers {
		descs = append(descs, l.Desc)
	}
	m["layers"] = descs
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func tarGzOf(t *testing.T, files map[string][]byte, order ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, name := range order {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(files[name]))}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(files[name]); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var wasm = []byte("\x00asm\x01\x00\x00\x00 module bytes")

func TestPackIsHigressLayout(t *testing.T) {
	art, err := Pack(wasm, Files{Spec: []byte("spec: 1\n"), Readme: []byte("# ai-proxy\n")})
	if err != nil {
		t.Fatal(err)
	}
	var m ocispec.Manifest
	if err := json.Unmarshal(art.Manifest.Data, &m); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, l := range m.Layers {
		types = append(types, l.MediaType)
	}
	want := []string{MediaTypeSpec, MediaTypeDoc, "application/vnd.oci.image.layer.v1.tar+gzip"}
	if strings.Join(types, " ") != strings.Join(want, " ") {
		t.Fatalf("layers %v, want %v", types, want)
	}
	if m.MediaType != ocispec.MediaTypeImageManifest || m.Config.MediaType != MediaTypeConfig {
		t.Fatalf("manifest %s with config %s", m.MediaType, m.Config.MediaType)
	}
	if _, ok := m.Annotations[ocispec.AnnotationCreated]; ok {
		t.Fatal("a creation time makes every push a new digest")
	}
	again, err := Pack(wasm, Files{Spec: []byte("spec: 1\n"), Readme: []byte("# ai-proxy\n")})
	if err != nil {
		t.Fatal(err)
	}
	if again.Manifest.Desc.Digest != art.Manifest.Desc.Digest {
		t.Fatal("packing the same module twice gave two digests")
	}
	got, variant, err := Extract(context.Background(), art.Manifest.Data, memFetch(append(art.Layers, art.Config)...))
	if err != nil || variant != VariantCompat || !bytes.Equal(got, wasm) {
		t.Fatalf("Extract = %q, %s, %v", got, variant, err)
	}
	// The prebuilt layer packs to the same artifact as the module it holds.
	fromArchive, err := PackArchive(art.Layers[len(art.Layers)-1].Data, art.ModuleSHA256, art.ModuleSize, Files{Spec: []byte("spec: 1\n"), Readme: []byte("# ai-proxy\n")})
	if err != nil || fromArchive.Manifest.Desc.Digest != art.Manifest.Desc.Digest || fromArchive.ModuleSHA256 != art.ModuleSHA256 {
		t.Fatalf("PackArchive: %v, digest %s, want %s", err, fromArchive.Manifest.Desc.Digest, art.Manifest.Desc.Digest)
	}
	// Without the optional files the module layer is the only one.
	bare, err := Pack(wasm, Files{})
	if err != nil || len(bare.Layers) != 1 || bare.Layers[0].Desc.MediaType != MediaTypeLayer {
		t.Fatalf("Pack without files: %+v, %v", bare.Layers, err)
	}
}

func TestExtractAppliesTheFetchersRules(t *testing.T) {
	withModule := newBlob(MediaTypeLayer, tarGzOf(t, map[string][]byte{"plugin.wasm": wasm}, "plugin.wasm"), "")
	nested := newBlob(MediaTypeLayer, tarGzOf(t, map[string][]byte{"README": []byte("x"), "out/plugin.wasm": wasm}, "README", "out/plugin.wasm"), "")
	noModule := newBlob(MediaTypeLayer, tarGzOf(t, map[string][]byte{"main.wasm": wasm}, "main.wasm"), "")
	dockerLayer := newBlob(MediaTypeDLayer, withModule.Data, "")
	raw := newBlob(MediaTypeWasm, wasm, "")
	spec := newBlob(MediaTypeSpec, []byte("spec"), "")
	notGzip := newBlob(MediaTypeLayer, []byte("plain"), "")
	fetch := memFetch(withModule, nested, noModule, dockerLayer, raw, spec, notGzip)

	tests := []struct {
		name        string
		manifest    []byte
		wantVariant Variant
		wantErr     string
	}{
		{name: "higress layout", manifest: manifestOf(t, ocispec.MediaTypeImageManifest, spec, withModule), wantVariant: VariantCompat},
		{name: "plugin.wasm in a folder", manifest: manifestOf(t, ocispec.MediaTypeImageManifest, nested), wantVariant: VariantCompat},
		{name: "docker image", manifest: manifestOf(t, MediaTypeDocker, dockerLayer), wantVariant: VariantDocker},
		{name: "oci variant", manifest: manifestOf(t, ocispec.MediaTypeImageManifest, spec, raw), wantVariant: VariantOCI},
		{name: "a single raw wasm layer (wasm-to-oci)", manifest: manifestOf(t, ocispec.MediaTypeImageManifest, raw), wantErr: "the number of layers must be 2, not 1"},
		{name: "docker manifest with an OCI layer", manifest: manifestOf(t, MediaTypeDocker, withModule), wantErr: "as a Docker image: the last layer is application/vnd.oci.image.layer.v1.tar+gzip"},
		{name: "module layer not last", manifest: manifestOf(t, ocispec.MediaTypeImageManifest, withModule, spec, spec), wantErr: "the last layer is " + MediaTypeSpec},
		{name: "no plugin.wasm in the archive", manifest: manifestOf(t, ocispec.MediaTypeImageManifest, noModule), wantErr: "no plugin.wasm in the layer's archive"},
		{name: "layer not gzip", manifest: manifestOf(t, ocispec.MediaTypeImageManifest, notGzip), wantErr: "not a tar.gz"},
		{name: "no layers", manifest: manifestOf(t, ocispec.MediaTypeImageManifest), wantErr: "the image has no layers"},
		{name: "an index", manifest: manifestOf(t, ocispec.MediaTypeImageIndex), wantErr: "an index"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, variant, err := Extract(context.Background(), tc.manifest, fetch)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Extract = %s, %v; want an error containing %q", variant, err, tc.wantErr)
				}
				return
			}
			if err != nil || variant != tc.wantVariant || !bytes.Equal(got, wasm) {
				t.Fatalf("Extract = %q, %s, %v; want the module as %s", got, variant, err, tc.wantVariant)
			}
		})
	}
}

func TestExtractRefusesAModuleOverTheLimit(t *testing.T) {
	// A header claiming more than 256 MiB: refused before anything that size is allocated.
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	if err := tw.WriteHeader(&tar.Header{Name: "plugin.wasm", Mode: 0o644, Size: MaxModuleSize + 1}); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	layer := newBlob(MediaTypeLayer, buf.Bytes(), "")
	_, _, err := Extract(context.Background(), manifestOf(t, ocispec.MediaTypeImageManifest, layer), memFetch(layer))
	if err == nil || !strings.Contains(err.Error(), "over the fetcher's") {
		t.Fatalf("Extract = %v", err)
	}
	if _, err := Pack(make([]byte, MaxModuleSize+1), Files{}); err == nil {
		t.Fatal("Pack accepted a module the fetcher would refuse")
	}
}

func TestParseRef(t *testing.T) {
	tests := []struct{ in, want, wantErr string }{
		{in: "127.0.0.1:5000/plugins/ai-proxy:1.0.0", want: "127.0.0.1:5000/plugins/ai-proxy:1.0.0"},
		{in: "oci://registry.example.com/ai-proxy:v1", want: "registry.example.com/ai-proxy:v1"},
		{in: "registry.example.com/ai-proxy", wantErr: "has no tag"},
		{in: "registry.example.com/ai-proxy@sha256:" + strings.Repeat("a", 64), wantErr: "is a digest"},
		{in: "not a ref", wantErr: "invalid reference"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			r, err := ParseRef(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseRef = %v, %v; want %q", r, err, tc.wantErr)
				}
				return
			}
			if err != nil || r.String() != tc.want {
				t.Fatalf("ParseRef = %v, %v; want %s", r, err, tc.want)
			}
		})
	}
}

func TestExplainPassesThroughWhatIsNotARegistryError(t *testing.T) {
	for _, err := range []error{context.Canceled, &loadError{err: errors.New("x")}} {
		if got := explain(err, mustRef(t, "h:1/r:t"), "", false); got != err {
			t.Errorf("explain(%v) = %v", err, got)
		}
	}
}
