package syntax

import "github.com/alecthomas/participle/v2/lexer"

// This file is the grammar: one struct per rule, Pos first, EndPos last.
// participle builds the parser from the struct tags; golden/grammar.ebnf
// pins the result so that a grammar change is a visible diff.
//
// The grammar is deliberately loose where a semantic check can say more
// than a parse error could: socket types, message kinds, field and param
// types are plain identifiers here and are checked by the checker (package dsl), which
// can answer `did you mean "PULL"?`. Values are likewise any literal; the
// checker knows which kind each statement needs.

// A Node is any syntax tree node.
type Node interface {
	// Span returns the node's first position and the position just past it.
	Span() (start, end lexer.Position)
}

// File is a whole .ztopo file: rule File.
type File struct {
	Pos      lexer.Position
	Topology *TopologyDecl `parser:"@@"`
	Decls    []Decl        `parser:"@@*"`
	EndPos   lexer.Position
}

// TopologyDecl names the topology: rule TopologyDecl.
type TopologyDecl struct {
	Pos    lexer.Position
	Name   *Ident `parser:"'topology' @@"`
	EndPos lexer.Position
}

// Ident is a name with its position: rule Ident.
type Ident struct {
	Pos    lexer.Position
	Name   string `parser:"@Ident"`
	EndPos lexer.Position
}

// A Decl is a top-level declaration: a MessageDecl or a NodeDecl.
type Decl interface {
	Node
	decl()
}

// MessageDecl declares a message type: rule MessageDecl. It is either a
// constant, a string literal, or a kind with optional fields.
//
//	message Work = json { num int }
//	message Ready = "\x01"
type MessageDecl struct {
	Pos  lexer.Position
	Name *Ident `parser:"'message' @@ '='"`
	// Const is the string literal of a constant message; nil for the
	// other kinds, and then Kind is set. It is a Value, so that a number
	// written there gets "expected a string" from the checker.
	Const *Value `parser:"( @@"`
	Kind  *Ident `parser:"| @@"`
	// Braces records whether a field block was written, so that
	// "json {}" (no fields) and "json" (block missing) differ.
	Braces bool     `parser:"  ( @'{'"`
	Fields []*Field `parser:"    @@* '}' )? )"`
	EndPos lexer.Position
}

// Field is one field of a JSON object or one frame of a multipart
// message: rule Field.
type Field struct {
	Pos    lexer.Position
	Name   *Ident `parser:"@@"`
	Type   *Type  `parser:"@@"`
	EndPos lexer.Position
}

// Type is a field type: []T, a nested object { ... }, or a name: rule
// Type. participle has no left recursion, so the list form is a prefix.
type Type struct {
	Pos    lexer.Position
	List   *Type    `parser:"  '[' ']' @@"`
	Object bool     `parser:"| ( @'{'"`
	Fields []*Field `parser:"    @@* '}' )"`
	Name   *Ident   `parser:"| @@"`
	EndPos lexer.Position
}

// NodeDecl declares a node, one program of the topology: rule NodeDecl.
type NodeDecl struct {
	Pos    lexer.Position
	Name   *Ident     `parser:"'node' @@ '{'"`
	Stmts  []NodeStmt `parser:"@@* '}'"`
	EndPos lexer.Position
}

// A NodeStmt is a statement in a node block: Replicas, ParamDecl or
// SocketDecl.
type NodeStmt interface {
	Node
	nodeStmt()
}

// Replicas says how many copies of a node run: rule Replicas.
type Replicas struct {
	Pos    lexer.Position
	Value  *Value `parser:"'replicas' @@"`
	EndPos lexer.Position
}

// ParamDecl declares a node parameter: rule ParamDecl.
//
//	param drink string = "coffee"
type ParamDecl struct {
	Pos     lexer.Position
	Name    *Ident `parser:"'param' @@"`
	Type    *Ident `parser:"@@"`
	Default *Value `parser:"( '=' @@ )?"`
	EndPos  lexer.Position
}

