package cmdutil

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/util/jsonpath"
	"sigs.k8s.io/yaml"

	"github.com/higress-ai/higress-ai/internal/k8s"
	"github.com/higress-ai/higress-ai/internal/secret"
	"github.com/higress-ai/higress-ai/internal/termsafe"
	"github.com/higress-ai/higress-ai/internal/wasmplugin"
)

// Format is an -o value.
type Format string

// The output formats. A command binds the ones it supports; FormatDefault is its human output (a
// table for a list, the command's own lines otherwise).
const (
	FormatDefault  Format = ""
	FormatTable    Format = "table"
	FormatWide     Format = "wide"
	FormatJSON     Format = "json"
	FormatYAML     Format = "yaml"
	FormatName     Format = "name"
	FormatJSONPath Format = "jsonpath"
	FormatCSV      Format = "csv"
)

// Output is a command's -o (and, for lists, --no-headers; for mutations, --show-secrets): bound
// per command with the formats it supports, checked when the flag is parsed, completed by cobra.
type Output struct {
	allowed   []Format
	format    Format
	template  string // -o jsonpath=TEMPLATE
	NoHeaders bool
	// ShowSecrets prints keys in clear in a dry run's resulting WasmPlugin.
	ShowSecrets bool
}

type outputValue struct{ o *Output }

func (v outputValue) Type() string { return "format" }
func (v outputValue) String() string {
	if v.o.format == FormatJSONPath {
		return "jsonpath=" + v.o.template
	}
	return string(v.o.format)
}

func (v outputValue) Set(s string) error {
	name, template, hasTemplate := strings.Cut(s, "=")
	f := Format(strings.ToLower(name))
	if !slices.Contains(v.o.allowed, f) || hasTemplate != (f == FormatJSONPath) {
		return fmt.Errorf("use %s", v.o.choices())
	}
	if f == FormatJSONPath {
		if _, err := parseJSONPath(template); err != nil {
			return err
		}
	}
	v.o.format, v.o.template = f, template
	return nil
}

func (o *Output) choices() string {
	var c []string
	for _, f := range o.allowed {
		if f == FormatJSONPath {
			c = append(c, "jsonpath=TEMPLATE")
		} else {
			c = append(c, string(f))
		}
	}
	return strings.Join(c, ", ")
}

func parseJSONPath(template string) (*jsonpath.JSONPath, error) {
	if template == "" {
		return nil, fmt.Errorf("jsonpath needs a template, e.g. jsonpath='{.items[*].name}'")
	}
	jp := jsonpath.New("output").AllowMissingKeys(true)
	if err := jp.Parse(template); err != nil {
		return nil, fmt.Errorf("invalid jsonpath template: %v", err)
	}
	return jp, nil
}

