// Package pyrepr formats values the way Python's print shows them, so that
// a generated node prints what the guide's Python program of the same role
// prints and the two can be swapped in a transcript. For example, the
// guide's broker prints a multipart message as
//
//	[b'\x00k\x8bEg', b'', b'Hello']
package pyrepr

import (
	"fmt"
	"strconv"
	"strings"
)

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

// ParseList parses what List returns (Python's repr of a list of bytes
// objects) back into frames. Tests use it to read the frames a broker
// printed.
func ParseList(s string) ([][]byte, error) {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return nil, fmt.Errorf("pyrepr: %q is not a list", s)
	}
	s = s[1 : len(s)-1]
	var out [][]byte
	for s != "" {
		if len(out) > 0 {
			if !strings.HasPrefix(s, ", ") {
				return nil, fmt.Errorf("pyrepr: want \", \" before %q", s)
			}
			s = s[2:]
		}
		b, rest, err := parseBytes(s)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
		s = rest
	}
	return out, nil
}

// parseBytes parses one bytes literal at the start of s.
func parseBytes(s string) (b []byte, rest string, err error) {
	if len(s) < 3 || s[0] != 'b' || (s[1] != '\'' && s[1] != '"') {
		return nil, "", fmt.Errorf("pyrepr: want a bytes literal at %q", s)
	}
	quote := s[1]
	b = []byte{}
	for i := 2; i < len(s); i++ {
		c := s[i]
		switch {
		case c == quote:
			return b, s[i+1:], nil
		case c != '\\':
			b = append(b, c)
		case i+1 >= len(s):
			return nil, "", fmt.Errorf("pyrepr: unfinished escape in %q", s)
		default:
			i++
			switch e := s[i]; e {
			case 't':
				b = append(b, '\t')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 'x':
				if i+2 >= len(s) {
					return nil, "", fmt.Errorf("pyrepr: short \\x escape in %q", s)
				}
				v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
				if err != nil {
					return nil, "", fmt.Errorf("pyrepr: bad \\x escape in %q", s)
				}
				b = append(b, byte(v))
				i += 2
			default:
				b = append(b, e) // \\, \' and \"
			}
		}
	}
	return nil, "", fmt.Errorf("pyrepr: unterminated bytes literal %q", s)
}