// SocketDecl declares a socket of a node: rule SocketDecl.
type SocketDecl struct {
	Pos    lexer.Position
	Name   *Ident       `parser:"'socket' @@"`
	Type   *Ident       `parser:"@@ '{'"`
	Stmts  []SocketStmt `parser:"@@* '}'"`
	EndPos lexer.Position
}

// A SocketStmt is a statement in a socket block: Bind, Connect, Send,
// Recv, Subscribe, Policy or OptionStmt.
type SocketStmt interface {
	Node
	socketStmt()
}

// Bind is a bind endpoint: rule Bind.
type Bind struct {
	Pos    lexer.Position
	Addr   *Address `parser:"'bind' @@"`
	EndPos lexer.Position
}

// Connect is a connect endpoint: rule Connect.
type Connect struct {
	Pos    lexer.Position
	Addr   *Address `parser:"'connect' @@"`
	EndPos lexer.Position
}

// Address is a literal address string or a node.socket reference: rule
// Address.
type Address struct {
	Pos     lexer.Position
	Literal *string `parser:"  @String"`
	Ref     *Ref    `parser:"| @@"`
	EndPos  lexer.Position
}

// Ref names another node's socket: rule Ref.
type Ref struct {
	Pos    lexer.Position
	Node   *Ident `parser:"@@ '.'"`
	Socket *Ident `parser:"@@"`
	EndPos lexer.Position
}

// Send names a message type a socket sends: rule Send. A socket may
// have several, one per statement.
type Send struct {
	Pos    lexer.Position
	Msg    *Ident `parser:"'send' @@"`
	EndPos lexer.Position
}

// Recv names a message type a socket receives: rule Recv. A socket may
// have several, one per statement.
type Recv struct {
	Pos    lexer.Position
	Msg    *Ident `parser:"'recv' @@"`
	EndPos lexer.Position
}

// Subscribe adds a SUB prefix filter: rule Subscribe.
type Subscribe struct {
	Pos    lexer.Position
	Value  *Value `parser:"'subscribe' @@"`
	EndPos lexer.Position
}

// Policy is a reliability block (retry, reconnect or heartbeat) of
// settings: rule Policy.
//
//	retry { timeout 2500ms tries 3 reopen }
type Policy struct {
	Pos      lexer.Position
	Kind     *Ident     `parser:"@@ '{'"`
	Settings []*Setting `parser:"@@* '}'"`
	EndPos   lexer.Position
}

// Setting is one name, with an optional value, in a policy block: rule
// Setting. A Value is never a bare identifier, so "reopen tries 3"
// splits into two settings without needing newlines.
type Setting struct {
	Pos    lexer.Position
	Name   *Ident `parser:"@@"`
	Value  *Value `parser:"@@?"`
	EndPos lexer.Position
}

// OptionStmt is a socket option such as "hwm 1000": rule OptionStmt.
// Any identifier is accepted so that the checker can name unknown
// options; the negative lookahead keeps a malformed keyword statement
// ("bind 5000") from being read as an option called "bind" (participle
// would otherwise backtrack into this alternative).
type OptionStmt struct {
	Pos    lexer.Position
	Name   *Ident `parser:"(?! 'bind' | 'connect' | 'send' | 'recv' | 'subscribe' | 'socket' | 'param' | 'replicas' | 'node' | 'message' | 'topology') @@"`
	Value  *Value `parser:"@@"`
	EndPos lexer.Position
}

// Value is a literal: a quoted string, a number with a unit (2500ms,
// 1MiB), a float, an integer or a boolean: rule Value. Text keeps the
// literal as written (strings with their quotes), for the formatter.
type Value struct {
	Pos      lexer.Position
	String   *string `parser:"  @String"`
	Quantity *string `parser:"| @Quantity"`
	Float    *string `parser:"| @Float"`
	Int      *string `parser:"| @Int"`
	Bool     *string `parser:"| @('true' | 'false')"`
	EndPos   lexer.Position
}

// Text returns the value as written.
func (v *Value) Text() string {
	switch {
	case v.String != nil:
		return *v.String
	case v.Quantity != nil:
		return *v.Quantity
	case v.Float != nil:
		return *v.Float
	case v.Int != nil:
		return *v.Int
	case v.Bool != nil:
		return *v.Bool
	}
	return ""
}

