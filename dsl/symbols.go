package dsl

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"sync"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/zmqgen/zmqgen/dsl/internal/syntax"
	"github.com/zmqgen/zmqgen/dsl/model"
)

// This file is what editors need from the language beyond Compile: where
// each name is declared and used (for go-to-definition, references,
// rename and the outline), and what may be typed at a position (for
// completion). zmqgen lsp builds on it; it never sees the syntax tree.

// SymbolKind says what a Symbol declares.
type SymbolKind int

const (
	TopologySymbol SymbolKind = iota + 1
	MessageSymbol
	NodeSymbol
	SocketSymbol
	ParamSymbol
)

func (k SymbolKind) String() string {
	switch k {
	case TopologySymbol:
		return "topology"
	case MessageSymbol:
		return "message"
	case NodeSymbol:
		return "node"
	case SocketSymbol:
		return "socket"
	case ParamSymbol:
		return "param"
	}
	return "SymbolKind(?)"
}

// A Symbol is one declared name of a topology.
type Symbol struct {
	Kind SymbolKind
	Name string
	// Node is the node a socket or param belongs to; "" for the others.
	Node string
	// NameRange is the name in the declaration; Decl the whole
	// declaration, comments excluded.
	NameRange Range
	Decl      Range
	// Type is the socket type, param type or message kind as written
	// ("PUSH", "duration", "json"); "const" for a constant message.
	Type string
	// Binds are a socket's bind statements, in order.
	Binds []Range
	// Children are a node's params and sockets, in declaration order.
	Children []*Symbol
	// Dup marks a second declaration of a name, which the checker
	// reports; references resolve to the first one.
	Dup bool
}

// Ref is the "node.socket" form of a socket's name, or the plain name of
// any other symbol.
func (s *Symbol) Ref() string {
	if s.Kind == SocketSymbol {
		return s.Node + "." + s.Name
	}
	return s.Name
}

// A Reference is a use of a declared name: a message named by send, recv
// or a field type, or the node and the socket of a connect's node.socket.
type Reference struct {
	Range  Range
	Name   string
	Kind   SymbolKind
	Target *Symbol // nil when the name is not declared
	// Connect is the whole node.socket of a connect, for both of its
	// references.
	Connect Range
	// From is the socket whose send, recv or connect holds the
	// reference; nil in a message's fields.
	From *Symbol
}

// Analysis is what Analyze finds in one source: Compile's result and an
// index of the declared names and their uses.
type Analysis struct {
	File string
	Src  []byte
	// Diagnostics and Topology are exactly what Compile returns.
	Diagnostics Diagnostics
	Topology    *model.Topology
	// Symbols are the topology, the messages and the nodes, in
	// declaration order (a node's params and sockets are its Children);
	// nil when the file does not parse.
	Symbols []*Symbol
	// Refs are the uses of names, in source order.
	Refs []*Reference

	f           *syntax.File
	partialOnce sync.Once
	partial     *model.Topology
}

// Analyze compiles src as Compile does and indexes its names.
func Analyze(filename string, src []byte) *Analysis {
	filename = slashPath(filename)
	topo, f, diags := compile(filename, src)
	a := &Analysis{File: filename, Src: src, Diagnostics: diags, Topology: topo, f: f}
	if f != nil {
		a.index()
	}
	return a
}

// Partial returns the topology as far as it resolved: the same as
// Topology when there are no errors, and otherwise a model in which what
// did not resolve is missing or zero (a socket of an unknown type has
// Type 0, an unknown message is not in Send). It is nil when the file
// does not parse. It is for showing what is known while the file has
// mistakes, never for generating code. It may be called from several
// goroutines.
func (a *Analysis) Partial() *model.Topology {
	if a.Topology != nil || a.f == nil {
		return a.Topology
	}
	a.partialOnce.Do(func() {
		defer func() { recover() }() // a checker bug leaves it nil
		check := newChecker(a.File, a.Src, syntax.NewComments(syntax.Tokens(a.File, a.Src)))
		a.partial = check.checkFile(a.f)
	})
	return a.partial
}

func (a *Analysis) rangeOf(n syntax.Node) Range {
	d := diagnoser{file: a.File, src: a.Src}
	return d.rangeOf(n)
}

