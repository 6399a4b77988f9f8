package provider

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/higress-ai/higress-ai/internal/commands/cmdutil"
)

func TestAddAndRotateFlags(t *testing.T) {
	add := func(f *cmdutil.Factory, ran *bool) *cobra.Command {
		return NewCmdAdd(f, func(*AddOptions) error { *ran = true; return nil })
	}
	rotate := func(f *cmdutil.Factory, ran *bool) *cobra.Command {
		return NewCmdRotateKey(f, func(*RotateOptions) error { *ran = true; return nil })
	}
	cases := []struct {
		name string
		cmd  func(*cmdutil.Factory, *bool) *cobra.Command
		args []string
		err  string
	}{
		{"add keyed", add, []string{"openai", "--type", "openai", "--api-key-env", "K"}, ""},
		{"add keyless", add, []string{"local", "--type", "ollama"}, ""},
		{"add without type", add, []string{"openai", "--api-key-env", "K"}, "--type is required"},
		{"add without key", add, []string{"openai", "--type", "openai"}, "needs an upstream key"},
		{"add bad id", add, []string{"Open_AI", "--type", "openai", "--api-key-env", "K"}, "invalid provider id"},
		{"rotate new key", rotate, []string{"openai", "--api-key-stdin"}, ""},
		{"rotate finish", rotate, []string{"openai", "--finish"}, ""},
		{"rotate nothing", rotate, []string{"openai"}, "give the new key"},
		{"rotate both", rotate, []string{"openai", "--finish", "--api-key-env", "K"}, "give the new key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tf := cmdutil.NewTestFactory(t)
			ran := false
			err := tf.Run(tc.cmd(tf.Factory, &ran), tc.args...)
			if tc.err == "" {
				if err != nil || !ran {
					t.Fatalf("error %v, ran %v", err, ran)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.err) || ran {
				t.Fatalf("error %v (ran %v), want %q", err, ran, tc.err)
			}
		})
	}
}

func TestReadKeys(t *testing.T) {
	s, in, _, _ := cmdutil.Test()
	in.WriteString("sk-one-0123456789\n\n  sk-two-0123456789  \n")
	env := map[string]string{"A": "sk-env-0123456789\n"}
	keys, err := KeySource{Stdin: true, Env: []string{"A"}}.read(s, func(k string) string { return env[k] })
	if err != nil || strings.Join(keys, " ") != "sk-one-0123456789 sk-two-0123456789 sk-env-0123456789" {
		t.Fatalf("keys %v %v", keys, err)
	}
	if _, err := (KeySource{Stdin: true}).read(s, nil); err == nil || !strings.Contains(err.Error(), "no key on standard input") {
		t.Fatalf("empty stdin: %v", err)
	}
}
