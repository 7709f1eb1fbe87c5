package syntax

import "github.com/alecthomas/participle/v2/lexer"

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
