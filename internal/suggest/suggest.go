// Package suggest finds the name a user most likely meant, for "did you mean" hints.
package suggest

import "strings"

// Closest returns the candidate nearest to name by edit distance (case-insensitive), when it is
// near enough to be a typo: at most a third of the name's length, and at least one edit away.
func Closest(name string, candidates []string) (string, bool) {
	best, bestD := "", -1
	limit := max(1, len([]rune(name))/3)
	for _, c := range candidates {
		d := distance(strings.ToLower(name), strings.ToLower(c))
		if d == 0 && c == name {
			continue
		}
		if d <= limit && (bestD < 0 || d < bestD) {
			best, bestD = c, d
		}
	}
	return best, bestD >= 0
}

// distance is the optimal string alignment distance between a and b, in runes: insertions,
// deletions, substitutions and swaps of two neighbours (the commonest typo) cost one each.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
