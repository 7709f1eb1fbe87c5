package syntax

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
	"github.com/zmqgen/zmqgen/dsl/model"
)

// lexDef is the .ztopo lexer. The last three rules never match valid
// input: they turn an unterminated string or comment and a stray character
// into tokens, so that lexing never fails and the parser reports a
// positioned, specific error instead of participle's "invalid input text".
var lexDef = lexer.MustSimple([]lexer.SimpleRule{
	{Name: "Comment", Pattern: `//[^\n]*|/\*([^*]|\*+[^*/])*\*+/`},
	{Name: "String", Pattern: `"(\\.|[^"\\\n])*"`},
	{Name: "Quantity", Pattern: `-?[0-9]+(\.[0-9]+)?[a-zA-Z]+([0-9]+(\.[0-9]+)?[a-zA-Z]+)*`},
	{Name: "Float", Pattern: `-?[0-9]+\.[0-9]+`},
	{Name: "Int", Pattern: `-?[0-9]+`},
	{Name: "Ident", Pattern: `[a-zA-Z_][a-zA-Z0-9_]*`},
	{Name: "Punct", Pattern: `[{}\[\]=.]`},
	{Name: "Whitespace", Pattern: `[ \t\r\n]+`},
	{Name: "BadString", Pattern: `"(\\.|[^"\\\n])*`},
	{Name: "BadComment", Pattern: `/\*(.|\n)*`},
	{Name: "Bad", Pattern: `.`},
})

var tokenTypes = lexDef.Symbols()

var parser = participle.MustBuild[File](
	participle.Lexer(lexDef),
	participle.Elide("Comment", "Whitespace"),
	participle.Union[Decl](&MessageDecl{}, &NodeDecl{}),
	participle.Union[NodeStmt](&Replicas{}, &ParamDecl{}, &SocketDecl{}),
	// Policy comes before OptionStmt: both start with an identifier and
	// only the next token ('{' or a value) tells them apart.
	participle.Union[SocketStmt](&Bind{}, &Connect{}, &Send{}, &Recv{}, &Subscribe{}, &Policy{}, &OptionStmt{}),
)

// Grammar returns the grammar in participle's EBNF notation.
func Grammar() string { return parser.String() }

// An Error is a syntax error: a byte range of the source and a message in
// the language's own terms ("expected a name after \"node\", found \"{\"").
// End equals Start when the error has no width (the end of the file).
type Error struct {
	Start, End int // byte offsets; End is exclusive
	Msg        string
}

func (e *Error) Error() string { return e.Msg }

// Parse parses src. On a syntax error it returns a nil File and the error;
// lexing never fails (every character is some token), so every problem is
// reported as an Error at a position.
func Parse(filename string, src []byte) (*File, *Error) {
	f, err := parser.ParseBytes(filename, src)
	if err != nil {
		return nil, syntaxError(filename, src, err)
	}
	if e := badCommentText(filename, src); e != nil {
		return nil, e
	}
	return f, nil
}

// badCommentText finds the first byte in a comment that Go source cannot
// hold: comments become the doc comments of generated code, and Go
// rejects a NUL, a byte order mark after the start, and invalid UTF-8.
// Elsewhere such bytes are already tokens of their own (Bad), and string
// literals are written into Go escaped.
func badCommentText(filename string, src []byte) *Error {
	if utf8.Valid(src) && !bytes.ContainsRune(src, 0) && !bytes.ContainsRune(src, '\uFEFF') {
		return nil
	}
	for _, t := range Tokens(filename, src) {
		if !IsComment(t) {
			continue
		}
		for i, w := 0, 0; i < len(t.Value); i += w {
			var r rune
			r, w = utf8.DecodeRuneInString(t.Value[i:])
			what := ""
			switch {
			case r == utf8.RuneError && w == 1:
				what = "invalid UTF-8"
			case r == 0:
				what = "a NUL byte"
			case r == '\uFEFF':
				what = "a byte order mark (U+FEFF)"
			default:
				continue
			}
			off := t.Pos.Offset + i
			return &Error{Start: off, End: off + w, Msg: "comment contains " + what + ", which Go source cannot hold"}
		}
	}
	return nil
}

// Tokens lexes src completely, comments included, whitespace left out.
func Tokens(filename string, src []byte) []lexer.Token {
	lx, err := lexDef.LexString(filename, string(src))
	if err != nil {
		return nil
	}
	var out []lexer.Token
	for {
		t, err := lx.Next()
		if err != nil || t.EOF() {
			return out
		}
		if t.Type == tokenTypes["Whitespace"] {
			continue
		}
		out = append(out, t)
	}
}

