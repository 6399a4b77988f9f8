package plugin

import (
	"strings"
	"testing"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

func TestInstallFlags(t *testing.T) {
	d := strings.Repeat("c", 64)
	ref := "oci://reg.local/ai-proxy@sha256:" + d
	cases := []struct {
		name  string
		args  []string
		check func(*InstallOptions) bool
		err   string
	}{
		{"positional", []string{ref}, func(o *InstallOptions) bool {
			return o.Image.SHA256 == d && !o.FailOpen && o.Statistics == ""
		}, ""},
		{"url flag and options", []string{"--url", ref, "--fail-open", "--with-statistics", "--image-pull-secret", "regcred"}, func(o *InstallOptions) bool {
			return o.Image.URL == ref && o.FailOpen && o.Statistics == "yes" && o.PullSecret == "regcred"
		}, ""},
		{"without statistics", []string{ref, "--without-statistics"}, func(o *InstallOptions) bool { return o.Statistics == "no" }, ""},
		{"allowed tag", []string{"reg.local/ai-proxy:dev", "--allow-tag"}, func(o *InstallOptions) bool {
			return o.Image.URL == "oci://reg.local/ai-proxy:dev" && !o.Image.Pinned()
		}, ""},
		{"tag refused", []string{"reg.local/ai-proxy:latest"}, nil, `has only the tag "latest"`},
		{"no image", nil, nil, "no image"},
		{"two images", []string{ref, "--url", "oci://other/x@sha256:" + d}, nil, "give the image once"},
		{"both statistics flags", []string{ref, "--with-statistics", "--without-statistics"}, nil, "cannot be used together"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf := cmdutil.NewTestFactory(t)
			var got *InstallOptions
			err := tf.Run(NewCmdInstall(tf.Factory, func(o *InstallOptions) error { got = o; return nil }), tc.args...)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || got != nil {
					t.Fatalf("error = %v, want %q (run: %v)", err, tc.err, got != nil)
				}
				return
			}
			if err != nil || got == nil || !tc.check(got) {
				t.Fatalf("error %v, options %+v", err, got)
			}
		})
	}
}
