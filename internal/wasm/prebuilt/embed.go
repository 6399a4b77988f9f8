//go:build !noprebuilt

package prebuilt

import _ "embed"

//go:embed plugin.tar.gz
var archive []byte

//go:embed plugin.json
var infoJSON []byte
