// Package build holds the version stamped into the binary at link time.
package build

// Set by -ldflags "-X github.com/higress-ai/higress-ai/internal/build.Version=..." (see .goreleaser.yaml).
var (
	Version = "dev"
	Commit  = "none"
	Date    = "unknown"
)