func (a *Analysis) index() {
	f := a.f
	if f.Topology != nil && f.Topology.Name != nil {
		a.Symbols = append(a.Symbols, &Symbol{Kind: TopologySymbol, Name: f.Topology.Name.Name,
			NameRange: a.rangeOf(f.Topology.Name), Decl: a.rangeOf(f.Topology)})
	}
	msgs := map[string]*Symbol{}
	nodes := map[string]*Symbol{}
	sockets := map[string]*Symbol{} // by node.socket
	declOf := map[*syntax.SocketDecl]*Symbol{}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *syntax.MessageDecl:
			s := &Symbol{Kind: MessageSymbol, Name: d.Name.Name, NameRange: a.rangeOf(d.Name), Decl: a.rangeOf(d), Type: "const"}
			if d.Kind != nil {
				s.Type = d.Kind.Name
			}
			if _, dup := msgs[s.Name]; dup {
				s.Dup = true
			} else {
				msgs[s.Name] = s
			}
			a.Symbols = append(a.Symbols, s)
		case *syntax.NodeDecl:
			n := &Symbol{Kind: NodeSymbol, Name: d.Name.Name, NameRange: a.rangeOf(d.Name), Decl: a.rangeOf(d)}
			if _, dup := nodes[n.Name]; dup {
				n.Dup = true
			} else {
				nodes[n.Name] = n
			}
			a.Symbols = append(a.Symbols, n)
			params := map[string]bool{}
			for _, st := range d.Stmts {
				switch st := st.(type) {
				case *syntax.ParamDecl:
					p := &Symbol{Kind: ParamSymbol, Name: st.Name.Name, Node: n.Name, NameRange: a.rangeOf(st.Name),
						Decl: a.rangeOf(st), Type: st.Type.Name, Dup: params[st.Name.Name]}
					params[p.Name] = true
					n.Children = append(n.Children, p)
				case *syntax.SocketDecl:
					s := &Symbol{Kind: SocketSymbol, Name: st.Name.Name, Node: n.Name, NameRange: a.rangeOf(st.Name),
						Decl: a.rangeOf(st), Type: st.Type.Name}
					for _, ss := range st.Stmts {
						if b, ok := ss.(*syntax.Bind); ok {
							s.Binds = append(s.Binds, a.rangeOf(b))
						}
					}
					if _, dup := sockets[s.Ref()]; dup || n.Dup {
						s.Dup = true
					} else {
						sockets[s.Ref()] = s
					}
					declOf[st] = s
					n.Children = append(n.Children, s)
				}
			}
		}
	}
	var from *Symbol
	msgRef := func(id *syntax.Ident) {
		if id == nil {
			return
		}
		if _, builtin := scalarKinds[id.Name]; builtin {
			return
		}
		a.Refs = append(a.Refs, &Reference{Range: a.rangeOf(id), Name: id.Name, Kind: MessageSymbol, Target: msgs[id.Name], From: from})
	}
	var typeRefs func(t *syntax.Type)
	var fieldRefs func(fs []*syntax.Field)
	typeRefs = func(t *syntax.Type) {
		switch {
		case t == nil:
		case t.List != nil:
			typeRefs(t.List)
		case t.Object:
			fieldRefs(t.Fields)
		default:
			msgRef(t.Name)
		}
	}
	fieldRefs = func(fs []*syntax.Field) {
		for _, fd := range fs {
			typeRefs(fd.Type)
		}
	}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *syntax.MessageDecl:
			from = nil
			fieldRefs(d.Fields)
		case *syntax.NodeDecl:
			for _, st := range d.Stmts {
				sd, ok := st.(*syntax.SocketDecl)
				if !ok {
					continue
				}
				from = declOf[sd]
				for _, ss := range sd.Stmts {
					switch ss := ss.(type) {
					case *syntax.Send:
						msgRef(ss.Msg)
					case *syntax.Recv:
						msgRef(ss.Msg)
					case *syntax.Connect:
						if ss.Addr == nil || ss.Addr.Ref == nil {
							continue
						}
						ref := ss.Addr.Ref
						whole := a.rangeOf(ref)
						a.Refs = append(a.Refs,
							&Reference{Range: a.rangeOf(ref.Node), Name: ref.Node.Name, Kind: NodeSymbol, Target: nodes[ref.Node.Name], Connect: whole, From: from},
							&Reference{Range: a.rangeOf(ref.Socket), Name: ref.Node.Name + "." + ref.Socket.Name, Kind: SocketSymbol,
								Target: sockets[ref.Node.Name+"."+ref.Socket.Name], Connect: whole, From: from})
					}
				}
			}
		}
	}
	sort.SliceStable(a.Refs, func(i, j int) bool { return a.Refs[i].Range.Start.Offset < a.Refs[j].Range.Start.Offset })
}

