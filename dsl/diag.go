package dsl

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/zmqgen/zmqgen/dsl/internal/syntax"
)

// Pos is a position in a source file. Line and Col are 1-based; Col counts
// bytes, as Go's compiler does, so that a tab is one column. Offset is the
// 0-based byte offset. The zero Pos means "no position".
type Pos struct {
	Line   int `json:"line"`
	Col    int `json:"col"`
	Offset int `json:"offset"`
}

// IsValid reports whether p is a real position.
func (p Pos) IsValid() bool { return p.Line > 0 }

// Range is a span of source text from Start up to, but not including, End.
type Range struct {
	File  string `json:"file"`
	Start Pos    `json:"start"`
	End   Pos    `json:"end"`
}

// String formats the start of r as file:line:col.
func (r Range) String() string {
	if !r.Start.IsValid() {
		return r.File
	}
	return fmt.Sprintf("%s:%d:%d", r.File, r.Start.Line, r.Start.Col)
}

// posIn converts a participle position in src into a Pos. participle
// counts columns in runes; Pos counts bytes, as Go's tools do, so the
// column is recomputed from the offset.
func posIn(src []byte, p lexer.Position) Pos {
	off := min(max(p.Offset, 0), len(src))
	col := off - (bytes.LastIndexByte(src[:off], '\n') + 1) + 1
	return Pos{Line: p.Line, Col: col, Offset: off}
}

// posAt returns the Pos of byte offset off in src.
func posAt(src []byte, off int) Pos {
	off = min(max(off, 0), len(src))
	line := 1 + bytes.Count(src[:off], []byte("\n"))
	col := off - (bytes.LastIndexByte(src[:off], '\n') + 1) + 1
	return Pos{Line: line, Col: col, Offset: off}
}

// rangeOf is the range a syntax node covers.
func (d *diagnoser) rangeOf(n syntax.Node) Range {
	s, e := n.Span()
	r := Range{File: d.file, Start: posIn(d.src, s), End: posIn(d.src, e)}
	if r.End.Offset < r.Start.Offset || !r.End.IsValid() {
		r.End = r.Start
	}
	return r
}

// Severity says how bad a diagnostic is.
type Severity int

const (
	Error Severity = iota + 1
	Warning
)

func (s Severity) String() string {
	switch s {
	case Error:
		return "error"
	case Warning:
		return "warning"
	}
	return "Severity(?)"
}

// MarshalJSON writes the severity as "error" or "warning".
func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// Related is another place a diagnostic refers to, such as where a
// duplicate name was first declared.
type Related struct {
	Range   Range  `json:"range"`
	Message string `json:"message"`
}

// Diagnostic is one problem found in a topology.
type Diagnostic struct {
	Severity Severity  `json:"severity"`
	Range    Range     `json:"range"`
	Message  string    `json:"message"` // short, lowercase, no final period
	Related  []Related `json:"related,omitempty"`
}

// String is the compact form: file:line:col: error: message.
func (d Diagnostic) String() string {
	return fmt.Sprintf("%s: %s: %s", d.Range, d.Severity, d.Message)
}

// Diagnostics is a list of diagnostics, usually for one or more files.
type Diagnostics []Diagnostic

// HasErrors reports whether any diagnostic is an error (not a warning).
func (ds Diagnostics) HasErrors() bool {
	for _, d := range ds {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Errors returns only the errors.
func (ds Diagnostics) Errors() Diagnostics {
	var out Diagnostics
	for _, d := range ds {
		if d.Severity == Error {
			out = append(out, d)
		}
	}
	return out
}

// Err returns nil when there are no errors, and otherwise an error whose
// text is the compact form of every error, one per line.
func (ds Diagnostics) Err() error {
	errs := ds.Errors()
	if len(errs) == 0 {
		return nil
	}
	return diagError(errs)
}

type diagError Diagnostics

func (e diagError) Error() string {
	var b strings.Builder
	for i, d := range e {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.String())
	}
	return b.String()
}

// Diagnostics lets errors.As recover the list from Err's result.
func (e diagError) Diagnostics() Diagnostics { return Diagnostics(e) }

// AsDiagnostics returns the diagnostics behind an error made by Err.
func AsDiagnostics(err error) (Diagnostics, bool) {
	var de diagError
	if errors.As(err, &de) {
		return Diagnostics(de), true
	}
	return nil, false
}

// Sort orders ds by file, position, severity and message, and drops
// exact duplicates. It returns the sorted list.
func (ds Diagnostics) Sort() Diagnostics {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i], ds[j]
		if a.Range.File != b.Range.File {
			return a.Range.File < b.Range.File
		}
		if a.Range.Start.Offset != b.Range.Start.Offset {
			return a.Range.Start.Offset < b.Range.Start.Offset
		}
		if a.Severity != b.Severity {
			return a.Severity < b.Severity
		}
		return a.Message < b.Message
	})
	out := ds[:0]
	for i, d := range ds {
		if i > 0 && sameDiag(d, ds[i-1]) {
			continue
		}
		out = append(out, d)
	}
	return out
}

