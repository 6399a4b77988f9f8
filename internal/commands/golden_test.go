package commands

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdtest"
)

// golden compares got with testdata/NAME.golden, or rewrites the file under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("%s differs from %s (go test -update rewrites it; review the diff):\n%s", name, p, got)
	}
}

// TestHelpGolden keeps every command's help as reviewed: a change to a flag, an example or a
// wording shows in the diff of testdata/help/.
func TestHelpGolden(t *testing.T) {
	tf := cmdtest.New(t)
	root := NewCmdRoot(tf.Factory)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if c.Hidden || c.Name() == "help" || c.Parent() != nil && c.Parent().Name() == "completion" {
			return
		}
		t.Run(c.CommandPath(), func(t *testing.T) {
			tf := cmdtest.New(t)
			args := append(strings.Fields(c.CommandPath())[1:], "--help")
			if code := Run(tf.Factory, args); code != 0 {
				t.Fatalf("exit %d: %s", code, tf.Stderr)
			}
			golden(t, filepath.Join("help", strings.ReplaceAll(c.CommandPath(), " ", "_")), tf.Stdout.String())
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// TestTablesGolden keeps the tables as a user sees them off a terminal.
func TestTablesGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"consumer-list", []string{"consumer", "list"}},
		{"consumer-list-wide", []string{"consumer", "list", "-o", "wide"}},
		{"consumer-show", []string{"consumer", "show", "alice"}},
		{"route-list", []string{"route", "list"}},
		{"route-list-wide", []string{"route", "list", "-o", "wide"}},
		{"block-list", []string{"block", "list"}},
		{"block-list-wide", []string{"block", "list", "-o", "wide"}},
		{"usage", []string{"usage", "--log-file", filepath.Join("..", "..", "examples", "gateway-access.log")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tf := gitops(t)
			tf.WriteFile(t, "block.yaml", blockPlugin)
			mustRun(t, tf, tc.args...)
			golden(t, filepath.Join("tables", tc.name), tf.Stdout.String())
		})
	}
}
