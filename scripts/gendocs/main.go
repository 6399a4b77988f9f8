// Command gendocs writes the shell completions and man pages of higress-ai from its cobra tree:
//
//	go run ./scripts/gendocs -completions completions -man dist/man -date 2026-12-02
//
// scripts/gen-docs.sh runs it; the completions are committed (scripts/test.sh checks they are
// fresh), the man pages are made at release time.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/higress-ai/higress-ai/internal/commands"
	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

func main() {
	completions := flag.String("completions", "", "folder for the completion scripts")
	man := flag.String("man", "", "folder for the man pages")
	date := flag.String("date", "", "date printed in the man pages (YYYY-MM-DD; reproducible builds pass the commit's)")
	flag.Parse()
	if err := run(*completions, *man, *date); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs: "+err.Error())
		os.Exit(1)
	}
}

func run(completions, man, date string) error {
	root := func() *cobra.Command {
		streams, _, _, _ := cmdutil.Test()
		return commands.NewCmdRoot(cmdutil.New(context.Background(), streams))
	}
	if completions != "" {
		if err := os.MkdirAll(completions, 0o755); err != nil {
			return err
		}
		gens := []struct {
			file string
			gen  func(*cobra.Command, *bytes.Buffer) error
		}{
			{"higress-ai.bash", func(c *cobra.Command, b *bytes.Buffer) error { return c.GenBashCompletionV2(b, true) }},
			{"higress-ai.zsh", func(c *cobra.Command, b *bytes.Buffer) error { return c.GenZshCompletion(b) }},
			{"higress-ai.fish", func(c *cobra.Command, b *bytes.Buffer) error { return c.GenFishCompletion(b, true) }},
			{"higress-ai.ps1", func(c *cobra.Command, b *bytes.Buffer) error { return c.GenPowerShellCompletionWithDesc(b) }},
		}
		for _, g := range gens {
			var b bytes.Buffer
			if err := g.gen(root(), &b); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(completions, g.file), b.Bytes(), 0o644); err != nil {
				return err
			}
		}
	}
	if man != "" {
		if err := os.MkdirAll(man, 0o755); err != nil {
			return err
		}
		when := time.Unix(0, 0).UTC()
		if date != "" {
			d, err := time.Parse("2006-01-02", date)
			if err != nil {
				return fmt.Errorf("-date %q: use YYYY-MM-DD", date)
			}
			when = d
		}
		r := root()
		r.DisableAutoGenTag = true
		header := &doc.GenManHeader{Title: "HIGRESS-AI", Section: "1", Date: &when, Source: "higress-ai", Manual: "higress-ai manual"}
		if err := doc.GenManTree(r, header, man); err != nil {
			return err
		}
	}
	return nil
}
