package syntax

import (
	"fmt"
	"strings"
)

// Suggest returns the candidate closest to name, or "" when none is close
// enough to be a likely typo. Case differences count as small edits, so
// "pull" suggests "PULL".
func Suggest(name string, candidates []string) string {
	best, bestDist := "", -1
	for _, c := range candidates {
		if c == name {
			continue
		}
		// Compared in lower case: a case difference costs nothing here,
		// and "pull" still differs from "PULL" (c == name above).
		d := editDistance(strings.ToLower(name), strings.ToLower(c))
		limit := len(c) / 3
		if limit < 1 {
			limit = 1
		}
		if limit > 3 {
			limit = 3
		}
		// A name that is a prefix of the candidate ("PUL", "rep") is
		// taken as a near miss whatever the distance, and wins ties.
		lc, ln := strings.ToLower(c), strings.ToLower(name)
		if len(ln) >= 2 && (strings.HasPrefix(lc, ln) || strings.HasPrefix(ln, lc)) {
			if d > limit {
				d = limit
			}
			d *= 2
		} else {
			d = d*2 + 1
		}
		if d <= limit*2+1 && (bestDist < 0 || d < bestDist) {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, with a
// transposition of neighbours counted as one edit.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		if a == b {
			return 0
		}
		return 64
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// DidYouMean returns `; did you mean "X"?` for the candidate closest to
// name, or "". Every "did you mean" of the language is worded so, the
// suggestion quoted as names are in messages.
func DidYouMean(name string, candidates []string) string {
	if s := Suggest(name, candidates); s != "" {
		return fmt.Sprintf("; did you mean %q?", s)
	}
	return ""
}

// OrList words a list of alternatives as messages do: "a", "a or b",
// "a, b or c".
func OrList(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}
