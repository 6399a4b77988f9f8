// Package prebuilt carries a compiled copy of the bundled ai-proxy plugin inside the higress-ai
// binary, so `plugin build --embedded` and `plugin push` work with no Go toolchain and no source.
//
// go:embed cannot reach into the plugin's own module (internal/wasm/ai-proxy), so
// scripts/gen-prebuilt.sh builds it and writes plugin.wasm.gz and plugin.json here. Both are
// committed, because a module zip (what `go install ...@version` downloads) leaves nested modules
// out: a clean clone and a `go install`ed binary carry the module too. A test checks the copy
// equals a fresh build of the current source with the toolchain recorded in plugin.json.
package prebuilt

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// Regenerate is the one command that refreshes the embedded copy from the plugin's source.
const Regenerate = "scripts/gen-prebuilt.sh"

// ErrNotEmbedded means this binary was built without the prebuilt module (-tags noprebuilt).
var ErrNotEmbedded = errors.New("this higress-ai binary carries no prebuilt plugin module (built with -tags noprebuilt)")

// Info describes the embedded module (plugin.json).
type Info struct {
	// Go is the toolchain that built it: a build of the same source with it gives the same bytes.
	Go     string `json:"go"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Embedded reports whether this binary carries the module.
func Embedded() bool { return len(moduleGz) > 0 }

// Module returns the embedded module, checked against its recorded size and sha256.
func Module() ([]byte, Info, error) {
	if !Embedded() {
		return nil, Info{}, ErrNotEmbedded
	}
	return Decode(moduleGz, infoJSON)
}

// Decode unpacks plugin.wasm.gz and checks it against plugin.json.
func Decode(gz, infoJSON []byte) ([]byte, Info, error) {
	var info Info
	if err := json.Unmarshal(infoJSON, &info); err != nil {
		return nil, Info{}, fmt.Errorf("the prebuilt plugin.json is broken: %w", err)
	}
	module, err := Gunzip(gz)
	if err != nil {
		return nil, Info{}, fmt.Errorf("the prebuilt plugin.wasm.gz is broken: %w", err)
	}
	sum := sha256.Sum256(module)
	if int64(len(module)) != info.Size || hex.EncodeToString(sum[:]) != info.SHA256 {
		return nil, Info{}, fmt.Errorf("the prebuilt plugin.wasm.gz does not match plugin.json: run %s", Regenerate)
	}
	return module, info, nil
}

// Gzip compresses a module the way plugin.wasm.gz is written: best compression, no name and no
// timestamp in the header, so the same module always gives the same file.
func Gzip(module []byte) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(module); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Gunzip reverses Gzip.
func Gunzip(data []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	return io.ReadAll(zr)
}
