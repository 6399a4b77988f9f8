package yamledit

import (
	"strings"

	"go.yaml.in/yaml/v3"
)

// The edits: replace a value, remove an entry or item with its own lines, add one in the style
// of its siblings.

func spaces(n int) string { return strings.Repeat(" ", max(n, 0)) }

// insertAt is where new lines go after line l; at the end of a text without a final newline the
// new lines need one first.
func (e *editor) insertAfterLine(l int, lines string) {
	pos := e.nextLine(l)
	if pos == len(e.src) && !strings.HasSuffix(e.src, "\n") {
		e.add(pos, pos, "\n"+strings.TrimSuffix(lines, "\n"))
		return
	}
	e.add(pos, pos, lines)
}

func (e *editor) replace(n *yaml.Node, v any, pl place) error {
	if n.Kind == yaml.AliasNode {
		return unsupported("a change inside a YAML alias (*%s)", n.Value)
	}
	switch {
	case pl.flow:
		text, _ := e.inline(v, n, true)
		e.add(e.valueStart(n), e.end(n, pl.parentCol, true), text)
		return nil
	case pl.key != nil:
		return e.replaceValue(pl.key, n, v)
	case pl.seq != nil:
		return e.replaceItem(pl.seq, n, v)
	}
	return unsupported("a change to the whole document")
}

func (e *editor) replaceValue(k, n *yaml.Node, v any) error {
	keyCol := k.Column - 1
	kl := e.lineOf(e.start(k))
	ce := e.colonEnd(k, false)
	ve := e.valueEnd(k, n, keyCol, false)
	vs := ce
	if !emptyNull(n) {
		vs = e.valueStart(n)
	}
	text, inline := e.inline(v, n, false)
	block := ""
	if !inline {
		block = e.block(v, n, e.childIndent(v, n, keyCol)) + "\n"
	}
	if e.lineOf(vs) == kl {
		switch {
		case inline && emptyNull(n):
			e.add(ce, ce, " "+text)
		case inline:
			e.add(vs, ve, text)
		default:
			e.add(ce, ve, "")
			e.insertAfterLine(e.lineOf(ve), block)
		}
		return nil
	}
	first, last := e.nextLine(kl), e.nextLine(e.lineOf(ve))
	if inline {
		e.add(ce, ce, " "+text)
		e.add(first, last, "")
		return nil
	}
	if last == len(e.src) && !strings.HasSuffix(e.src, "\n") {
		block = strings.TrimSuffix(block, "\n")
	}
	e.add(first, last, block)
	return nil
}

// childIndent is the column of a new block value under a key at keyCol: the old value's own when
// it was a block collection of the same kind, else the document's habit.
func (e *editor) childIndent(v any, old *yaml.Node, keyCol int) int {
	_, isMap := v.(map[string]any)
	if old != nil && old.Style&yaml.FlowStyle == 0 && len(old.Content) > 0 &&
		((isMap && old.Kind == yaml.MappingNode) || (!isMap && old.Kind == yaml.SequenceNode)) {
		return old.Column - 1
	}
	if isMap || !e.compact {
		return keyCol + e.step
	}
	return keyCol
}

func (e *editor) replaceItem(seq, n *yaml.Node, v any) error {
	d := e.dash(n)
	if d < 0 || e.lineOf(d) != e.lineOf(e.start(n)) {
		return unsupported("a list item not on its dash's line")
	}
	dashCol := seq.Column - 1
	e.add(e.valueStart(n), e.end(n, dashCol, false), e.itemText(v, n, dashCol, n.Column-1-dashCol))
	return nil
}

func (e *editor) removeEntry(n *yaml.Node, i int, flow bool) error {
	k, v := n.Content[i], n.Content[i+1]
	ks := e.start(k)
	if flow {
		e.removeFlow(n, i/2, len(n.Content)/2, ks, e.valueEnd(k, v, k.Column-1, true), func(j int) (int, int) {
			return e.start(n.Content[2*j]), e.valueEnd(n.Content[2*j], n.Content[2*j+1], 0, true)
		})
		return nil
	}
	ve := e.valueEnd(k, v, k.Column-1, false)
	if e.onlySpaceBefore(ks) {
		from := e.lineStart[e.ownLinesStart(e.lineOf(ks), k.Column-1)]
		e.add(from, e.nextLine(e.lineOf(ve)), "")
		return nil
	}
	// The first key of a list item, on the dash's line: the next key moves up beside the dash.
	if i+2 >= len(n.Content) {
		return unsupported("removing the only key of a list item")
	}
	e.add(ks, e.start(n.Content[i+2]), "")
	return nil
}

func (e *editor) removeItem(n *yaml.Node, i int, flow bool) error {
	it := n.Content[i]
	if flow {
		e.removeFlow(n, i, len(n.Content), e.start(it), e.end(it, 0, true), func(j int) (int, int) {
			return e.start(n.Content[j]), e.end(n.Content[j], 0, true)
		})
		return nil
	}
	d := e.dash(it)
	if d < 0 || !e.onlySpaceBefore(d) {
		return unsupported("a list item that does not start its line")
	}
	dashCol := n.Column - 1
	from := e.lineStart[e.ownLinesStart(e.lineOf(d), dashCol)]
	e.add(from, e.nextLine(e.lineOf(e.end(it, dashCol, false))), "")
	return nil
}

