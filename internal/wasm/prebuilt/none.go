//go:build noprebuilt

package prebuilt

// Built with -tags noprebuilt: no module inside; commands build from source instead.
var archive, infoJSON []byte
