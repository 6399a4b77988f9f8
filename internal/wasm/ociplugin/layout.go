// Package ociplugin packs a Wasm plugin as an OCI artifact that Higress's image fetcher loads,
// pushes it to a registry with oras-go, and pulls it back to check it would load, applying the
// fetcher's own rules (istio's pkg/wasm/imagefetcher.go, which Higress's fork keeps).
package ociplugin

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Media types of the layout Higress's own CI pushes (oras push of spec.yaml, README.md and
// plugin.tar.gz), and of the other variants the fetcher accepts.
const (
	MediaTypeSpec    = "application/vnd.module.wasm.spec.v1+yaml"
	MediaTypeDoc     = "application/vnd.module.wasm.doc.v1+markdown"
	MediaTypeLayer   = ocispec.MediaTypeImageLayerGzip // application/vnd.oci.image.layer.v1.tar+gzip
	MediaTypeWasm    = "application/vnd.module.wasm.content.layer.v1+wasm"
	MediaTypeDocker  = "application/vnd.docker.distribution.manifest.v2+json"
	MediaTypeDLayer  = "application/vnd.docker.image.rootfs.diff.tar.gzip"
	MediaTypeConfig  = "application/vnd.unknown.config.v1+json" // oras 1.0's empty config, as Higress's CI pushes
	ModuleFileName   = "plugin.wasm"
	MaxModuleSize    = 256 << 20 // the fetcher's default limit (ISTIO_WASM_MAX_BINARY_SIZE_BYTES)
	layerArchiveName = "plugin.tar.gz"
)

// Blob is a descriptor with its content.
type Blob struct {
	Desc ocispec.Descriptor
	Data []byte
}

func newBlob(mediaType string, data []byte, title string) Blob {
	d := ocispec.Descriptor{MediaType: mediaType, Digest: digest.FromBytes(data), Size: int64(len(data))}
	if title != "" {
		d.Annotations = map[string]string{ocispec.AnnotationTitle: title}
	}
	return Blob{Desc: d, Data: data}
}

// Artifact is what Push sends: the config and layers, then the manifest naming them.
type Artifact struct {
	Manifest Blob
	Config   Blob
	Layers   []Blob
	// Module is the plugin the last layer holds, to compare with what is pulled back.
	Module []byte
}

// Files are the optional documents that go before the module, as in Higress's own images.
type Files struct {
	Spec   []byte // spec.yaml
	Readme []byte // README.md
}

// Pack builds the artifact: optional spec.yaml and README.md layers, then LAST a tar+gzip layer
// holding plugin.wasm. Everything is reproducible (fixed tar header, no gzip timestamp, no
// creation annotation), so the same module and files always give the same manifest digest.
func Pack(module []byte, files Files) (Artifact, error) {
	if len(module) > MaxModuleSize {
		return Artifact{}, fmt.Errorf("the module is %d bytes, over the %d the gateway's fetcher accepts", len(module), MaxModuleSize)
	}
	archive, err := tarGz(ModuleFileName, module)
	if err != nil {
		return Artifact{}, err
	}
	var layers []Blob
	if files.Spec != nil {
		layers = append(layers, newBlob(MediaTypeSpec, files.Spec, "spec.yaml"))
	}
	if files.Readme != nil {
		layers = append(layers, newBlob(MediaTypeDoc, files.Readme, "README.md"))
	}
	layers = append(layers, newBlob(MediaTypeLayer, archive, layerArchiveName))

	config := newBlob(MediaTypeConfig, []byte("{}"), "")
	m := ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Config:    config.Desc,
	}
	for _, l := range layers {
		m.Layers = append(m.Layers, l.Desc)
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return Artifact{}, err
	}
	return Artifact{Manifest: newBlob(ocispec.MediaTypeImageManifest, raw, ""), Config: config, Layers: layers, Module: module}, nil
}

// tarGz is a one-file archive with a fixed header (mode 0644, root, epoch time). gzip's default
// level: the best one takes three times as long for 0.7% less on the plugin.
func tarGz(name string, data []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(zw)
	hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return nil, err
	}
	if _, err := tw.Write(data); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
