package dsl

import (
	"bytes"
	"sort"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/zmqgen/zmqgen/dsl/internal/syntax"
)

// Format returns src in the canonical layout: four-space indents, one
// statement per line, one blank line between top-level declarations, and
// blank lines inside blocks kept (at most one) where the author put them.
// Every comment survives: a comment on its own line stays on its own line
// before what follows it; a comment after code stays at the end of that
// line. A setting written under an old name is printed under its current
// one (retry's "retries" becomes "tries"). Formatting is idempotent and
// never changes what the file means.
// A file with a syntax error is not formatted; its diagnostics say why.
func Format(filename string, src []byte) (out []byte, diags Diagnostics) {
	filename = slashPath(filename)
	defer recoverInternal(filename, "formatter", &out, &diags)
	lexed := syntax.Lex(filename, src)
	f, diags := parseLexed(filename, src, lexed)
	if f == nil {
		return nil, diags
	}
	p := newPrinter(lexed.Tokens())
	p.file(f)
	return p.buf.Bytes(), nil
}

func slashPath(name string) string { return strings.ReplaceAll(name, "\\", "/") }

// printer writes a syntax tree, weaving in the comments by position.
type printer struct {
	buf    bytes.Buffer
	cmts   []lexer.Token // every comment in order
	next   int           // first comment not printed yet
	sig    []lexer.Token // significant tokens in order
	indent int

	// prevLine is the source line where the last printed thing ended, or
	// 0 at the start of a block (no blank line is kept there).
	prevLine  int
	lastBlank bool // the last output line is blank
	atStart   bool // nothing printed yet

	// stmtEnd is the end offset of the last statement trailing() ended.
	// Comments before it that trailing() left (a statement written over
	// several lines with more than one line comment inside) are printed
	// by the next leading(), followed by a blank line so that they do not
	// become the doc comment of what follows.
	stmtEnd int
}

func newPrinter(toks []lexer.Token) *printer {
	p := &printer{atStart: true, lastBlank: true}
	for _, t := range toks {
		if syntax.IsComment(t) {
			p.cmts = append(p.cmts, t)
		} else {
			p.sig = append(p.sig, t)
		}
	}
	return p
}

func (p *printer) blank() {
	if !p.lastBlank {
		p.buf.WriteByte('\n')
		p.lastBlank = true
	}
}

// line starts an output line at the current indent.
func (p *printer) line(s string) {
	p.buf.WriteString(strings.Repeat("    ", p.indent))
	p.buf.WriteString(s)
	p.lastBlank = false
	p.atStart = false
}

func (p *printer) newline() { p.buf.WriteByte('\n') }

// commentText returns a comment as it is printed: line comments lose
// trailing spaces (and a CR), so that printing is stable.
func printedComment(c lexer.Token) string {
	if strings.HasPrefix(c.Value, "//") {
		return strings.TrimRight(c.Value, " \t\r")
	}
	return c.Value
}

// leading prints the comments before offset off, each on its own line,
// then decides whether a blank line goes before the item at startLine.
// forceBlank puts one blank line before the first of them, as between
// top-level declarations.
func (p *printer) leading(off, startLine int, forceBlank bool) {
	first, leftover := true, false
	for p.next < len(p.cmts) && p.cmts[p.next].Pos.Offset < off {
		c := p.cmts[p.next]
		p.next++
		if first && forceBlank || p.prevLine > 0 && c.Pos.Line > p.prevLine+1 {
			p.blank()
		}
		first = false
		p.line(printedComment(c))
		p.newline()
		leftover = c.Pos.Offset < p.stmtEnd
		// A leftover sits above the statement's last line in the source;
		// the line count continues from the statement.
		p.prevLine = max(p.prevLine, syntax.EndLine(c))
		if !leftover {
			p.prevLine = syntax.EndLine(c)
		}
	}
	if first && forceBlank || p.prevLine > 0 && startLine > p.prevLine+1 || leftover && startLine > 0 {
		p.blank()
	}
}

// sigBefore returns the last significant token before offset off.
func (p *printer) sigBefore(off int) *lexer.Token {
	i := sort.Search(len(p.sig), func(i int) bool { return p.sig[i].Pos.Offset >= off })
	if i == 0 {
		return nil
	}
	return &p.sig[i-1]
}

