package build

import (
	"runtime/debug"
	"testing"
)

func TestCurrentFallsBackToBuildInfo(t *testing.T) {
	t.Parallel()
	info := func(version string, settings ...debug.BuildSetting) func() (*debug.BuildInfo, bool) {
		return func() (*debug.BuildInfo, bool) {
			return &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: version}, Settings: settings}, true
		}
	}
	rev := debug.BuildSetting{Key: "vcs.revision", Value: "0123abcd"}
	when := debug.BuildSetting{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"}
	dirty := debug.BuildSetting{Key: "vcs.modified", Value: "true"}
	cases := []struct {
		name                   string
		version, commit, date  string
		read                   func() (*debug.BuildInfo, bool)
		wantV, wantC, wantDate string
	}{
		{"go install @v1.2.3", "dev", "none", "unknown", info("v1.2.3"), "v1.2.3", "none", "unknown"},
		{"checkout build", "dev", "none", "unknown", info("(devel)", rev, when), "dev", "0123abcd", "2026-12-01T10:00:00Z"},
		{"dirty checkout", "dev", "none", "unknown", info("(devel)", rev, dirty), "dev", "0123abcd-dirty", "unknown"},
		{"stamped by the release", "v2.0.0", "feedbeef", "2026-12-02", info("v1.2.3", rev, when), "v2.0.0", "feedbeef", "2026-12-02"},
		{"no build info", "dev", "none", "unknown", func() (*debug.BuildInfo, bool) { return nil, false }, "dev", "none", "unknown"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := current(tc.version, tc.commit, tc.date, tc.read)
			if got.Version != tc.wantV || got.Commit != tc.wantC || got.Date != tc.wantDate {
				t.Fatalf("got %+v, want %s %s %s", got, tc.wantV, tc.wantC, tc.wantDate)
			}
		})
	}
}
