package syntax

import (
	"sort"
	"strings"
)

// Directives are line comments that speak to tools, not to readers:
// "// zmqgen:accept RULE reason". They are kept by the formatter like any
// comment but are never part of a doc comment.

// isDirective reports whether a comment token's text is a zmqgen
// directive.
func isDirective(comment string) bool {
	return strings.HasPrefix(comment, "//zmqgen:") || strings.HasPrefix(comment, "// zmqgen:")
}

// A Directive is one directive comment.
type Directive struct {
	Text   string // after "//" and the name, trimmed: "RULE reason"
	Offset int    // of the comment
	End    int    // offset just past the comment
	// Target is an offset on the line the directive applies to: its own
	// when it follows code, else that of the next code after it (-1 when
	// there is none).
	Target int
}

// Directives returns the directives named name ("zmqgen:accept"), in
// source order.
func (c *Comments) Directives(name string) []Directive {
	var out []Directive
	for _, t := range c.all {
		if !strings.HasPrefix(t.Value, "//") {
			continue
		}
		text := strings.TrimSpace(strings.TrimPrefix(t.Value, "//"))
		rest, ok := strings.CutPrefix(text, name)
		if !ok || rest != "" && rest[0] != ' ' && rest[0] != '\t' {
			continue
		}
		d := Directive{Text: strings.TrimSpace(rest), Offset: t.Pos.Offset, End: t.Pos.Offset + len(t.Value), Target: -1}
		if c.trailing(t) {
			d.Target = t.Pos.Offset
		} else if i := sort.SearchInts(c.sigOffset, t.Pos.Offset); i < len(c.sigOffset) {
			d.Target = c.sigOffset[i]
		}
		out = append(out, d)
	}
	return out
}
