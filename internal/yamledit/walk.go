package yamledit

import (
	"reflect"
	"sort"

	"go.yaml.in/yaml/v3"
)

// walk records the edits that turn node n (which reads as before) into after.
func (e *editor) walk(n *yaml.Node, before, after any, pl place) error {
	if reflect.DeepEqual(before, after) {
		return nil
	}
	if n.Kind == yaml.AliasNode {
		return unsupported("a change inside a YAML alias (*%s)", n.Value)
	}
	if n.Anchor != "" && e.anchors[n.Anchor] {
		return unsupported("a change to anchored node &%s, which an alias repeats", n.Anchor)
	}
	bm, bIsMap := before.(map[string]any)
	am, aIsMap := after.(map[string]any)
	if bIsMap && aIsMap && n.Kind == yaml.MappingNode && len(am) > 0 {
		return e.walkMap(n, bm, am, pl)
	}
	bs, bIsSeq := before.([]any)
	as, aIsSeq := after.([]any)
	if bIsSeq && aIsSeq && n.Kind == yaml.SequenceNode && len(as) > 0 {
		return e.walkSeq(n, bs, as, pl)
	}
	return e.replace(n, after, pl)
}

func (e *editor) walkMap(n *yaml.Node, before, after map[string]any, pl place) error {
	flow := pl.flow || n.Style&yaml.FlowStyle != 0
	index := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if k.Kind != yaml.ScalarNode {
			return unsupported("a mapping with a complex key")
		}
		if k.Tag == "!!merge" || k.Value == "<<" {
			return unsupported("a change to a mapping with a merge key (<<)")
		}
		if k.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle|yaml.LiteralStyle|yaml.FoldedStyle) == 0 && !readsAsString(k.Value, k.Value) {
			return unsupported("a change to a mapping with a key YAML 1.1 reads as a non-string (%s)", k.Value)
		}
		index[k.Value] = i
	}
	if len(index) != len(before) {
		return unsupported("a mapping whose keys do not match what it reads as")
	}
	if empty := len(n.Content) == 0; empty && !flow {
		return e.replace(n, after, pl) // {} in block context: write the new mapping in full
	}
	var removed []int
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		nv, ok := after[k.Value]
		if !ok {
			removed = append(removed, i)
			continue
		}
		child := place{parentCol: n.Column - 1, flow: flow, key: k, cousins: cousinValues(pl.cousins, k.Value)}
		if err := e.walk(v, before[k.Value], nv, child); err != nil {
			return err
		}
	}
	for _, i := range removed {
		if err := e.removeEntry(n, i, flow); err != nil {
			return err
		}
	}
	var added []string
	for k := range after {
		if _, ok := before[k]; !ok {
			added = append(added, k)
		}
	}
	sort.Strings(added)
	for _, k := range added {
		if err := e.addEntry(n, k, after[k], pl, flow); err != nil {
			return err
		}
	}
	return nil
}

func (e *editor) walkSeq(n *yaml.Node, before, after []any, pl place) error {
	flow := pl.flow || n.Style&yaml.FlowStyle != 0
	if len(n.Content) != len(before) {
		return unsupported("a sequence whose items do not match what it reads as")
	}
	if len(n.Content) == 0 && !flow {
		return e.replace(n, after, pl)
	}
	for _, g := range align(before, after) {
		paired := min(len(g.removed), len(g.inserted))
		for t := 0; t < paired; t++ {
			i := g.removed[t]
			child := place{parentCol: n.Column - 1, flow: flow, seq: n, cousins: itemCousins(n, i, pl.cousins)}
			if err := e.walk(n.Content[i], before[i], after[g.inserted[t]], child); err != nil {
				return err
			}
		}
		for _, i := range g.removed[paired:] {
			if err := e.removeItem(n, i, flow); err != nil {
				return err
			}
		}
		if extra := g.inserted[paired:]; len(extra) > 0 {
			// New items go after the last item before them that stays (or the paired ones).
			at := g.at + paired
			for _, j := range extra {
				if err := e.addItem(n, at, after[j], pl, flow); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// gap is a place where the lists differ: before's items removed, after's items inserted there;
// at is the index in before where the gap starts.
type gap struct {
	at       int
	removed  []int
	inserted []int
}

// align matches the items of two lists (a longest common subsequence once the common head and
// tail are set aside) and returns where they differ.
func align(before, after []any) []gap {
	p := 0
	for p < len(before) && p < len(after) && reflect.DeepEqual(before[p], after[p]) {
		p++
	}
	s := 0
	for s < len(before)-p && s < len(after)-p && reflect.DeepEqual(before[len(before)-1-s], after[len(after)-1-s]) {
		s++
	}
	b, a := before[p:len(before)-s], after[p:len(after)-s]
	var pairs [][2]int // matched (i in b, j in a)
	if len(b)*len(a) <= 1<<20 {
		lcs := make([][]int, len(b)+1)
		for i := range lcs {
			lcs[i] = make([]int, len(a)+1)
		}
		for i := len(b) - 1; i >= 0; i-- {
			for j := len(a) - 1; j >= 0; j-- {
				if reflect.DeepEqual(b[i], a[j]) {
					lcs[i][j] = lcs[i+1][j+1] + 1
				} else {
					lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
				}
			}
		}
		for i, j := 0, 0; i < len(b) && j < len(a); {
			switch {
			case reflect.DeepEqual(b[i], a[j]):
				pairs = append(pairs, [2]int{i, j})
				i, j = i+1, j+1
			case lcs[i+1][j] >= lcs[i][j+1]:
				i++
			default:
				j++
			}
		}
	}
	pairs = append(pairs, [2]int{len(b), len(a)})
	var gaps []gap
	pi, pj := 0, 0
	for _, m := range pairs {
		g := gap{at: p + pi}
		for i := pi; i < m[0]; i++ {
			g.removed = append(g.removed, p+i)
		}
		for j := pj; j < m[1]; j++ {
			g.inserted = append(g.inserted, p+j)
		}
		if len(g.removed)+len(g.inserted) > 0 {
			gaps = append(gaps, g)
		}
		pi, pj = m[0]+1, m[1]+1
	}
	return gaps
}

// cousins are nodes in the same role as the one being edited (the same key in the other items of
// a list): their style is the model for what is added. A few near ones are enough.
const maxCousins = 8

func cousinValues(cousins []*yaml.Node, key string) []*yaml.Node {
	var out []*yaml.Node
	for _, c := range cousins {
		if v := mapGet(c, key); v != nil {
			out = append(out, v)
		}
	}
	return out
}

func itemCousins(seq *yaml.Node, i int, outer []*yaml.Node) []*yaml.Node {
	var out []*yaml.Node
	for d := 1; len(out) < maxCousins && (i-d >= 0 || i+d < len(seq.Content)); d++ {
		if i-d >= 0 {
			out = append(out, seq.Content[i-d])
		}
		if i+d < len(seq.Content) {
			out = append(out, seq.Content[i+d])
		}
	}
	for _, c := range outer {
		if c.Kind == yaml.SequenceNode && len(c.Content) > 0 && len(out) < maxCousins {
			out = append(out, c.Content[0])
		}
	}
	return out
}

func mapGet(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
