// Package yamledit applies the difference between two versions of an object to the YAML text it
// was read from, touching only the bytes of what changed: every comment, the key order, flow or
// block style, quoting and indentation of the rest stay as written, and new keys and items are
// written in the style of their siblings.
//
// It splices bytes rather than re-encoding a node tree (yaml.v3's encoder re-indents and moves
// comments): the node tree says where each node starts, the text says where it ends.
package yamledit

import (
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// ErrUnsupported says the document holds something the editor does not change safely (an alias
// on the path of a change, a merge key, a complex key); the reason follows it in the message.
var ErrUnsupported = errors.New("cannot edit in place")

func unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrUnsupported, fmt.Sprintf(format, args...))
}

// Apply returns doc, the text of one YAML document whose content is before, changed so that it
// reads as after. before and after are what the document decodes to through JSON
// (map[string]any, []any, string, bool, int64, float64, nil). Only the changed nodes' bytes are
// replaced; the caller should still decode the result and compare it with after.
func Apply(doc string, before, after any) (string, error) {
	if reflect.DeepEqual(before, after) {
		return doc, nil
	}
	bom := ""
	if strings.HasPrefix(doc, "\ufeff") {
		bom, doc = "\ufeff", doc[len("\ufeff"):]
	}
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		return "", unsupported("not valid YAML")
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) != 1 {
		return "", unsupported("an empty document")
	}
	e := newEditor(doc, root.Content[0])
	if err := e.walk(root.Content[0], before, after, place{parentCol: -1}); err != nil {
		return "", err
	}
	out, err := e.apply()
	if err != nil {
		return "", err
	}
	return bom + out, nil
}

// place is where a node sits: the column its parent key or dash starts at (block scalars and
// continuation lines are indented more), whether it is inside a flow collection, and the key
// node when it is a mapping value.
type place struct {
	parentCol int
	flow      bool
	key       *yaml.Node   // the key of a mapping value, else nil
	seq       *yaml.Node   // the sequence of an item, else nil
	cousins   []*yaml.Node // nodes in the same role elsewhere: the model for new children
}

type edit struct {
	start, end int
	text       string
	seq        int
}

type editor struct {
	src       string
	lineStart []int
	nl        string
	step      int  // indentation of a nested block mapping
	compact   bool // a block sequence under a key starts at the key's column ("- " not indented)
	itemStep  int  // from an item's dash to its content
	edits     []edit
	anchors   map[string]bool // anchors some alias refers to
}

func newEditor(src string, top *yaml.Node) *editor {
	// Without a nested sequence to learn from, "- " at the key's column: Kubernetes' and the
	// console's habit.
	e := &editor{src: src, nl: "\n", step: 2, compact: true, itemStep: 2, anchors: map[string]bool{}}
	if strings.Contains(src, "\r\n") {
		e.nl = "\r\n"
	}
	e.lineStart = append(e.lineStart, 0)
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			e.lineStart = append(e.lineStart, i+1)
		}
	}
	e.detect(top)
	return e
}

// detect learns the document's indentation habits from its first nested block mapping, block
// sequence under a key and block mapping item, and which anchors are referred to.
func (e *editor) detect(top *yaml.Node) {
	var seenStep, seenSeq, seenItem bool
	var visit func(n *yaml.Node)
	visit = func(n *yaml.Node) {
		if n.Kind == yaml.AliasNode {
			if n.Alias != nil {
				e.anchors[n.Alias.Anchor] = true
			}
			return
		}
		block := n.Style&yaml.FlowStyle == 0
		if n.Kind == yaml.MappingNode && block {
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if v.Style&yaml.FlowStyle != 0 || v.Line == k.Line {
					continue
				}
				switch {
				case v.Kind == yaml.MappingNode && !seenStep && v.Column > k.Column:
					e.step, seenStep = v.Column-k.Column, true
				case v.Kind == yaml.SequenceNode && !seenSeq:
					e.compact, seenSeq = v.Column == k.Column, true
				}
			}
		}
		if n.Kind == yaml.SequenceNode && block && !seenItem {
			for _, it := range n.Content {
				if it.Kind == yaml.MappingNode && it.Style&yaml.FlowStyle == 0 && it.Line == n.Line && it.Column > n.Column {
					e.itemStep, seenItem = it.Column-n.Column, true
					break
				}
			}
		}
		for _, c := range n.Content {
			visit(c)
		}
	}
	visit(top)
}

// offset is the byte offset of a node's line and column (yaml.v3 counts columns in characters).
func (e *editor) offset(line, col int) int {
	if line < 1 || line > len(e.lineStart) {
		return len(e.src)
	}
	i := e.lineStart[line-1]
	for c := 1; c < col && i < len(e.src) && e.src[i] != '\n'; c++ {
		_, w := utf8.DecodeRuneInString(e.src[i:])
		i += w
	}
	return i
}

func (e *editor) start(n *yaml.Node) int { return e.offset(n.Line, n.Column) }

// lineOf is the 0-based line holding byte offset off.
func (e *editor) lineOf(off int) int {
	return sort.Search(len(e.lineStart), func(i int) bool { return e.lineStart[i] > off }) - 1
}

// lineEnd is the offset of the end of line l's content (before its \r\n or \n).
func (e *editor) lineEnd(l int) int {
	end := len(e.src)
	if l+1 < len(e.lineStart) {
		end = e.lineStart[l+1] - 1
	}
	if end > e.lineStart[l] && end <= len(e.src) && end > 0 && e.src[end-1] == '\r' {
		end--
	}
	return end
}

// nextLine is the offset where the line after l starts (the end of the text for the last line).
func (e *editor) nextLine(l int) int {
	if l+1 < len(e.lineStart) {
		return e.lineStart[l+1]
	}
	return len(e.src)
}

func (e *editor) line(l int) string { return e.src[e.lineStart[l]:e.lineEnd(l)] }

func indentOf(s string) int { return len(s) - len(strings.TrimLeft(s, " ")) }

func (e *editor) add(start, end int, text string) {
	e.edits = append(e.edits, edit{start: start, end: end, text: text, seq: len(e.edits)})
}

func (e *editor) apply() (string, error) {
	sort.SliceStable(e.edits, func(i, j int) bool {
		if e.edits[i].start != e.edits[j].start {
			return e.edits[i].start > e.edits[j].start
		}
		return e.edits[i].seq > e.edits[j].seq
	})
	out := e.src
	limit := len(e.src) + 1
	for _, ed := range e.edits {
		if ed.end > limit || ed.start > ed.end {
			return "", unsupported("two changes overlap")
		}
		limit = ed.start
		out = out[:ed.start] + strings.ReplaceAll(ed.text, "\n", e.nl) + out[ed.end:]
	}
	return out, nil
}