// AllSymbols returns every symbol, children after their node, in
// declaration order.
func (a *Analysis) AllSymbols() []*Symbol {
	var out []*Symbol
	for _, s := range a.Symbols {
		out = append(out, s)
		out = append(out, s.Children...)
	}
	return out
}

func inRange(r Range, offset int) bool {
	return r.Start.Offset <= offset && offset <= r.End.Offset
}

// At returns what the name at byte offset is: a declaration (sym set,
// ref nil) or a use (ref set, sym its target, nil when undeclared). An
// offset just past a name counts as on it, as editors place the cursor.
func (a *Analysis) At(offset int) (sym *Symbol, ref *Reference) {
	for _, r := range a.Refs {
		if inRange(r.Range, offset) {
			return r.Target, r
		}
	}
	for _, s := range a.AllSymbols() {
		if inRange(s.NameRange, offset) {
			return s, nil
		}
	}
	return nil, nil
}

// References returns the uses of sym, in source order.
func (a *Analysis) References(sym *Symbol) []*Reference {
	var out []*Reference
	for _, r := range a.Refs {
		if r.Target == sym {
			out = append(out, r)
		}
	}
	return out
}

var identRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// Rename returns the source with sym renamed to name in its declaration
// and every use, and the ranges (in the current source) that change. It
// refuses, with the checker's own message, a name the checker would
// reject there: one already declared, a builtin type, a Go keyword where
// the name becomes Go, or anything that is not a name.
func (a *Analysis) Rename(sym *Symbol, name string) ([]Range, []byte, error) {
	if sym == nil || sym.Kind == TopologySymbol {
		return nil, nil, fmt.Errorf("only nodes, sockets, messages and params can be renamed")
	}
	if !identRE.MatchString(name) {
		return nil, nil, fmt.Errorf("%q is not a name: a name is a letter or _ followed by letters, digits and _", name)
	}
	if sym.Dup {
		return nil, nil, fmt.Errorf("%s %q is declared twice; fix that first", sym.Kind, sym.Name)
	}
	ranges := []Range{sym.NameRange}
	for _, r := range a.References(sym) {
		ranges = append(ranges, r.Range)
	}
	sort.Slice(ranges, func(i, j int) bool { return ranges[i].Start.Offset < ranges[j].Start.Offset })
	if name == sym.Name {
		return ranges, a.Src, nil
	}
	var b bytes.Buffer
	last := 0
	for _, r := range ranges {
		b.Write(a.Src[last:r.Start.Offset])
		b.WriteString(name)
		last = r.End.Offset
	}
	b.Write(a.Src[last:])
	out := b.Bytes()
	// The checker decides: a rename may not add an error.
	before := map[string]int{}
	for _, d := range a.Diagnostics.Errors() {
		before[d.Message]++
	}
	_, after := Compile(a.File, out)
	errs := after.Errors()
	if len(errs) > len(a.Diagnostics.Errors()) {
		for _, d := range errs {
			if before[d.Message] == 0 {
				return nil, nil, fmt.Errorf("renaming %s %q to %q: %s", sym.Kind, sym.Ref(), name, d.Message)
			}
			before[d.Message]--
		}
		return nil, nil, fmt.Errorf("renaming %s %q to %q: %s", sym.Kind, sym.Ref(), name, errs[0].Message)
	}
	return ranges, out, nil
}

// ---- completion ----

// Cursor says where a position is in the structure of a file, from its
// tokens alone, so that it works while the file does not parse.
type Cursor struct {
	// Block is "top", "node", "socket", "policy" or "fields".
	Block string
	// Stmt is the statement the cursor is in, up to the word being
	// typed: its significant tokens as written since the keyword that
	// began it ("connect", "server1", "."). Between statements it is the
	// one before the cursor, complete ("bind", "\"tcp://*:5000\""); it is
	// empty right after a block's "{" or "}".
	Stmt []string
	// Word is the part of a name before the cursor, and WordStart its
	// byte offset ("" and the cursor's offset between names).
	Word      string
	WordStart int
	// Node is the name of the node the cursor is in; SocketType the type
	// of the socket, as written; Policy the kind of policy block.
	Node       string
	Socket     string
	SocketType string
	Policy     string
	// InString or InComment: the cursor is inside a string literal or
	// a comment, where nothing is completed.
	InString, InComment bool
}

