//go:build !noprebuilt

package prebuilt

import _ "embed"

//go:embed plugin.wasm.gz
var moduleGz []byte

//go:embed plugin.json
var infoJSON []byte
