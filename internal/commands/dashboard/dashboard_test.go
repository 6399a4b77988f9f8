package dashboard

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/higress-ai/higress-ai/internal/commands/cmdtest"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

func TestFlags(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		name    string
		args    []string
		wantErr string
		check   func(t *testing.T, o *Options)
	}{
		{name: "defaults", check: func(t *testing.T, o *Options) {
			if o.Selector != "app=higress-gateway" || o.Refresh != time.Second || !o.Since.IsZero() || len(o.LogFiles) != 0 {
				t.Errorf("options = %+v", o)
			}
		}},
		{name: "log files and since", args: []string{"--log-file", "a.log", "-f", "-", "--since", "2h", "--refresh", "250ms"}, check: func(t *testing.T, o *Options) {
			if len(o.LogFiles) != 2 || !o.Since.Equal(now.Add(-2*time.Hour)) || o.Refresh != 250*time.Millisecond || !o.readsStdin() {
				t.Errorf("options = %+v", o)
			}
		}},
		{name: "since a date", args: []string{"--since", "2026-11-20"}, check: func(t *testing.T, o *Options) {
			if !o.Since.Equal(time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("since = %v", o.Since)
			}
		}},
		{name: "bad since", args: []string{"--since", "yesterday"}, wantErr: `--since: invalid time "yesterday"`},
		{name: "refresh too fast", args: []string{"--refresh", "10ms"}, wantErr: "--refresh must be at least 100ms"},
		{name: "logs or metrics", args: []string{"-f", "a.log", "--prometheus", "http://p:9090"}, wantErr: "--log-file and --prometheus cannot be used together"},
		{name: "stdin twice", args: []string{"-f", "-", "-f", "-"}, wantErr: "--log-file - given more than once"},
		{name: "no arguments", args: []string{"x"}, wantErr: `unknown command "x"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf := cmdtest.New(t)
			var got *Options
			err := tf.Run(NewCmdDashboard(tf.Factory, func(o *Options) error { got = o; return nil }), tc.args...)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				var fe *cmdutil.FlagError
				if strings.HasPrefix(tc.wantErr, "--") && !errors.As(err, &fe) {
					t.Errorf("error %v is not a flag error (exit 1 with a hint)", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, got)
		})
	}
}

func TestRunRefusals(t *testing.T) {
	cases := []struct {
		name string
		tty  bool
		args []string
		want string
	}{
		{"not a terminal", false, []string{"--log-file", "../../../examples/gateway-access.log"}, "needs a terminal on standard output: for a report to a file or a pipe, use higress-ai usage"},
		{"missing log", true, []string{"--log-file", "nope.log"}, "cannot read log file nope.log: no such file or directory"},
		{"a folder is no log", true, []string{"--log-file", "."}, "cannot read log file .: is a directory"},
		{"--dir has no pods", true, nil, "--dir has no gateway logs"},
		{"bad prices", true, []string{"--log-file", "../../../examples/gateway-access.log", "--prices", "nope.yaml"}, "--prices"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf := cmdtest.New(t)
			tf.IO.SetTTY(tc.tty)
			err := tf.Run(NewCmdDashboard(tf.Factory, nil), tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error = %v, want %q", err, tc.want)
			}
			if tf.Stdout.Len() != 0 {
				t.Errorf("stdout: %q", tf.Stdout.String())
			}
		})
	}
}
