package syntax

import (
	"github.com/alecthomas/participle/v2/lexer"
)

// Lexing is about half of what a compile costs (participle's lexer runs a
// regular expression per token), and Parse and Tokens each lexed the whole
// source. Lexed lexes it once for both: the language server checks a file
// on every edit, and a 1,000-node file must be checked within its budget.

// Lexed is a source lexed once: every token, whitespace included (the
// parser needs it, as participle sets a node's EndPos from the raw token
// after it), and the end-of-file token.
type Lexed struct {
	filename string
	src      []byte
	all      []lexer.Token // ends with the EOF token
}

// Lex lexes src. Lexing never fails: every character is some token.
func Lex(filename string, src []byte) *Lexed {
	// About one token (whitespace included) per four bytes of .ztopo.
	l := &Lexed{filename: filename, src: src, all: make([]lexer.Token, 0, len(src)/4+16)}
	lx, err := lexDef.LexString(filename, string(src))
	if err != nil {
		return l
	}
	for {
		t, err := lx.Next()
		if err != nil {
			break
		}
		l.all = append(l.all, t)
		if t.EOF() {
			break
		}
	}
	return l
}

// Tokens returns what the package's Tokens does: every token but
// whitespace and the end of the file.
func (l *Lexed) Tokens() []lexer.Token {
	out := make([]lexer.Token, 0, len(l.all)/2)
	ws := tokenTypes["Whitespace"]
	for _, t := range l.all {
		if t.Type != ws && !t.EOF() {
			out = append(out, t)
		}
	}
	return out
}

// Parse parses the lexed source as the package's Parse does.
func (l *Lexed) Parse() (*File, *Error) {
	if len(l.all) == 0 || !l.all[len(l.all)-1].EOF() {
		return Parse(l.filename, l.src)
	}
	f, err := parser.ParseFromLexer(mustUpgrade(&sliceLexer{toks: l.all}))
	if err != nil {
		return nil, syntaxError(l.filename, l.src, err)
	}
	if e := badCommentText(l.filename, l.src); e != nil {
		return nil, e
	}
	return f, nil
}

func mustUpgrade(lx lexer.Lexer) *lexer.PeekingLexer {
	p, err := lexer.Upgrade(lx, tokenTypes["Comment"], tokenTypes["Whitespace"])
	if err != nil {
		panic(err) // a sliceLexer never fails
	}
	return p
}

// sliceLexer hands out tokens already lexed.
type sliceLexer struct {
	toks []lexer.Token
	i    int
}

func (s *sliceLexer) Next() (lexer.Token, error) {
	t := s.toks[s.i]
	if s.i < len(s.toks)-1 {
		s.i++
	}
	return t, nil
}

// TokenKind returns the name of the lexer rule that made t: "Comment",
// "String", "Quantity", "Float", "Int", "Ident", "Punct", and for input
// that never lexes right "BadString", "BadComment" or "Bad". Editor
// support (dsl.CursorAt) reads a file being typed by its tokens.
func TokenKind(t lexer.Token) string {
	for name, typ := range tokenTypes {
		if typ == t.Type {
			return name
		}
	}
	return ""
}
