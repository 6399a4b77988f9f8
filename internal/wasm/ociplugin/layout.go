// Package ociplugin packs a Wasm plugin as an OCI artifact that Higress's image fetcher loads,
// pushes it to a registry with oras-go, and pulls it back to check it would load, applying the
// fetcher's own rules (istio's pkg/wasm/imagefetcher.go, which Higress's fork keeps).
package ociplugin

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/higress-ai/higress-ai/internal/wasm/layer"
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
	ModuleFileName   = layer.FileName
	MaxModuleSize    = layer.MaxSize
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
	// ModuleSHA256 and ModuleSize are those of the plugin the last layer holds, to check what
	// is pulled back against.
	ModuleSHA256 string
	ModuleSize   int64
}

// Files are the optional documents that go before the module, as in Higress's own images.
type Files struct {
	Spec   []byte // spec.yaml
	Readme []byte // README.md
}

// Pack builds the artifact: optional spec.yaml and README.md layers, then LAST a tar+gzip layer
// holding plugin.wasm. Everything is reproducible (layer.Pack, no creation annotation), so the
// same module and files always give the same manifest digest.
func Pack(module []byte, files Files) (Artifact, error) {
	archive, err := layer.Pack(module)
	if err != nil {
		return Artifact{}, err
	}
	sum := sha256.Sum256(module)
	return PackArchive(archive, hex.EncodeToString(sum[:]), int64(len(module)), files)
}

// PackArchive is Pack with the module's layer already made (the prebuilt plugin.tar.gz, holding
// the module of that sha256 and size): nothing is compressed or even decompressed. Push unpacks
// what it pulls back and checks it is that module.
func PackArchive(archive []byte, moduleSHA256 string, moduleSize int64, files Files) (Artifact, error) {
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
	return Artifact{Manifest: newBlob(ocispec.MediaTypeImageManifest, raw, ""), Config: config, Layers: layers,
		ModuleSHA256: moduleSHA256, ModuleSize: moduleSize}, nil
}
