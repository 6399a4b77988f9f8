package ociplugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/higress-ai/higress-ai/internal/wasm/layer"
)

// Variant names the image format the fetcher recognised.
type Variant string

// The three formats the fetcher loads.
const (
	VariantDocker Variant = "docker" // Docker manifest, last layer a tar.gz holding plugin.wasm
	VariantCompat Variant = "compat" // OCI manifest, last layer tar+gzip holding plugin.wasm
	VariantOCI    Variant = "oci"    // OCI manifest, exactly two layers, one the raw module
)

// FetchFunc reads a blob the manifest names.
type FetchFunc func(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error)

// manifest is what the fetcher reads of a manifest: its mediaType field and its layers.
type manifest struct {
	MediaType string               `json:"mediaType"`
	Layers    []ocispec.Descriptor `json:"layers"`
}

// Extract unpacks the module from a manifest as Higress's fetcher does, and fails exactly where
// it would refuse to load the image: a Docker manifest must end with a Docker tar.gz layer; an
// OCI one is tried as the compat variant (last layer tar+gzip with plugin.wasm within 256 MiB),
// then as the oci variant (exactly two layers, one raw wasm).
func Extract(ctx context.Context, rawManifest []byte, fetch FetchFunc) ([]byte, Variant, error) {
	var m manifest
	if err := json.Unmarshal(rawManifest, &m); err != nil {
		return nil, "", fmt.Errorf("the manifest is not JSON: %w", err)
	}
	if m.MediaType == ocispec.MediaTypeImageIndex || m.MediaType == "application/vnd.docker.distribution.manifest.list.v2+json" {
		return nil, "", errors.New("the reference names an index, not an image manifest")
	}
	if m.MediaType == MediaTypeDocker {
		module, err := lastLayerModule(ctx, m.Layers, MediaTypeDLayer, fetch)
		if err != nil {
			return nil, "", fmt.Errorf("as a Docker image: %w", err)
		}
		return module, VariantDocker, nil
	}
	module, errCompat := lastLayerModule(ctx, m.Layers, MediaTypeLayer, fetch)
	if errCompat == nil {
		return module, VariantCompat, nil
	}
	module, errOCI := rawWasmLayer(ctx, m.Layers, fetch)
	if errOCI == nil {
		return module, VariantOCI, nil
	}
	return nil, "", fmt.Errorf("the gateway would not load it: as the compat variant, %v; as the oci variant, %v", errCompat, errOCI)
}

func lastLayerModule(ctx context.Context, layers []ocispec.Descriptor, mediaType string, fetch FetchFunc) ([]byte, error) {
	if len(layers) == 0 {
		return nil, errors.New("the image has no layers")
	}
	last := layers[len(layers)-1]
	if last.MediaType != mediaType {
		return nil, fmt.Errorf("the last layer is %s, not %s", last.MediaType, mediaType)
	}
	rc, err := fetch(ctx, last)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return layer.Unpack(rc)
}

func rawWasmLayer(ctx context.Context, layers []ocispec.Descriptor, fetch FetchFunc) ([]byte, error) {
	if len(layers) != 2 {
		return nil, fmt.Errorf("the number of layers must be 2, not %d", len(layers))
	}
	for _, l := range layers {
		if l.MediaType != MediaTypeWasm {
			continue
		}
		rc, err := fetch(ctx, l)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(io.LimitReader(rc, MaxModuleSize))
	}
	return nil, fmt.Errorf("no layer of type %s", MediaTypeWasm)
}
