package syntax

// Mistakes people bring from other languages: colons, commas, semicolons,
// single quotes, "#" comments, "=" before an option's value, a block left
// open. The parser stops somewhere after them, often at a token that is
// fine in itself; these functions name the real problem instead.

import (
	"fmt"

	"github.com/alecthomas/participle/v2/lexer"
)

// A block is one open "{" of the source: what it opens and where.
type block struct {
	what string       // "node a", "socket s", "the fields of message R", ...
	kind string       // as blockContext says: "node", "socket", "policy" or "fields"
	open *lexer.Token // the "{"
}

// openBlocks lists the blocks open at offset, outermost first.
func openBlocks(toks []lexer.Token, offset int) []block {
	var stack []block
	for i := range toks {
		t := &toks[i]
		if t.Pos.Offset >= offset {
			break
		}
		if t.Type == tokenTypes["Comment"] {
			continue
		}
		switch t.Value {
		case "{":
			kind := "fields"
			if len(stack) == 0 || stack[len(stack)-1].kind != "fields" {
				kind = openerOf(toks[:i])
			}
			stack = append(stack, block{what: blockName(toks, t, kind), kind: kind, open: t})
		case "}":
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	return stack
}

// blockName describes the block that brace opens, of kind.
func blockName(toks []lexer.Token, brace *lexer.Token, kind string) string {
	p1 := prevOf(toks, brace)
	var p2, p3 *lexer.Token
	if p1 != nil {
		p2 = prevOf(toks, p1)
	}
	if p2 != nil {
		p3 = prevOf(toks, p2)
	}
	name := func(t *lexer.Token) string {
		if t == nil {
			return "?"
		}
		return t.Value
	}
	switch kind {
	case "node":
		return "node " + name(p1)
	case "socket":
		return "socket " + name(p2)
	case "policy":
		return fmt.Sprintf("the %s block", name(p1))
	}
	// message NAME = json {  or  field {  (a nested object)
	if p2 != nil && p2.Value == "=" {
		return "the fields of message " + name(p3)
	}
	return "the fields of " + name(p1)
}

// lineStart reports whether t is the first significant token of its line.
func lineStart(toks []lexer.Token, t *lexer.Token) bool {
	p := prevOf(toks, t)
	return p == nil || p.Pos.Line < t.Pos.Line
}

// unclosedBlock finds a block left open: a statement that cannot be inside
// the innermost block open at offset ("message" or "node" inside any
// block, "socket" inside a socket), at the start of a line between the
// block's "{" and offset. It returns that keyword and the message.
func unclosedBlock(toks []lexer.Token, offset int) (*lexer.Token, string) {
	blocks := openBlocks(toks, offset)
	if len(blocks) == 0 {
		return nil, ""
	}
	b := blocks[len(blocks)-1]
	for i := range toks {
		t := &toks[i]
		if t.Pos.Offset <= b.open.Pos.Offset || t.Type == tokenTypes["Comment"] {
			continue
		}
		if t.Pos.Offset > offset {
			break
		}
		if t.Type != tokenTypes["Ident"] || !lineStart(toks, t) {
			continue
		}
		// The declaration's shape, not just its keyword: a field may be
		// called "node".
		var shape bool
		switch t.Value {
		case "message":
			shape = tokenAt(toks, t, 2) == "="
		case "node":
			shape = tokenAt(toks, t, 2) == "{"
		case "socket":
			shape = (b.kind == "socket" || b.kind == "policy") && tokenAt(toks, t, 3) == "{"
		}
		if nx := nextOf(toks, t); shape && nx != nil && nx.Type == tokenTypes["Ident"] {
			return t, fmt.Sprintf("expected \"}\" to close %s (opened at %s) before %q", b.what, posString(b.open.Pos), t.Value)
		}
	}
	return nil, ""
}

// tokenAt returns the value of the n-th significant token after t, or "".
func tokenAt(toks []lexer.Token, t *lexer.Token, n int) string {
	for ; n > 0 && t != nil; n-- {
		t = nextOf(toks, t)
	}
	if t == nil {
		return ""
	}
	return t.Value
}

func posString(p lexer.Position) string {
	return fmt.Sprintf("%s:%d:%d", p.Filename, p.Line, p.Column)
}

// explainBad words the error for a character the language does not use.
func explainBad(toks []lexer.Token, tok *lexer.Token) string {
	prev := prevOf(toks, tok)
	var pp *lexer.Token
	if prev != nil {
		pp = prevOf(toks, prev)
	}
	ctx := blockContext(toks, tok.Pos.Offset)
	prevIdent := prev != nil && prev.Type == tokenTypes["Ident"]
	switch tok.Value {
	case ":":
		switch {
		case prevIdent && pp != nil && pp.Value == "message":
			return fmt.Sprintf("a message is declared with \"=\", not \":\": message %s = KIND", prev.Value)
		case prevIdent && pp != nil && pp.Value == "param":
			return fmt.Sprintf("a parameter's type follows its name without \":\": param %s TYPE", prev.Value)
		case prevIdent && pp != nil && (pp.Value == "node" || pp.Value == "topology"):
			return fmt.Sprintf("unexpected \":\" after %s %s; a %s is declared without one", pp.Value, prev.Value, pp.Value)
		case prevIdent && ctx == "fields":
			return fmt.Sprintf("a field's type follows its name without \":\": %s TYPE", prev.Value)
		case prevIdent && (ctx == "socket" || ctx == "policy"):
			return fmt.Sprintf("a setting's value follows its name without \":\": %s VALUE", prev.Value)
		}
		return "unexpected \":\"; names and types or values are separated by spaces"
	case ",":
		if ctx == "socket" && prev != nil && prev.Type == tokenTypes["String"] {
			if kw := prevOf(toks, prev); kw != nil && (kw.Value == "connect" || kw.Value == "bind" || kw.Value == "subscribe") {
				return fmt.Sprintf("%q takes one value: write one %q line for each", kw.Value, kw.Value)
			}
		}
		return "unexpected \",\"; fields and statements are separated by new lines, not commas"
	case ";":
		return "unexpected \";\"; a statement ends with its line"
	case "'":
		return "strings are written in double quotes (\"...\"), not single quotes"
	case "`":
		return "strings are written in double quotes (\"...\"), not backquotes"
	case "#":
		return "comments start with \"//\" or \"/*\", not \"#\""
	case "<", ">":
		if ctx == "fields" {
			return "a list type is written []T, as in Go: []int"
		}
	case "(", ")":
		if ctx == "top" || ctx == "node" {
			return fmt.Sprintf("unexpected %q; a node is declared \"node NAME {\", a socket \"socket NAME TYPE {\"", tok.Value)
		}
	}
	return fmt.Sprintf("unexpected character %q", tok.Value)
}
