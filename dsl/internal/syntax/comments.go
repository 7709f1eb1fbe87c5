package syntax

import (
	"sort"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
)

// Comments holds a file's comment tokens and what is needed to decide
// which of them document a declaration.
type Comments struct {
	all []lexer.Token // every comment, in source order
	// sig lists the offsets and last lines of the significant (non-comment)
	// tokens, in order, so that a comment can tell what precedes it.
	sigOffset []int
	sigLine   []int
}

// NewComments indexes the comments among toks (from Tokens).
func NewComments(toks []lexer.Token) *Comments {
	c := &Comments{}
	for _, t := range toks {
		if IsComment(t) {
			c.all = append(c.all, t)
			continue
		}
		c.sigOffset = append(c.sigOffset, t.Pos.Offset)
		c.sigLine = append(c.sigLine, EndLine(t))
	}
	return c
}

// IsComment reports whether t is a comment token.
func IsComment(t lexer.Token) bool { return t.Type == tokenTypes["Comment"] }

// EndLine is the line a token ends on.
func EndLine(t lexer.Token) int { return t.Pos.Line + strings.Count(t.Value, "\n") }

// prevSigLine returns the end line of the last significant token before
// offset, or 0 when there is none.
func (c *Comments) prevSigLine(offset int) (line int, off int) {
	i := sort.SearchInts(c.sigOffset, offset)
	if i == 0 {
		return 0, -1
	}
	return c.sigLine[i-1], c.sigOffset[i-1]
}

// trailing reports whether comment t follows code on its own line (a line
// comment, as in `bind "tcp://*:5000" // the front door`).
func (c *Comments) trailing(t lexer.Token) bool {
	line, _ := c.prevSigLine(t.Pos.Offset)
	return line == t.Pos.Line
}

// DocAt returns the doc comment of the construct starting at pos: the
// block of comments right above it (or before it on its line), with no
// blank line and no code between, that does not trail other code.
func (c *Comments) DocAt(pos lexer.Position) string {
	_, prevOff := c.prevSigLine(pos.Offset)
	var group []lexer.Token
	nextLine := pos.Line
	i := sort.Search(len(c.all), func(i int) bool { return c.all[i].Pos.Offset >= pos.Offset })
	for i--; i >= 0; i-- {
		t := c.all[i]
		if t.Pos.Offset < prevOff || c.trailing(t) || EndLine(t) < nextLine-1 {
			break
		}
		nextLine = t.Pos.Line
		// A directive (// zmqgen:accept ...) speaks to tools, not readers.
		if !isDirective(t.Value) {
			group = append(group, t)
		}
	}
	if len(group) == 0 {
		return ""
	}
	var lines []string
	for j := len(group) - 1; j >= 0; j-- {
		lines = append(lines, commentText(group[j].Value)...)
	}
	// Drop blank lines at either end.
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

// commentText strips the comment markers and returns the lines of text.
func commentText(s string) []string {
	if strings.HasPrefix(s, "//") {
		s = strings.TrimPrefix(s, "//")
		s = strings.TrimPrefix(s, " ")
		return []string{strings.TrimRight(s, " \t\r")}
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "/*"), "*/")
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasPrefix(l, "*") {
			l = strings.TrimPrefix(strings.TrimPrefix(l, "*"), " ")
		}
		out = append(out, strings.TrimRight(l, " \t\r"))
	}
	return out
}
