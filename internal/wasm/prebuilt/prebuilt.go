// Package prebuilt carries a compiled copy of the bundled ai-proxy plugin inside the higress-ai
// binary, so `plugin build --embedded` and `plugin push` work with no Go toolchain and no source.
//
// go:embed cannot reach into the plugin's own module (internal/wasm/ai-proxy), so
// scripts/gen-prebuilt.sh builds it and writes plugin.tar.gz (the module as the image layer
// carries it, so a push compresses nothing) and plugin.json here. Both are
// committed, because a module zip (what `go install ...@version` downloads) leaves nested modules
// out: a clean clone and a `go install`ed binary carry the module too. A test checks the copy
// equals a fresh build of the current source with the toolchain recorded in plugin.json.
package prebuilt

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/higress-ai/higress-ai/internal/wasm/layer"
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
func Embedded() bool { return len(archive) > 0 }

// Module returns the embedded module, checked against its recorded size and sha256.
func Module() ([]byte, Info, error) {
	if !Embedded() {
		return nil, Info{}, ErrNotEmbedded
	}
	return Decode(archive, infoJSON)
}

// Archive returns the embedded plugin.tar.gz, the module's image layer as it is pushed, and
// what plugin.json records of the module inside, without decompressing it: whoever pushes it
// checks the module it pulls back against info.
func Archive() (tarGz []byte, info Info, err error) {
	if !Embedded() {
		return nil, Info{}, ErrNotEmbedded
	}
	if err := json.Unmarshal(infoJSON, &info); err != nil {
		return nil, Info{}, fmt.Errorf("the prebuilt plugin.json is broken: %w", err)
	}
	return archive, info, nil
}

// Decode unpacks plugin.tar.gz and checks it against plugin.json.
func Decode(tarGz, infoJSON []byte) ([]byte, Info, error) {
	var info Info
	if err := json.Unmarshal(infoJSON, &info); err != nil {
		return nil, Info{}, fmt.Errorf("the prebuilt plugin.json is broken: %w", err)
	}
	module, err := layer.Unpack(bytes.NewReader(tarGz))
	if err != nil {
		return nil, Info{}, fmt.Errorf("the prebuilt plugin.tar.gz is broken: %w", err)
	}
	sum := sha256.Sum256(module)
	if int64(len(module)) != info.Size || hex.EncodeToString(sum[:]) != info.SHA256 {
		return nil, Info{}, fmt.Errorf("the prebuilt plugin.tar.gz does not match plugin.json: run %s", Regenerate)
	}
	return module, info, nil
}