// sigAt returns the first significant token at or after offset off.
func (p *printer) sigAt(off int) *lexer.Token {
	i := sort.Search(len(p.sig), func(i int) bool { return p.sig[i].Pos.Offset >= off })
	if i == len(p.sig) {
		return nil
	}
	return &p.sig[i]
}

// trailing ends the current output line, first printing the comments
// that belong at its end: any not printed yet before offset end (comments
// written inside a one-line statement) and those on the same source line
// as the statement's last token, up to the next token.
func (p *printer) trailing(end int) {
	last := p.sigBefore(end)
	line := 0
	if last != nil {
		line = syntax.EndLine(*last)
	}
	limit := -1
	if nx := p.sigAt(end); nx != nil {
		limit = nx.Pos.Offset
	}
	p.stmtEnd = end
	var got []lexer.Token
	for p.next < len(p.cmts) {
		c := p.cmts[p.next]
		if c.Pos.Offset < end || c.Pos.Line == line && (limit < 0 || c.Pos.Offset < limit) {
			got = append(got, c)
			p.next++
			// A line comment ends the output line; any other comment
			// is left for leading().
			if strings.HasPrefix(c.Value, "//") {
				break
			}
			continue
		}
		break
	}
	for _, c := range got {
		p.buf.WriteByte(' ')
		p.buf.WriteString(printedComment(c))
	}
	p.newline()
	if line > 0 {
		p.prevLine = line
	}
	for _, c := range got {
		if l := syntax.EndLine(c); l > p.prevLine {
			p.prevLine = l
		}
	}
}

// hasComment reports whether a comment not printed yet lies in [from, to).
func (p *printer) hasComment(from, to int) bool {
	for i := p.next; i < len(p.cmts); i++ {
		o := p.cmts[i].Pos.Offset
		if o >= to {
			return false
		}
		if o >= from {
			return true
		}
	}
	return false
}

// open prints a block header ending in "{" and the comments on its line.
func (p *printer) open(n syntax.Node, header string) {
	start, _ := n.Span()
	brace := p.sigAt(start.Offset)
	for brace != nil && brace.Value != "{" {
		brace = p.sigAt(brace.Pos.Offset + 1)
	}
	p.line(header + " {")
	if brace != nil {
		p.trailing(brace.Pos.Offset + 1)
	} else {
		p.newline()
	}
	p.prevLine = 0
	p.indent++
}

// close prints the comments left in a block and its closing brace.
func (p *printer) close(n syntax.Node) {
	_, end := n.Span()
	closeOff := end.Offset - 1 // the '}' is the block's last token
	p.leading(closeOff, 0, false)
	p.indent--
	p.line("}")
	p.trailing(end.Offset)
}

func (p *printer) file(f *syntax.File) {
	t := f.Topology
	p.leading(t.Pos.Offset, t.Pos.Line, false)
	p.line("topology " + t.Name.Name)
	p.trailing(t.EndPos.Offset)
	for _, d := range f.Decls {
		start, _ := d.Span()
		p.leading(start.Offset, start.Line, true)
		switch d := d.(type) {
		case *syntax.MessageDecl:
			p.message(d)
		case *syntax.NodeDecl:
			p.node(d)
		}
	}
	if p.next < len(p.cmts) {
		p.leading(int(^uint(0)>>1), 0, true)
	}
}

func (p *printer) message(d *syntax.MessageDecl) {
	if d.Const != nil {
		// The literal as written: re-quoting could change its escapes,
		// which the user chose for readability ("\x01" against "\001").
		p.line("message " + d.Name.Name + " = " + d.Const.Text())
		p.trailing(d.EndPos.Offset)
		return
	}
	header := "message " + d.Name.Name + " = " + d.Kind.Name
	if !d.Braces {
		p.line(header)
		p.trailing(d.EndPos.Offset)
		return
	}
	if len(d.Fields) == 0 && !p.hasComment(d.Pos.Offset, d.EndPos.Offset) {
		p.line(header + " {}")
		p.trailing(d.EndPos.Offset)
		return
	}
	p.open(d, header)
	p.fields(d.Fields)
	p.close(d)
}