// The keywords that start a statement in each kind of block, in the order
// LANGUAGE.md gives them. OptionStmt's negative lookahead repeats them, with
// "topology", because a struct tag cannot be computed; a test holds the two
// equal. Socket blocks also take options and policies, which the checker
// knows (any name parses as an option).
var (
	TopKeywords    = []string{"message", "node"}
	NodeKeywords   = []string{"replicas", "param", "socket"}
	SocketKeywords = []string{"bind", "connect", "send", "recv", "subscribe"}
)

// syntaxError turns a participle error into a positioned error that says
// what was expected in words a user knows.
func syntaxError(filename string, src []byte, err error) *Error {
	var perr participle.Error
	pos := lexer.Position{Filename: filename, Line: 1, Column: 1}
	// Only the position is kept: the message is rebuilt from the tokens
	// around it, in the language's own terms.
	if errors.As(err, &perr) {
		pos = perr.Position()
	}
	toks := Tokens(filename, src)
	// Find the offending token: the first at or after the error position.
	var tok *lexer.Token
	for i := range toks {
		if toks[i].Type == tokenTypes["Comment"] {
			continue
		}
		if toks[i].Pos.Offset >= pos.Offset {
			tok = &toks[i]
			break
		}
	}
	// participle reports a statement whose argument is wrong at the
	// statement's keyword (the union backtracked over it); the argument
	// is the token to point at.
	if tok != nil && tok.Type == tokenTypes["Ident"] {
		if ctx := blockContext(toks, tok.Pos.Offset); slices.Contains(stmtKeywords[ctx], tok.Value) && !afterSocketType(toks, tok) &&
			tok != firstSignificant(toks) {
			pos = tok.Pos
			if nx := nextOf(toks, tok); nx != nil {
				tok = nx
			} else {
				pos.Offset = len(src)
				tok = nil
			}
		}
	}
	e := &Error{Start: min(max(pos.Offset, 0), len(src))}
	e.End = e.Start
	if tok != nil {
		e.Start, e.End = tok.Pos.Offset, tok.Pos.Offset
		if !strings.Contains(tok.Value, "\n") {
			e.End = tok.Pos.Offset + len(tok.Value)
		}
	}
	off := e.Start
	if tok == nil {
		off = len(src)
	}
	if kw, msg := unclosedBlock(toks, off); kw != nil {
		e.Start, e.End, e.Msg = kw.Pos.Offset, kw.Pos.Offset+len(kw.Value), msg
		return e
	}
	e.Msg = explainSyntax(toks, tok, pos)
	return e
}

// stmtKeywords are the statement keywords of each kind of block;
// participle reports an error in such a statement's argument at the
// keyword.
var stmtKeywords = map[string][]string{"top": TopKeywords, "node": NodeKeywords, "socket": SocketKeywords}

// afterSocketType reports whether t stands where a socket's "{" belongs
// (socket NAME TYPE _), so that "socket s PUB bind" is blamed on the
// missing brace rather than on bind.
func afterSocketType(toks []lexer.Token, t *lexer.Token) bool {
	p1 := prevOf(toks, t)
	if p1 == nil {
		return false
	}
	p2 := prevOf(toks, p1)
	if p2 == nil {
		return false
	}
	p3 := prevOf(toks, p2)
	return p3 != nil && p3.Value == "socket"
}

// describe names a token for a message: `"PUL"`, `end of file`, ...
func describe(t *lexer.Token) string {
	if t == nil || t.EOF() {
		return "end of file"
	}
	switch t.Type {
	case tokenTypes["String"]:
		return "string " + t.Value
	case tokenTypes["Int"], tokenTypes["Float"], tokenTypes["Quantity"]:
		return "number " + t.Value
	}
	return fmt.Sprintf("%q", t.Value)
}

