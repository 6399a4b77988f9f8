package yamledit

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// Where nodes end. yaml.v3 records where a node starts; its end is found in the text, by the
// rules of the node's style.

// valueStart skips a node's anchor and tag (`&a !!str x` starts at the &).
func (e *editor) valueStart(n *yaml.Node) int {
	i := e.start(n)
	for i < len(e.src) && (e.src[i] == '&' || e.src[i] == '!') {
		for i < len(e.src) && !isSpace(e.src[i]) {
			i++
		}
		for i < len(e.src) && (e.src[i] == ' ' || e.src[i] == '\t') {
			i++
		}
	}
	return i
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// emptyNull is a value written as nothing (`key:`): its span is empty.
func emptyNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null" && n.Value == "" && n.Anchor == ""
}

// end is the offset just after node n's text. parentCol is the 0-based column of the key or dash
// that owns it (block scalars and continuation lines are indented more).
func (e *editor) end(n *yaml.Node, parentCol int, flow bool) int {
	switch n.Kind {
	case yaml.ScalarNode:
		return e.scalarEnd(e.valueStart(n), n.Style, parentCol, flow, false)
	case yaml.AliasNode:
		i := e.start(n)
		for i < len(e.src) && !isSpace(e.src[i]) && !(flow && strings.IndexByte(",]}", e.src[i]) >= 0) {
			i++
		}
		return i
	}
	if n.Style&yaml.FlowStyle != 0 {
		return e.flowEnd(e.valueStart(n))
	}
	if len(n.Content) == 0 {
		return e.valueStart(n)
	}
	if n.Kind == yaml.MappingNode {
		k, v := n.Content[len(n.Content)-2], n.Content[len(n.Content)-1]
		return e.valueEnd(k, v, n.Column-1, false)
	}
	return e.end(n.Content[len(n.Content)-1], n.Column-1, false)
}

// valueEnd is where the value of key k ends: after the colon when it is written as nothing.
func (e *editor) valueEnd(k, v *yaml.Node, keyCol int, flow bool) int {
	if emptyNull(v) {
		return e.colonEnd(k, flow)
	}
	return e.end(v, keyCol, flow)
}

// colonEnd is the offset after the colon that follows key k.
func (e *editor) colonEnd(k *yaml.Node, flow bool) int {
	i := e.scalarEnd(e.valueStart(k), k.Style, k.Column-1, flow, true)
	for i < len(e.src) && (e.src[i] == ' ' || e.src[i] == '\t') {
		i++
	}
	if i < len(e.src) && e.src[i] == ':' {
		return i + 1
	}
	return i
}

func (e *editor) scalarEnd(i int, style yaml.Style, parentCol int, flow, key bool) int {
	s := e.src
	switch {
	case style&yaml.DoubleQuotedStyle != 0:
		for j := i + 1; j < len(s); j++ {
			if s[j] == '\\' {
				j++
			} else if s[j] == '"' {
				return j + 1
			}
		}
		return len(s)
	case style&yaml.SingleQuotedStyle != 0:
		for j := i + 1; j < len(s); j++ {
			if s[j] == '\'' {
				if j+1 < len(s) && s[j+1] == '\'' {
					j++
					continue
				}
				return j + 1
			}
		}
		return len(s)
	case style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0:
		l := e.lineOf(i)
		end := e.lineEnd(l)
		for m := l + 1; m < len(e.lineStart); m++ {
			line := strings.TrimRight(e.line(m), " \t")
			if line == "" {
				continue
			}
			if indentOf(line) <= parentCol {
				break
			}
			end = e.lineEnd(m)
		}
		return end
	}
	// Plain.
	j := i
	for j < len(s) && s[j] != '\n' && s[j] != '\r' {
		c := s[j]
		if c == '#' && j > i && (s[j-1] == ' ' || s[j-1] == '\t') {
			break
		}
		if c == ':' && (key || flow) && (j+1 == len(s) || isSpace(s[j+1]) || (flow && strings.IndexByte(",[]{}", s[j+1]) >= 0)) {
			break
		}
		if flow && strings.IndexByte(",[]{}", c) >= 0 {
			break
		}
		j++
	}
	end := i + len(strings.TrimRight(s[i:j], " \t"))
	if key || flow {
		return end
	}
	// A plain scalar may go on over lines indented more than its owner.
	for m := e.lineOf(i) + 1; m < len(e.lineStart); m++ {
		line := e.line(m)
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") || indentOf(line) <= parentCol {
			break
		}
		if k := strings.Index(line, " #"); k >= 0 {
			line = line[:k]
		}
		end = e.lineStart[m] + len(strings.TrimRight(line, " \t"))
	}
	return end
}

// flowEnd is the offset after the bracket that closes the flow collection opening at i.
func (e *editor) flowEnd(i int) int {
	s, depth := e.src, 0
	for j := i; j < len(s); j++ {
		switch c := s[j]; c {
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				return j + 1
			}
		case '"', '\'':
			style := yaml.DoubleQuotedStyle
			if c == '\'' {
				style = yaml.SingleQuotedStyle
			}
			j = e.scalarEnd(j, style, 0, true, false) - 1
		case '#':
			if j > 0 && isSpace(s[j-1]) {
				for j < len(s) && s[j] != '\n' {
					j++
				}
			}
		}
	}
	return len(s)
}

// dash is the offset of the "-" that opens a block sequence item, or -1.
func (e *editor) dash(item *yaml.Node) int {
	i := e.start(item) - 1
	for i >= 0 && (e.src[i] == ' ' || e.src[i] == '\t') {
		i--
	}
	if i < 0 || e.src[i] != '-' {
		return -1
	}
	return i
}

// ownLinesStart is the first line of what belongs to the entry starting on line l at column col:
// the comment lines right above it at its own indentation.
func (e *editor) ownLinesStart(l, col int) int {
	for l > 0 {
		prev := e.line(l - 1)
		if t := strings.TrimSpace(prev); !strings.HasPrefix(t, "#") || indentOf(prev) != col {
			break
		}
		l--
	}
	return l
}

// onlySpaceBefore reports whether the text from line start to offset off is blank.
func (e *editor) onlySpaceBefore(off int) bool {
	return strings.TrimLeft(e.src[e.lineStart[e.lineOf(off)]:off], " \t") == ""
}
