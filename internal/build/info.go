package build

import "runtime/debug"

// Info is the version of the running binary.
type Info struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	Date    string `json:"date"`
	Go      string `json:"go"`
}

// Current is the version stamped at link time; where nothing was stamped (go install ...@vX, a
// build from a checkout) it falls back to the module's build info: its version, and the VCS
// revision and time Go records (a commit with "-dirty" when the tree had changes).
func Current() Info {
	return current(Version, Commit, Date, debug.ReadBuildInfo)
}

func current(version, commit, date string, read func() (*debug.BuildInfo, bool)) Info {
	in := Info{Version: version, Commit: commit, Date: date}
	bi, ok := read()
	if !ok {
		return in
	}
	in.Go = bi.GoVersion
	if in.Version == "dev" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		in.Version = bi.Main.Version
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	if in.Commit == "none" && settings["vcs.revision"] != "" {
		in.Commit = settings["vcs.revision"]
		if settings["vcs.modified"] == "true" {
			in.Commit += "-dirty"
		}
	}
	if in.Date == "unknown" && settings["vcs.time"] != "" {
		in.Date = settings["vcs.time"]
	}
	return in
}