// blockContext says which block the parser was in at offset: "top",
// "node", "socket", "policy" or "fields", with the keyword that opened it.
func blockContext(toks []lexer.Token, offset int) string {
	stack := []string{"top"}
	for i, t := range toks {
		if t.Pos.Offset >= offset {
			break
		}
		if t.Type == tokenTypes["Comment"] {
			continue
		}
		switch t.Value {
		case "{":
			kind := "fields"
			if top := stack[len(stack)-1]; top != "fields" {
				kind = openerOf(toks[:i])
			}
			stack = append(stack, kind)
		case "}":
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	return stack[len(stack)-1]
}

// openerOf finds the statement keyword before a '{'.
func openerOf(toks []lexer.Token) string {
	for i := len(toks) - 1; i >= 0 && i >= len(toks)-4; i-- {
		switch toks[i].Value {
		case "node":
			return "node"
		case "socket":
			return "socket"
		case "message", "=":
			return "fields"
		}
	}
	if len(toks) > 0 {
		return "policy"
	}
	return "top"
}

// explainSyntax writes the message for a syntax error at tok.
func explainSyntax(toks []lexer.Token, tok *lexer.Token, pos lexer.Position) string {
	found := describe(tok)
	if tok != nil {
		switch tok.Type {
		case tokenTypes["BadString"]:
			return "string literal not terminated"
		case tokenTypes["BadComment"]:
			return "comment not terminated"
		case tokenTypes["Bad"]:
			return explainBad(toks, tok)
		}
	}
	// The previous significant token tells what the parser wanted.
	var prev *lexer.Token
	for i := range toks {
		if toks[i].Type == tokenTypes["Comment"] {
			continue
		}
		if tok != nil && toks[i].Pos.Offset >= tok.Pos.Offset {
			break
		}
		prev = &toks[i]
	}
	if tok == nil && len(toks) > 0 {
		for i := len(toks) - 1; i >= 0; i-- {
			if toks[i].Type != tokenTypes["Comment"] {
				prev = &toks[i]
				break
			}
		}
	}
	isIdent := tok != nil && tok.Type == tokenTypes["Ident"]
	if prev == nil {
		return fmt.Sprintf("expected \"topology NAME\" at the start of the file, found %s", found)
	}
	switch prev.Value {
	case "topology", "message", "node", "param", "socket":
		if !isIdent {
			return fmt.Sprintf("expected a name after %q, found %s", prev.Value, found)
		}
	case "bind":
		return fmt.Sprintf("expected an address string after \"bind\", such as \"tcp://*:5555\", found %s", found)
	case "connect":
		return fmt.Sprintf("expected an address string or node.socket after \"connect\", found %s", found)
	case "send", "recv":
		return fmt.Sprintf("expected a message type after %q, found %s", prev.Value, found)
	case "subscribe":
		return fmt.Sprintf("expected a prefix string after \"subscribe\", found %s", found)
	case "replicas":
		if tok != nil && tok.Value == "=" {
			return "the number follows \"replicas\" without \"=\": replicas N"
		}
		return fmt.Sprintf("expected a number after \"replicas\", found %s", found)
	case "=":
		if isIdent && tok.Value != "true" && tok.Value != "false" {
			return fmt.Sprintf("expected a value after \"=\", found %s; a string is written in double quotes: \"%s\"", found, tok.Value)
		}
		return fmt.Sprintf("expected a value after \"=\", found %s", found)
	case ".":
		return fmt.Sprintf("expected a socket name after \".\", found %s", found)
	case "[":
		return fmt.Sprintf("expected \"]\" after \"[\", found %s", found)
	case "]":
		return fmt.Sprintf("expected an element type after \"[]\", found %s", found)
	}

	// A keyword followed by its name: what comes next is fixed.
	if len(toks) > 0 && prev.Type == tokenTypes["Ident"] {
		if pp := prevOf(toks, prev); pp != nil {
			switch pp.Value {
			case "message":
				return fmt.Sprintf("expected \"=\" after the message name, found %s", found)
			case "node":
				return fmt.Sprintf("expected \"{\" after the node name, found %s", found)
			case "param":
				return fmt.Sprintf("expected a parameter type (string, int, float, bool, duration), found %s", found)
			case "socket":
				msg := fmt.Sprintf("expected a socket type (%s), found %s", OrList(model.SocketTypeNames()), found)
				if isIdent {
					msg += DidYouMean(tok.Value, model.SocketTypeNames())
				}
				return msg
			}
			if ppp := prevOf(toks, pp); ppp != nil && ppp.Value == "socket" {
				return fmt.Sprintf("expected \"{\" after the socket type, found %s", found)
			}
		}
	}
	if tok != nil && tok.Value == "{" && prev.Type == tokenTypes["String"] {
		if pp := prevOf(toks, prev); pp != nil && pp.Value == "=" {
			return "a constant message is its string alone and has no fields"
		}
	}
	if tok != nil && tok.Value == "=" {
		// An optional "= value" that failed is dropped by the parser,
		// which then stops at the "=" itself.
		nx := nextOf(toks, tok)
		if nx != nil && nx.Type == tokenTypes["Ident"] && nx.Value != "true" && nx.Value != "false" {
			return fmt.Sprintf("expected a value after \"=\", found %s; a string is written in double quotes: \"%s\"", describe(nx), nx.Value)
		}
		return fmt.Sprintf("expected a value after \"=\", found %s", describe(nx))
	}
	off := pos.Offset
	if tok != nil {
		off = tok.Pos.Offset
	}
	ctx := blockContext(toks, off)
	switch ctx {
	case "top":
		if tok == nil {
			break
		}
		if tok.Value == "}" {
			return "unexpected \"}\": no block is open here"
		}
		if prev.Value == "=" || prevOf(toks, prev) != nil && prevOf(toks, prev).Value == "=" {
			break
		}
		if len(toks) > 0 && toks[0].Value != "topology" && tok.Pos.Offset == firstSignificant(toks).Pos.Offset {
			return fmt.Sprintf("expected \"topology NAME\" at the start of the file, found %s", found)
		}
		msg := fmt.Sprintf("expected \"message\" or \"node\", found %s", found)
		if isIdent {
			msg += DidYouMean(tok.Value, append(TopKeywords, "topology"))
		}
		if tok.Value == "topology" {
			msg = "a file declares only one topology"
		}
		return msg
	case "node":
		if tok == nil {
			return "expected \"}\" to close the node, found end of file"
		}
		if tok.Type != tokenTypes["Ident"] && prev.Type == tokenTypes["Ident"] {
			if pp := prevOf(toks, prev); pp != nil && pp.Type == tokenTypes["Ident"] {
				if ppp := prevOf(toks, pp); ppp != nil && ppp.Value == "param" {
					return fmt.Sprintf("a parameter's default follows \"=\": param %s %s = %s", pp.Value, prev.Value, tok.Value)
				}
			}
		}
		msg := fmt.Sprintf("expected \"replicas\", \"param\", \"socket\" or \"}\" in node, found %s", found)
		if isIdent {
			msg += DidYouMean(tok.Value, NodeKeywords)
		}
		return msg
	case "socket":
		if tok == nil {
			return "expected \"}\" to close the socket, found end of file"
		}
		if isIdent {
			if nx := nextOf(toks, tok); nx != nil && nx.Value == "=" {
				return fmt.Sprintf("an option's value follows its name without \"=\": %s VALUE", tok.Value)
			}
			return fmt.Sprintf("expected a value after %q, found %s", tok.Value, describe(nextOf(toks, tok)))
		}
		if prev.Type == tokenTypes["Ident"] {
			return fmt.Sprintf("expected a value after %q, found %s", prev.Value, found)
		}
		return fmt.Sprintf("expected a socket statement (bind, connect, send, recv, subscribe, an option or a policy) or \"}\", found %s", found)
	case "policy":
		if tok == nil {
			return "expected \"}\" to close the block, found end of file"
		}
		return fmt.Sprintf("expected a setting name or \"}\", found %s", found)
	case "fields":
		if tok == nil {
			return "expected \"}\" to close the fields, found end of file"
		}
		if prev.Type == tokenTypes["Ident"] && (prevOf(toks, prev) == nil || prevOf(toks, prev).Type != tokenTypes["Ident"]) {
			return fmt.Sprintf("expected a field type after %q, found %s", prev.Value, found)
		}
		return fmt.Sprintf("expected a field name or \"}\", found %s", found)
	}
	if tok == nil {
		return "unexpected end of file"
	}
	return fmt.Sprintf("unexpected %s", found)
}

func firstSignificant(toks []lexer.Token) *lexer.Token {
	for i := range toks {
		if toks[i].Type != tokenTypes["Comment"] {
			return &toks[i]
		}
	}
	return nil
}

// prevOf returns the significant token before t, or nil.
func prevOf(toks []lexer.Token, t *lexer.Token) *lexer.Token {
	var prev *lexer.Token
	for i := range toks {
		if toks[i].Pos.Offset >= t.Pos.Offset {
			break
		}
		if toks[i].Type != tokenTypes["Comment"] {
			prev = &toks[i]
		}
	}
	return prev
}

// nextOf returns the significant token after t, or nil.
func nextOf(toks []lexer.Token, t *lexer.Token) *lexer.Token {
	for i := range toks {
		if toks[i].Pos.Offset > t.Pos.Offset && toks[i].Type != tokenTypes["Comment"] {
			return &toks[i]
		}
	}
	return nil
}