// removeFlow drops entry i of count from a flow collection with one of the commas beside it.
func (e *editor) removeFlow(n *yaml.Node, i, count, start, end int, span func(j int) (int, int)) {
	switch {
	case i+1 < count:
		next, _ := span(i + 1)
		e.add(start, next, "")
	case i > 0:
		_, prevEnd := span(i - 1)
		e.add(prevEnd, end, "")
	default:
		e.add(start, end, "")
	}
}

func (e *editor) addEntry(n *yaml.Node, key string, v any, pl place, flow bool) error {
	model := first(cousinValues(pl.cousins, key))
	if model == nil {
		model = siblingModel(n, v)
	}
	keyText := scalarText(key, keyStyle(n), flow)
	if flow {
		text, _ := e.inline(v, model, true)
		text = keyText + ": " + text
		if len(n.Content) == 0 {
			close := e.end(n, 0, true) - 1
			e.add(close, close, text)
			return nil
		}
		last := len(n.Content) - 2
		end := e.valueEnd(n.Content[last], n.Content[last+1], 0, true)
		e.add(end, end, ", "+text)
		return nil
	}
	keyCol := n.Column - 1
	line := spaces(keyCol) + keyText + ":" + e.afterKey(v, model, keyCol) + "\n"
	e.insertAfterLine(e.lineOf(e.end(n, pl.parentCol, false)), line)
	return nil
}

func (e *editor) addItem(n *yaml.Node, at int, v any, pl place, flow bool) error {
	candidates := itemCousins(n, at, pl.cousins)
	if at < len(n.Content) {
		candidates = append([]*yaml.Node{n.Content[at]}, candidates...)
	}
	if at > 0 {
		candidates = append([]*yaml.Node{n.Content[at-1]}, candidates...)
	}
	model := bestModel(candidates, v)
	if flow {
		text, _ := e.inline(v, model, true)
		switch {
		case len(n.Content) == 0:
			close := e.end(n, 0, true) - 1
			e.add(close, close, text)
		case at >= len(n.Content):
			end := e.end(n.Content[len(n.Content)-1], 0, true)
			e.add(end, end, ", "+text)
		default:
			s := e.start(n.Content[at])
			e.add(s, s, text+", ")
		}
		return nil
	}
	dashCol := n.Column - 1
	step := e.itemStep
	if model != nil && model.Kind == yaml.MappingNode && model.Style&yaml.FlowStyle == 0 && len(model.Content) > 0 {
		step = model.Column - 1 - dashCol
	}
	line := spaces(dashCol) + "-" + spaces(step-1) + e.itemText(v, model, dashCol, step) + "\n"
	if at > 0 {
		e.insertAfterLine(e.lineOf(e.end(n.Content[at-1], dashCol, false)), line)
		return nil
	}
	d := e.dash(n.Content[0])
	if d < 0 {
		return unsupported("a list item not on its dash's line")
	}
	pos := e.lineStart[e.ownLinesStart(e.lineOf(d), dashCol)]
	e.add(pos, pos, line)
	return nil
}

// bestModel is the candidate most like v: for a mapping, the one sharing most of its keys (the
// nearest on a tie); else the nearest of v's kind.
func bestModel(candidates []*yaml.Node, v any) *yaml.Node {
	var best *yaml.Node
	bestScore := -1
	for _, c := range candidates {
		if c.Kind != kindOf(v) {
			continue
		}
		score := 0
		if m, ok := v.(map[string]any); ok {
			for i := 0; i+1 < len(c.Content); i += 2 {
				if _, ok := m[c.Content[i].Value]; ok {
					score++
				}
			}
		}
		if score > bestScore {
			best, bestScore = c, score
		}
	}
	return best
}

func first(nodes []*yaml.Node) *yaml.Node {
	if len(nodes) == 0 {
		return nil
	}
	return nodes[0]
}

// siblingModel is a value of mapping n shaped like v (a list for a list, a string for a
// string): the style of a new key's value when no cousin has that key.
func siblingModel(n *yaml.Node, v any) *yaml.Node {
	want := kindOf(v)
	var found *yaml.Node
	for i := 1; i < len(n.Content); i += 2 {
		c := n.Content[i]
		if c.Kind != want {
			continue
		}
		if want != yaml.ScalarNode {
			return c
		}
		if _, isStr := v.(string); !isStr || c.Tag != "!!str" {
			continue
		}
		// Strings: a quoting style only when every string sibling shares it.
		if found != nil && found.Style != c.Style {
			return nil
		}
		found = c
	}
	return found
}

func kindOf(v any) yaml.Kind {
	switch v.(type) {
	case map[string]any:
		return yaml.MappingNode
	case []any:
		return yaml.SequenceNode
	}
	return yaml.ScalarNode
}

// keyStyle is the quoting every key of n shares, else plain.
func keyStyle(n *yaml.Node) yaml.Style {
	var style yaml.Style
	for i := 0; i < len(n.Content); i += 2 {
		s := n.Content[i].Style & (yaml.SingleQuotedStyle | yaml.DoubleQuotedStyle)
		if i > 0 && s != style {
			return 0
		}
		style = s
	}
	return style
}
