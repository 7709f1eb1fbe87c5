package lsp

import (
	"sort"
	"unicode/utf16"
	"unicode/utf8"

	"go.lsp.dev/protocol"

	"github.com/zmqgen/zmqgen/dsl"
)

// lineIndex converts between the byte offsets of dsl positions and the
// line and UTF-16 character positions of the protocol (its default, and
// the only encoding every client has).
type lineIndex struct {
	src    []byte
	starts []int // byte offset of each line's start
}

func newLineIndex(src []byte) *lineIndex {
	starts := []int{0}
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return &lineIndex{src: src, starts: starts}
}

// position returns the protocol position of byte offset off.
func (l *lineIndex) position(off int) protocol.Position {
	off = min(max(off, 0), len(l.src))
	line := sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > off }) - 1
	return protocol.Position{Line: uint32(line), Character: uint32(utf16Len(l.src[l.starts[line]:off]))}
}

// offset returns the byte offset of protocol position p, clamped to the
// line it names (and to the text).
func (l *lineIndex) offset(p protocol.Position) int {
	if int(p.Line) >= len(l.starts) {
		return len(l.src)
	}
	start := l.starts[p.Line]
	end := len(l.src)
	if int(p.Line)+1 < len(l.starts) {
		end = l.starts[p.Line+1] - 1
	}
	units := int(p.Character)
	off := start
	for off < end && units > 0 {
		r, size := utf8.DecodeRune(l.src[off:end])
		n := utf16.RuneLen(r)
		if n < 0 {
			n = 1
		}
		units -= n
		off += size
	}
	return off
}

// rangeOf converts a dsl range; a range without a position (a file that
// cannot be read) is the file's start.
func (l *lineIndex) rangeOf(r dsl.Range) protocol.Range {
	if !r.Start.IsValid() {
		return protocol.Range{}
	}
	end := r.End.Offset
	if !r.End.IsValid() || end < r.Start.Offset {
		end = r.Start.Offset
	}
	return protocol.Range{Start: l.position(r.Start.Offset), End: l.position(end)}
}

func utf16Len(b []byte) int {
	n := 0
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if k := utf16.RuneLen(r); k > 0 {
			n += k
		} else {
			n++
		}
		b = b[size:]
	}
	return n
}