// AddOutputFlag binds -o to cmd with the formats it supports. A list (one that supports FormatTable)
// also gets --no-headers.
func AddOutputFlag(cmd *cobra.Command, formats ...Format) *Output {
	o := &Output{allowed: formats}
	cmd.Flags().VarP(outputValue{o}, "output", "o", "output format: "+o.choices())
	_ = cmd.RegisterFlagCompletionFunc("output", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		var out []string
		for _, f := range formats {
			if f == FormatJSONPath {
				out = append(out, "jsonpath=")
			} else {
				out = append(out, string(f))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
	})
	if slices.Contains(formats, FormatTable) {
		cmd.Flags().BoolVar(&o.NoHeaders, "no-headers", false, "print tables without their header row")
	}
	return o
}

// AddMutationOutput binds a mutation's -o (json, yaml, name) and --show-secrets: with --dry-run,
// json and yaml print the resulting WasmPlugin, keys masked unless --show-secrets.
func AddMutationOutput(cmd *cobra.Command) *Output {
	o := AddOutputFlag(cmd, FormatJSON, FormatYAML, FormatName)
	cmd.Flags().BoolVar(&o.ShowSecrets, "show-secrets", false, "with --dry-run -o json|yaml: print the keys of the resulting WasmPlugin in clear")
	return o
}

// Format is the chosen format; FormatDefault when -o was not given.
func (o *Output) Format() Format {
	if o == nil {
		return FormatDefault
	}
	return o.format
}

// Human reports the command's own human output: no -o, or table/wide.
func (o *Output) Human() bool {
	f := o.Format()
	return f == FormatDefault || f == FormatTable || f == FormatWide
}

// Data prints v as json, yaml or jsonpath; other formats are the caller's.
func (o *Output) Data(s *IOStreams, v any) error {
	switch o.Format() {
	case FormatJSON:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(v); err != nil {
			return err
		}
		_, err := s.Out.Write(termsafe.EscapeJSON(buf.Bytes()))
		return err
	case FormatYAML:
		// yaml.Marshal's own way (JSON, then YAML), with the JSON escaped: its YAML parser
		// refuses a raw C1 control, which a name from a file or a log may hold.
		js, err := json.Marshal(v)
		if err != nil {
			return err
		}
		b, err := yaml.JSONToYAML(termsafe.EscapeJSON(js))
		if err == nil {
			b, err = termsafe.EscapeYAML(b)
		}
		if err != nil {
			return err
		}
		_, err = s.Out.Write(b)
		return err
	case FormatJSONPath:
		return o.jsonPath(s.Out, v)
	}
	return fmt.Errorf("output format %q is not data", o.Format())
}

// jsonPath runs the template on v as its JSON encoding reads (json field names, not Go's). A list
// is offered as {.items}, as kubectl offers a list.
func (o *Output) jsonPath(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var doc any
	if err := json.Unmarshal(b, &doc); err != nil {
		return err
	}
	if list, ok := doc.([]any); ok {
		doc = map[string]any{"items": list}
	}
	jp, err := parseJSONPath(o.template)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := jp.Execute(&buf, doc); err != nil {
		return fmt.Errorf("jsonpath: %v", err)
	}
	if buf.Len() > 0 && !bytes.HasSuffix(buf.Bytes(), []byte("\n")) {
		buf.WriteByte('\n')
	}
	_, err = io.WriteString(w, termsafe.EscapeLines(buf.String()))
	return err
}

// List prints a list: json/yaml/jsonpath of items (an empty list is [], never null), one kind/name
// per line for -o name, else the table built by table (wide: -o wide), headers unless --no-headers.
func (o *Output) List(s *IOStreams, items any, kind string, names []string, table func(wide bool) *Table) error {
	switch o.Format() {
	case FormatJSON, FormatYAML, FormatJSONPath:
		return o.Data(s, items)
	case FormatName:
		return printNames(s, kind, names)
	}
	t := table(o.Format() == FormatWide)
	t.NoHeaders = o.NoHeaders
	return t.Render(s)
}

func printNames(s *IOStreams, kind string, names []string) error {
	for _, n := range names {
		if _, err := fmt.Fprintln(s.Out, termsafe.Escape(kind+"/"+n)); err != nil {
			return err
		}
	}
	return nil
}

// Mutation prints what a mutation did. The kubectl status line always goes to stderr. On stdout:
// with -o name, kind/name per name; with -o json|yaml, data, or under --dry-run the resulting
// WasmPlugin (keys masked unless --show-secrets); without -o, the diff of a dry run, and human,
// the command's own stdout lines, otherwise.
func (o *Output) Mutation(s *IOStreams, res wasmplugin.Result, kind string, names []string, data any, human func() error) error {
	switch o.Format() {
	case FormatName:
		if err := printNames(s, kind, names); err != nil {
			return err
		}
	case FormatJSON, FormatYAML:
		var v any = data
		if res.DryRun.Active() {
			v = objectOf(res.Plugin.Obj, o.ShowSecrets)
		}
		if err := o.Data(s, v); err != nil {
			return err
		}
	default:
		if res.DryRun.Active() && res.Changed {
			fmt.Fprint(s.Out, termsafe.EscapeLines(res.Diff()))
		} else if human != nil {
			if err := human(); err != nil {
				return err
			}
		}
	}
	Status(s, res)
	return nil
}

// Status prints kubectl's line for an edit to stderr: "wasmplugin.extensions.higress.io/NAME
// configured", with "(client dry run)" under --dry-run.
func Status(s *IOStreams, res wasmplugin.Result) {
	line := k8s.ResourceName + "/" + res.Plugin.Name() + " " + res.Verb()
	if res.DryRun.Active() {
		line += " (" + string(res.DryRun) + " dry run)"
	}
	fmt.Fprintln(s.ErrOut, termsafe.Escape(line))
}

// objectOf is a WasmPlugin as a GitOps folder would hold it: no server bookkeeping, keys masked
// unless shown.
func objectOf(obj *unstructured.Unstructured, showSecrets bool) any {
	c := obj.DeepCopy()
	for _, f := range []string{"resourceVersion", "managedFields", "generation", "uid", "creationTimestamp"} {
		unstructured.RemoveNestedField(c.Object, "metadata", f)
	}
	delete(c.Object, "status")
	if showSecrets {
		return c.Object
	}
	return secret.Redact(c.Object)
}
