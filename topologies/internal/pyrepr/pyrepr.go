// Package pyrepr formats values the way Python's print shows them, so that
// a generated node prints what the guide's Python program of the same role
// prints and the two can be swapped in a transcript. For example, the
// guide's broker prints a multipart message as
//
//	[b'\x00k\x8bEg', b'', b'Hello']
package pyrepr

import "strings"

// Bytes returns Python's repr of b as a bytes object: b'...' with
// backslash escapes, or b"..." when b holds a single quote and no double
// quote.
func Bytes(b []byte) string {
	var sb strings.Builder
	writeBytes(&sb, b)
	return sb.String()
}

// List returns Python's repr of a list of bytes objects, as print shows a
// multipart message: [b'a', b”, b'c'].
func List(frames [][]byte) string {
	var sb strings.Builder
	sb.WriteByte('[')
	for i, f := range frames {
		if i > 0 {
			sb.WriteString(", ")
		}
		writeBytes(&sb, f)
	}
	sb.WriteByte(']')
	return sb.String()
}

const hexDigits = "0123456789abcdef"

func writeBytes(sb *strings.Builder, b []byte) {
	quote := byte('\'')
	if strings.IndexByte(string(b), '\'') >= 0 && strings.IndexByte(string(b), '"') < 0 {
		quote = '"'
	}
	sb.WriteByte('b')
	sb.WriteByte(quote)
	for _, c := range b {
		switch {
		case c == quote || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c == '\t':
			sb.WriteString(`\t`)
		case c == '\n':
			sb.WriteString(`\n`)
		case c == '\r':
			sb.WriteString(`\r`)
		case c < ' ' || c >= 0x7f:
			sb.WriteString(`\x`)
			sb.WriteByte(hexDigits[c>>4])
			sb.WriteByte(hexDigits[c&0xf])
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte(quote)
}