func (p *printer) fields(fs []*syntax.Field) {
	for _, f := range fs {
		p.leading(f.Pos.Offset, f.Pos.Line, false)
		prefix, inner := typePrefix(f.Type)
		head := f.Name.Name + " " + prefix
		switch {
		case inner.Name != nil:
			p.line(head + inner.Name.Name)
			p.trailing(f.EndPos.Offset)
		case len(inner.Fields) == 0 && !p.hasComment(inner.Pos.Offset, inner.EndPos.Offset):
			p.line(head + "{}")
			p.trailing(f.EndPos.Offset)
		default:
			p.open(inner, strings.TrimSuffix(head, " "))
			p.fields(inner.Fields)
			p.close(inner)
		}
	}
}

// typePrefix returns the "[]" prefixes of a type and its innermost part.
func typePrefix(t *syntax.Type) (string, *syntax.Type) {
	prefix := ""
	for t.List != nil {
		prefix += "[]"
		t = t.List
	}
	return prefix, t
}

func (p *printer) node(d *syntax.NodeDecl) {
	if len(d.Stmts) == 0 && !p.hasComment(d.Pos.Offset, d.EndPos.Offset) {
		p.line("node " + d.Name.Name + " {}")
		p.trailing(d.EndPos.Offset)
		return
	}
	p.open(d, "node "+d.Name.Name)
	for _, st := range d.Stmts {
		start, end := st.Span()
		p.leading(start.Offset, start.Line, false)
		switch st := st.(type) {
		case *syntax.Replicas:
			p.line("replicas " + st.Value.Text())
			p.trailing(end.Offset)
		case *syntax.ParamDecl:
			s := "param " + st.Name.Name + " " + st.Type.Name
			if st.Default != nil {
				s += " = " + st.Default.Text()
			}
			p.line(s)
			p.trailing(end.Offset)
		case *syntax.SocketDecl:
			p.socket(st)
		}
	}
	p.close(d)
}

func (p *printer) socket(d *syntax.SocketDecl) {
	header := "socket " + d.Name.Name + " " + d.Type.Name
	if len(d.Stmts) == 0 && !p.hasComment(d.Pos.Offset, d.EndPos.Offset) {
		p.line(header + " {}")
		p.trailing(d.EndPos.Offset)
		return
	}
	p.open(d, header)
	for _, st := range d.Stmts {
		start, end := st.Span()
		p.leading(start.Offset, start.Line, false)
		switch st := st.(type) {
		case *syntax.Bind:
			p.line("bind " + addressText(st.Addr))
		case *syntax.Connect:
			p.line("connect " + addressText(st.Addr))
		case *syntax.Send:
			p.line("send " + st.Msg.Name)
		case *syntax.Recv:
			p.line("recv " + st.Msg.Name)
		case *syntax.Subscribe:
			p.line("subscribe " + st.Value.Text())
		case *syntax.OptionStmt:
			p.line(st.Name.Name + " " + st.Value.Text())
		case *syntax.Policy:
			p.policy(st)
			continue
		}
		p.trailing(end.Offset)
	}
	p.close(d)
}

func addressText(a *syntax.Address) string {
	if a.Ref != nil {
		return a.Ref.Node.Name + "." + a.Ref.Socket.Name
	}
	return *a.Literal
}

// settingText prints a setting of policy kind, under its current name
// when it was written under an old one ("retries" becomes "tries").
func settingText(kind string, s *syntax.Setting) string {
	name := settingName(kind, s.Name.Name)
	if s.Value == nil {
		return name
	}
	return name + " " + s.Value.Text()
}

// policy prints a policy block on one line, or one setting per line when
// comments inside it need lines of their own.
func (p *printer) policy(d *syntax.Policy) {
	if !p.hasComment(d.Pos.Offset, d.EndPos.Offset-1) {
		parts := []string{d.Kind.Name, "{"}
		for _, s := range d.Settings {
			parts = append(parts, settingText(d.Kind.Name, s))
		}
		parts = append(parts, "}")
		if len(d.Settings) == 0 {
			parts = []string{d.Kind.Name, "{}"}
		}
		p.line(strings.Join(parts, " "))
		p.trailing(d.EndPos.Offset)
		return
	}
	p.open(d, d.Kind.Name)
	for _, s := range d.Settings {
		p.leading(s.Pos.Offset, s.Pos.Line, false)
		p.line(settingText(d.Kind.Name, s))
		p.trailing(s.EndPos.Offset)
	}
	p.close(d)
}