// CursorAt returns the Cursor at byte offset.
func CursorAt(src []byte, offset int) Cursor {
	offset = min(max(offset, 0), len(src))
	toks := syntax.Tokens("", src)
	c := Cursor{Block: "top", WordStart: offset}
	type frame struct{ block, node, socket, stype, policy string }
	stack := []frame{{block: "top"}}
	var stmt []lexer.Token
	for _, t := range toks {
		end := t.Pos.Offset + len(t.Value)
		if t.Pos.Offset >= offset {
			break
		}
		kind := syntax.TokenKind(t)
		switch kind {
		case "Comment", "BadComment":
			lineComment := kind == "Comment" && t.Value[1] == '/'
			if offset < end || lineComment && offset == end || kind == "BadComment" {
				c.InComment = true
			}
			continue
		case "String", "BadString":
			if offset < end || kind == "BadString" && !bytes.Contains(src[t.Pos.Offset:offset], []byte("\n")) {
				c.InString = true
			}
		case "Ident":
			if end >= offset {
				c.Word = string(src[t.Pos.Offset:offset])
				c.WordStart = t.Pos.Offset
				continue
			}
		}
		top := stack[len(stack)-1]
		switch t.Value {
		case "{":
			f := top
			arg := func(i int) string {
				if i < len(stmt) {
					return stmt[i].Value
				}
				return ""
			}
			switch {
			case top.block == "top" && arg(0) == "node":
				f = frame{block: "node", node: arg(1)}
			case top.block == "node" && arg(0) == "socket":
				f.block, f.socket, f.stype = "socket", arg(1), arg(2)
			case top.block == "socket":
				f.block, f.policy = "policy", arg(0)
			default:
				f.block = "fields"
			}
			stack = append(stack, f)
			stmt = nil
			continue
		case "}":
			if len(stack) > 1 {
				stack = stack[:len(stack)-1]
			}
			stmt = nil
			continue
		}
		if kind == "Ident" && startsStmt(stack[len(stack)-1].block, t.Value, stmt) {
			stmt = nil
		}
		stmt = append(stmt, t)
	}
	top := stack[len(stack)-1]
	c.Block, c.Node, c.Socket, c.SocketType, c.Policy = top.block, top.node, top.socket, top.stype, top.policy
	for _, t := range stmt {
		c.Stmt = append(c.Stmt, t.Value)
	}
	return c
}

// startsStmt reports whether word starts a new statement in block, given
// the statement so far.
func startsStmt(block, word string, stmt []lexer.Token) bool {
	if len(stmt) > 0 {
		last := stmt[len(stmt)-1].Value
		// What follows these is an argument, never a statement.
		switch last {
		case "message", "node", "param", "socket", "send", "recv", "connect", "topology", "=", ".", "]":
			return false
		}
		if len(stmt) == 2 && (stmt[0].Value == "param" || stmt[0].Value == "socket") {
			return false
		}
	}
	switch block {
	case "top":
		return word == "message" || word == "node" || word == "topology"
	case "node":
		return slices.Contains(syntax.NodeKeywords, word)
	case "socket":
		return slices.Contains(socketStmtNames, word)
	case "policy":
		return true
	}
	return false
}

// Keywords returns the words that start a statement in block ("top",
// "node" or "socket").
func Keywords(block string) []string {
	switch block {
	case "top":
		return slices.Clone(syntax.TopKeywords)
	case "node":
		return slices.Clone(syntax.NodeKeywords)
	case "socket":
		return slices.Clone(socketStmtNames)
	}
	return nil
}

// SocketTypeNames returns the socket types, as written in a .ztopo.
func SocketTypeNames() []string { return model.SocketTypeNames() }

// MessageKindNames returns the kinds a message may have after "=".
func MessageKindNames() []string { return []string{"string", "bytes", "json", "multipart"} }

// ParamTypeNames returns the types a param may have.
func ParamTypeNames() []string { return []string{"string", "int", "float", "bool", "duration"} }

// FieldTypeNames returns the scalar field types.
func FieldTypeNames() []string { return []string{"int", "float", "string", "bool", "bytes"} }

// PolicyKinds returns the policy blocks a socket may have.
func PolicyKinds() []string { return slices.Clone(blockNames) }

// PolicySettings returns the settings of a policy block.
func PolicySettings(kind string) []string { return append([]string(nil), policySettings[kind]...) }
