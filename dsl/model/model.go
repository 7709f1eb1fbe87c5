// Package model is the checked, resolved form of a topology: what the dsl
// package hands to code generation and to the graph and up commands.
//
// A model holds no parser structures and no source positions. Every
// reference is resolved to a pointer, every default is filled in, and every
// slice is in a fixed order (declaration order unless a field says
// otherwise), so that walking it gives the same result on every run.
package model

import "time"

// Topology is one checked .ztopo file.
type Topology struct {
	Name string
	Doc  string // the doc comment, without comment markers; lines joined by "\n"

	// Source is the path of the .ztopo file as the user named it,
	// slash-separated. Generated files name it in their header.
	Source string

	Messages []*Message // declared messages, in declaration order
	Nodes    []*Node    // in declaration order
	Edges    []*Edge    // sorted by (From.Node.Name, From.Name, To.Node.Name, To.Name, Addr)
}

// Node looks up a node by name; it returns nil if there is none.
func (t *Topology) Node(name string) *Node {
	for _, n := range t.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// Message looks up a declared message by name; it returns nil if there is none.
func (t *Topology) Message(name string) *Message {
	for _, m := range t.Messages {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// MessageKind says how a message is laid out on the wire.
type MessageKind int

const (
	String    MessageKind = iota + 1 // one frame of UTF-8 text
	Bytes                            // one frame of raw bytes
	JSON                             // one frame holding a JSON object with Fields
	Multipart                        // one frame per Field, in order
	Const                            // one frame holding exactly Message.Value
)

func (k MessageKind) String() string {
	switch k {
	case String:
		return "string"
	case Bytes:
		return "bytes"
	case JSON:
		return "json"
	case Multipart:
		return "multipart"
	case Const:
		return "const"
	}
	return "MessageKind(?)"
}

// Message is a message type. The builtin types string and bytes, when a
// socket names them directly, are Messages with Builtin set and Name
// "string" or "bytes"; they are not listed in Topology.Messages.
type Message struct {
	Name    string
	Doc     string
	Kind    MessageKind
	Builtin bool
	Fields  []*Field // JSON: object fields; Multipart: frames in order; else nil
	// Value is a Const message's one frame, byte for byte (never
	// empty); nil for other kinds. A socket that receives several types
	// tells constants apart by these bytes.
	Value []byte
}

// Field is a field of a JSON object or a frame of a multipart message.
type Field struct {
	Name string // as written in the .ztopo; for JSON it is also the key
	Doc  string
	Type *FieldType
}

// FieldKind is the kind of a field's value.
type FieldKind int

const (
	Int    FieldKind = iota + 1 // int64; for a multipart frame, decimal text
	Float                       // float64; for a multipart frame, decimal text
	Str                         // string
	Bool                        // bool; for a multipart frame, "true" or "false"
	Raw                         // []byte; base64 in JSON as encoding/json does
	List                        // a JSON array of Elem; not allowed as a frame
	Object                      // a nested JSON object with Fields; not allowed as a frame
	Ref                         // another declared JSON message, by name
)

func (k FieldKind) String() string {
	switch k {
	case Int:
		return "int"
	case Float:
		return "float"
	case Str:
		return "string"
	case Bool:
		return "bool"
	case Raw:
		return "bytes"
	case List:
		return "list"
	case Object:
		return "object"
	case Ref:
		return "ref"
	}
	return "FieldKind(?)"
}

// FieldType is the type of a Field.
type FieldType struct {
	Kind    FieldKind
	Elem    *FieldType // List: the element type
	Fields  []*Field   // Object: the nested fields
	Message *Message   // Ref: the referenced JSON message
}

// Node is one program of the topology.
type Node struct {
	Name     string
	Doc      string
	Replicas int // how many copies run; 1 when the .ztopo does not say
	Params   []*Param
	Sockets  []*Socket
}

// Socket looks up one of the node's sockets by name; nil if there is none.
func (n *Node) Socket(name string) *Socket {
	for _, s := range n.Sockets {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// ParamType is the type of a node parameter.
type ParamType int

const (
	ParamString ParamType = iota + 1
	ParamInt
	ParamFloat
	ParamBool
	ParamDuration
)

func (t ParamType) String() string {
	switch t {
	case ParamString:
		return "string"
	case ParamInt:
		return "int"
	case ParamFloat:
		return "float"
	case ParamBool:
		return "bool"
	case ParamDuration:
		return "duration"
	}
	return "ParamType(?)"
}

// Param is a node parameter: a value the node's code reads, with a default
// that can be overridden when the program starts.
type Param struct {
	Name string
	Doc  string
	Type ParamType
	// Default holds a string, int64, float64, bool or time.Duration,
	// according to Type.
	Default any
}

// SocketType is a ZeroMQ socket type.
type SocketType int

const (
	PAIR SocketType = iota + 1
	PUB
	SUB
	REQ
	REP
	DEALER
	ROUTER
	PULL
	PUSH
	XPUB
	XSUB
)

var socketTypeNames = [...]string{"", "PAIR", "PUB", "SUB", "REQ", "REP", "DEALER", "ROUTER", "PULL", "PUSH", "XPUB", "XSUB"}

func (t SocketType) String() string {
	if t > 0 && int(t) < len(socketTypeNames) {
		return socketTypeNames[t]
	}
	return "SocketType(?)"
}

// SocketTypes lists every socket type in a fixed order.
func SocketTypes() []SocketType {
	return []SocketType{PAIR, PUB, SUB, REQ, REP, DEALER, ROUTER, PULL, PUSH, XPUB, XSUB}
}

// Socket is one socket of a node.
type Socket struct {
	Name string
	Doc  string
	Node *Node
	Type SocketType

	Binds    []*Endpoint
	Connects []*Endpoint

	// Send and Recv list the message types the socket sends and
	// receives, in declaration order; empty if it sends (receives)
	// nothing. Of several types, at most one is not a Const: a receiver
	// matches constants by their bytes first.
	Send []*Message
	Recv []*Message

	// Subscribe lists a SUB socket's prefix filters in declaration order;
	// "" subscribes to everything. Nil for other types.
	Subscribe []string

	Options   Options
	Retry     *Retry     // nil when not declared
	Reconnect *Reconnect // nil when not declared
	Heartbeat *Heartbeat // nil when not declared
}

// Endpoint is one bind or connect address of a socket.
type Endpoint struct {
	// Addr is the address to bind or connect to. For a reference
	// ("connect server.rep"), it is the connect form of the address the
	// referenced socket binds: "tcp://*:5000" becomes
	// "tcp://localhost:5000"; ipc and inproc addresses are unchanged.
	Addr string
	// Ref is the referenced socket for a connect written as node.socket,
	// nil for a literal address.
	Ref *Socket
}

// Options are the socket options the .ztopo set; nil means "not set, use
// the runtime's default".
type Options struct {
	SendHWM     *int
	RecvHWM     *int
	Linger      *time.Duration
	Identity    *string
	MaxMsgSize  *int64 // bytes
	SendTimeout *time.Duration
	RecvTimeout *time.Duration
}

// Retry is a Lazy Pirate request policy for a REQ socket: wait Timeout for
// a reply, and try Retries times in all before giving up; with Reopen, the
// socket is closed and opened again before each new try.
type Retry struct {
	Timeout time.Duration
	Retries int
	Reopen  bool
}

// Reconnect is the reconnect backoff: the first wait after a lost
// connection is Initial, doubling on each failure up to Max.
type Reconnect struct {
	Initial time.Duration
	Max     time.Duration
}

// Heartbeat is a heartbeat policy: a heartbeat every Interval, and the
// peer is taken for dead after Liveness intervals without hearing from it.
type Heartbeat struct {
	Interval time.Duration
	Liveness int
}

// Edge is a connection between two sockets of the topology: From connects
// to an address that To binds.
type Edge struct {
	From *Socket
	To   *Socket
	Addr string // the address as To binds it
}