func sameDiag(a, b Diagnostic) bool {
	return a.Severity == b.Severity && a.Range == b.Range && a.Message == b.Message
}

// WriteCompact writes one line per diagnostic: file:line:col: error: message.
func (ds Diagnostics) WriteCompact(w io.Writer) error {
	var b bytes.Buffer
	for _, d := range ds {
		b.WriteString(d.String())
		b.WriteByte('\n')
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteJSON writes the diagnostics as a JSON array (an empty array when
// there are none).
func (ds Diagnostics) WriteJSON(w io.Writer) error {
	if ds == nil {
		ds = Diagnostics{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(ds)
}

// SnippetOptions control WriteSnippets.
type SnippetOptions struct {
	// Color uses ANSI colours; set it only when writing to a terminal.
	Color bool
	// Source returns the text of a file named in a diagnostic; nil or a
	// false result prints the diagnostic without its source line.
	Source func(file string) ([]byte, bool)
}

// WriteSnippets writes each diagnostic with the source line it points at
// and a caret under the position, for people reading a terminal.
func (ds Diagnostics) WriteSnippets(w io.Writer, opt SnippetOptions) error {
	var b bytes.Buffer
	paint := func(code, s string) string {
		if !opt.Color {
			return s
		}
		return "\x1b[" + code + "m" + s + "\x1b[0m"
	}
	for _, d := range ds {
		sev := d.Severity.String()
		if d.Severity == Error {
			sev = paint("1;31", sev)
		} else {
			sev = paint("1;33", sev)
		}
		fmt.Fprintf(&b, "%s: %s: %s\n", paint("1", d.Range.String()), sev, paint("1", d.Message))
		if opt.Source != nil && d.Range.Start.IsValid() {
			if src, ok := opt.Source(d.Range.File); ok {
				writeSnippet(&b, src, d.Range, paint)
			}
		}
		for _, r := range d.Related {
			fmt.Fprintf(&b, "  %s: %s\n", r.Range, r.Message)
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// writeSnippet prints the line of r.Start with a gutter and, under it, a
// caret at the column, extended with tildes to the end of the range when
// the range stays on that line.
func writeSnippet(b *bytes.Buffer, src []byte, r Range, paint func(string, string) string) {
	line := sourceLine(src, r.Start.Line)
	if line == nil {
		return
	}
	gutter := fmt.Sprintf("%5d | ", r.Start.Line)
	fmt.Fprintf(b, "%s%s\n", gutter, line)
	col := r.Start.Col - 1
	if col > len(line) {
		col = len(line)
	}
	// Keep tabs so that the caret lines up under tab-indented source.
	pad := make([]byte, 0, col)
	for _, c := range line[:col] {
		if c == '\t' {
			pad = append(pad, '\t')
		} else {
			pad = append(pad, ' ')
		}
	}
	width := 1
	if r.End.Line == r.Start.Line && r.End.Col > r.Start.Col {
		width = r.End.Col - r.Start.Col
	}
	if col+width > len(line) && len(line) > col {
		width = len(line) - col
	}
	mark := "^" + strings.Repeat("~", width-1)
	fmt.Fprintf(b, "%s%s%s\n", strings.Repeat(" ", len(gutter)), pad, paint("1;32", mark))
}

// sourceLine returns line n (1-based) of src without its newline, or nil.
func sourceLine(src []byte, n int) []byte {
	for i := 1; i < n; i++ {
		j := bytes.IndexByte(src, '\n')
		if j < 0 {
			return nil
		}
		src = src[j+1:]
	}
	if j := bytes.IndexByte(src, '\n'); j >= 0 {
		src = src[:j]
	}
	return bytes.TrimRight(src, "\r")
}

// diagnoser collects diagnostics for one file.
type diagnoser struct {
	file  string
	src   []byte
	diags Diagnostics
}

// errorf reports an error at n. An argument made by first is printed as
// file:line:col and also attached to the diagnostic as a Related place.
func (d *diagnoser) errorf(n syntax.Node, format string, args ...any) {
	d.add(Error, d.rangeOf(n), format, args)
}

// warnf reports a warning at n, as errorf reports an error.
func (d *diagnoser) warnf(n syntax.Node, format string, args ...any) {
	d.add(Warning, d.rangeOf(n), format, args)
}

func (d *diagnoser) add(sev Severity, r Range, format string, args []any) {
	var related []Related
	for _, a := range args {
		if p, ok := a.(place); ok {
			related = append(related, Related(p))
		}
	}
	d.diags = append(d.diags, Diagnostic{Severity: sev, Range: r, Message: fmt.Sprintf(format, args...), Related: related})
}

// A place is another location a message names, such as where a duplicate
// was first declared. It prints as file:line:col.
type place Related

func (p place) String() string { return p.Range.String() }

// first is the place where n first appeared, for a message about a
// second one: "socket \"orders\" already declared at %s".
func (d *diagnoser) first(n syntax.Node) place {
	return place{Range: d.rangeOf(n), Message: "first here"}
}