func (*MessageDecl) decl() {}
func (*NodeDecl) decl()    {}

func (*Replicas) nodeStmt()   {}
func (*ParamDecl) nodeStmt()  {}
func (*SocketDecl) nodeStmt() {}

func (*Bind) socketStmt()       {}
func (*Connect) socketStmt()    {}
func (*Send) socketStmt()       {}
func (*Recv) socketStmt()       {}
func (*Subscribe) socketStmt()  {}
func (*Policy) socketStmt()     {}
func (*OptionStmt) socketStmt() {}

func (n *File) Span() (lexer.Position, lexer.Position)         { return n.Pos, n.EndPos }
func (n *TopologyDecl) Span() (lexer.Position, lexer.Position) { return n.Pos, n.EndPos }
func (n *Ident) Span() (lexer.Position, lexer.Position)        { return n.Pos, n.EndPos }
func (n *MessageDecl) Span() (lexer.Position, lexer.Position)  { return n.Pos, n.EndPos }
func (n *Field) Span() (lexer.Position, lexer.Position)        { return n.Pos, n.EndPos }
func (n *Type) Span() (lexer.Position, lexer.Position)         { return n.Pos, n.EndPos }
func (n *NodeDecl) Span() (lexer.Position, lexer.Position)     { return n.Pos, n.EndPos }
func (n *Replicas) Span() (lexer.Position, lexer.Position)     { return n.Pos, n.EndPos }
func (n *ParamDecl) Span() (lexer.Position, lexer.Position)    { return n.Pos, n.EndPos }
func (n *SocketDecl) Span() (lexer.Position, lexer.Position)   { return n.Pos, n.EndPos }
func (n *Bind) Span() (lexer.Position, lexer.Position)         { return n.Pos, n.EndPos }
func (n *Connect) Span() (lexer.Position, lexer.Position)      { return n.Pos, n.EndPos }
func (n *Address) Span() (lexer.Position, lexer.Position)      { return n.Pos, n.EndPos }
func (n *Ref) Span() (lexer.Position, lexer.Position)          { return n.Pos, n.EndPos }
func (n *Send) Span() (lexer.Position, lexer.Position)         { return n.Pos, n.EndPos }
func (n *Recv) Span() (lexer.Position, lexer.Position)         { return n.Pos, n.EndPos }
func (n *Subscribe) Span() (lexer.Position, lexer.Position)    { return n.Pos, n.EndPos }
func (n *Policy) Span() (lexer.Position, lexer.Position)       { return n.Pos, n.EndPos }
func (n *Setting) Span() (lexer.Position, lexer.Position)      { return n.Pos, n.EndPos }
func (n *OptionStmt) Span() (lexer.Position, lexer.Position)   { return n.Pos, n.EndPos }
func (n *Value) Span() (lexer.Position, lexer.Position)        { return n.Pos, n.EndPos }

var (
	_ Node = (*File)(nil)
	_ Node = (*TopologyDecl)(nil)
	_ Node = (*Ident)(nil)
	_ Node = (*Field)(nil)
	_ Node = (*Type)(nil)
	_ Node = (*Address)(nil)
	_ Node = (*Ref)(nil)
	_ Node = (*Setting)(nil)
	_ Node = (*Value)(nil)

	_ Decl = (*MessageDecl)(nil)
	_ Decl = (*NodeDecl)(nil)

	_ NodeStmt = (*Replicas)(nil)
	_ NodeStmt = (*ParamDecl)(nil)
	_ NodeStmt = (*SocketDecl)(nil)

	_ SocketStmt = (*Bind)(nil)
	_ SocketStmt = (*Connect)(nil)
	_ SocketStmt = (*Send)(nil)
	_ SocketStmt = (*Recv)(nil)
	_ SocketStmt = (*Subscribe)(nil)
	_ SocketStmt = (*Policy)(nil)
	_ SocketStmt = (*OptionStmt)(nil)
)
