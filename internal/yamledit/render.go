package yamledit

import (
	"fmt"
	"sort"
	"strings"

	yamlv2 "go.yaml.in/yaml/v2"
	"go.yaml.in/yaml/v3"
)

// Rendering new values in the style of a model node (the value they replace, a sibling, or the
// same key elsewhere): flow where the model is flow, its quoting for strings, its key order.

// inline renders v on one line: a scalar, an empty collection, or a collection in flow context or
// whose model is flow. ok is false when v is to be written as a block.
func (e *editor) inline(v any, model *yaml.Node, flow bool) (string, bool) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			return "{}", true
		}
	case []any:
		if len(t) == 0 {
			return "[]", true
		}
	default:
		return scalarText(v, scalarStyle(model), flow), true
	}
	if flow || (model != nil && model.Kind == kindOf(v) && model.Style&yaml.FlowStyle != 0) {
		return e.flowText(v, model), true
	}
	return "", false
}

func (e *editor) flowText(v any, model *yaml.Node) string {
	switch t := v.(type) {
	case map[string]any:
		parts := make([]string, 0, len(t))
		for _, k := range orderKeys(t, model) {
			child := mapGet(model, k)
			val, _ := e.inline(t[k], child, true)
			parts = append(parts, scalarText(k, keyStyle(orEmpty(model)), true)+": "+val)
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, 0, len(t))
		for _, it := range t {
			val, _ := e.inline(it, firstItem(model), true)
			parts = append(parts, val)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return scalarText(v, scalarStyle(model), true)
}

// block renders a non-empty map or list as lines at column indent, without a final newline.
func (e *editor) block(v any, model *yaml.Node, indent int) string {
	var lines []string
	switch t := v.(type) {
	case map[string]any:
		for _, k := range orderKeys(t, model) {
			lines = append(lines, spaces(indent)+scalarText(k, keyStyle(orEmpty(model)), false)+":"+e.afterKey(t[k], mapGet(model, k), indent))
		}
	case []any:
		step := e.itemStep
		if it := firstItem(model); it != nil && it.Kind == yaml.MappingNode && it.Style&yaml.FlowStyle == 0 && model.Column <= it.Column-1 {
			step = it.Column - model.Column
		}
		for _, it := range t {
			lines = append(lines, spaces(indent)+"-"+spaces(step-1)+e.itemText(it, firstItem(model), indent, step))
		}
	}
	return strings.Join(lines, "\n")
}

// afterKey is what follows "key:": " value" or a newline and the block.
func (e *editor) afterKey(v any, model *yaml.Node, keyCol int) string {
	if text, ok := e.inline(v, model, false); ok {
		return " " + text
	}
	return "\n" + e.block(v, model, e.childIndent(v, model, keyCol))
}

// itemText is what follows an item's dash: the value, or a block mapping whose first key sits
// beside the dash.
func (e *editor) itemText(v any, model *yaml.Node, dashCol, step int) string {
	if text, ok := e.inline(v, model, false); ok {
		return text
	}
	if _, isMap := v.(map[string]any); isMap {
		return strings.TrimLeft(e.block(v, model, dashCol+step), " ")
	}
	return e.flowText(v, model)
}

// scalarText renders a scalar, quoted as style asks when the value is a string (and as YAML
// needs whatever the style: "true" as a string stays quoted), on one line.
func scalarText(v any, style yaml.Style, flow bool) string {
	var n yaml.Node
	if err := n.Encode(v); err != nil || n.Kind != yaml.ScalarNode {
		return fmt.Sprint(v)
	}
	if s, ok := v.(string); ok {
		n.Style = style & (yaml.SingleQuotedStyle | yaml.DoubleQuotedStyle)
		if strings.ContainsAny(s, "\n\r") || (flow && n.Style == 0 && strings.ContainsAny(s, ",[]{}")) {
			n.Style = yaml.DoubleQuotedStyle
		}
	}
	b, err := yaml.Marshal(&n)
	if err != nil {
		return fmt.Sprint(v)
	}
	text := strings.TrimSuffix(string(b), "\n")
	if s, ok := v.(string); ok && n.Style == 0 && !readsAsString(text, s) {
		// Kubernetes reads YAML 1.1, where y, on and no are booleans: quote what it would misread.
		n.Style = yaml.DoubleQuotedStyle
		if b, err = yaml.Marshal(&n); err == nil {
			text = strings.TrimSuffix(string(b), "\n")
		}
	}
	return text
}

// readsAsString reports whether text, as a YAML 1.1 reader (sigs.k8s.io/yaml's) reads it, is s.
func readsAsString(text, s string) bool {
	var got any
	if yamlv2.Unmarshal([]byte("v: "+text), &got) != nil {
		return false
	}
	m, ok := got.(map[any]any)
	return ok && m["v"] == s
}

func scalarStyle(model *yaml.Node) yaml.Style {
	if model == nil || model.Kind != yaml.ScalarNode || model.Tag != "!!str" {
		return 0
	}
	return model.Style
}

func firstItem(model *yaml.Node) *yaml.Node {
	if model == nil || model.Kind != yaml.SequenceNode || len(model.Content) == 0 {
		return nil
	}
	return model.Content[0]
}

func orEmpty(n *yaml.Node) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return &yaml.Node{Kind: yaml.MappingNode}
	}
	return n
}

// orderKeys lists m's keys in the model's order, then name and id (what a reader looks for
// first), then the rest sorted.
func orderKeys(m map[string]any, model *yaml.Node) []string {
	var out []string
	seen := map[string]bool{}
	take := func(k string) {
		if _, ok := m[k]; ok && !seen[k] {
			out = append(out, k)
			seen[k] = true
		}
	}
	if model != nil && model.Kind == yaml.MappingNode {
		for i := 0; i < len(model.Content); i += 2 {
			take(model.Content[i].Value)
		}
	}
	take("name")
	take("id")
	rest := make([]string, 0, len(m))
	for k := range m {
		if !seen[k] {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}
