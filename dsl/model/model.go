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

// SocketType is a ZeroMQ socket type. What each type can do is one table,
// socketTypes below, which the checker, the generator and LANGUAGE.md's
// test all read through SocketType's methods.
type SocketType int

// The socket types, grouped by pattern as the ZeroMQ RFCs pair them:
// 31/EXPAIR, 28/REQREP, 29/PUBSUB, 30/PIPELINE.
const (
	PAIR SocketType = iota + 1
	REQ
	REP
	DEALER
	ROUTER
	PUB
	SUB
	XPUB
	XSUB
	PUSH
	PULL
)

// flow is what a socket type's sends or receives carry.
type flow int

const (
	none flow = iota
	data
	subscriptions // XPUB receives them, XSUB sends them
)

// socketTypes says what each socket type can do; the index is the type.
var socketTypes = [...]struct {
	name       string
	send, recv flow
	peers      []SocketType
	// lockstep: the socket alternates one send and one receive, so it
	// must declare both (REQ, REP).
	lockstep bool
	// envelope: the application sees each message's routing envelope
	// (ROUTER's peer identity, DEALER's delimiter to a REP).
	envelope bool
	// identity: the routing identity the socket gives matters to its
	// peers (libzmq's ZMQ_ROUTING_ID).
	identity bool
	// subscribe: the socket filters by prefix (subscribe statements).
	subscribe bool
	// retry: a Lazy Pirate retry policy applies (a REQ client).
	retry bool
}{
	PAIR:   {name: "PAIR", send: data, recv: data, peers: []SocketType{PAIR}},
	REQ:    {name: "REQ", send: data, recv: data, peers: []SocketType{REP, ROUTER}, lockstep: true, identity: true, retry: true},
	REP:    {name: "REP", send: data, recv: data, peers: []SocketType{REQ, DEALER}, lockstep: true, identity: true},
	DEALER: {name: "DEALER", send: data, recv: data, peers: []SocketType{REP, DEALER, ROUTER}, envelope: true, identity: true},
	ROUTER: {name: "ROUTER", send: data, recv: data, peers: []SocketType{REQ, DEALER, ROUTER}, envelope: true, identity: true},
	PUB:    {name: "PUB", send: data, peers: []SocketType{SUB, XSUB}},
	SUB:    {name: "SUB", recv: data, peers: []SocketType{PUB, XPUB}, subscribe: true},
	XPUB:   {name: "XPUB", send: data, recv: subscriptions, peers: []SocketType{SUB, XSUB}},
	XSUB:   {name: "XSUB", send: subscriptions, recv: data, peers: []SocketType{PUB, XPUB}},
	PUSH:   {name: "PUSH", send: data, peers: []SocketType{PULL}},
	PULL:   {name: "PULL", recv: data, peers: []SocketType{PUSH}},
}

func (t SocketType) valid() bool { return t > 0 && int(t) < len(socketTypes) }

func (t SocketType) String() string {
	if t.valid() {
		return socketTypes[t].name
	}
	return "SocketType(?)"
}

// SocketTypes lists every socket type in a fixed order, grouped by
// pattern (the order of the constants).
func SocketTypes() []SocketType {
	out := make([]SocketType, 0, len(socketTypes)-1)
	for t := PAIR; t.valid(); t++ {
		out = append(out, t)
	}
	return out
}

// SocketTypeNames lists the names of SocketTypes, in the same order.
func SocketTypeNames() []string {
	var out []string
	for _, t := range SocketTypes() {
		out = append(out, t.String())
	}
	return out
}

// ParseSocketType returns the socket type named name ("PUSH"); the
// names are case-sensitive.
func ParseSocketType(name string) (SocketType, bool) {
	for _, t := range SocketTypes() {
		if t.String() == name {
			return t, true
		}
	}
	return 0, false
}

// CanSend reports whether a socket of type t may declare send: it sends
// data, or, for XSUB, subscription messages.
func (t SocketType) CanSend() bool { return t.valid() && socketTypes[t].send != none }

// CanRecv reports whether a socket of type t may declare recv: it
// receives data, or, for XPUB, subscription messages.
func (t SocketType) CanRecv() bool { return t.valid() && socketTypes[t].recv != none }

// SendsData reports whether what t sends is data for its peers to
// receive (XSUB's sends are subscriptions, going upstream).
func (t SocketType) SendsData() bool { return t.valid() && socketTypes[t].send == data }

// ReceivesData reports whether what t receives is data from its peers
// (XPUB's receives are its subscribers' subscriptions).
func (t SocketType) ReceivesData() bool { return t.valid() && socketTypes[t].recv == data }

// Peers lists the socket types t may be connected to, as the ZeroMQ RFCs
// (28/REQREP, 29/PUBSUB, 30/PIPELINE, 31/EXPAIR) pair them.
func (t SocketType) Peers() []SocketType {
	if !t.valid() {
		return nil
	}
	return socketTypes[t].peers
}

// CanPair reports whether sockets of types t and u may be connected.
func (t SocketType) CanPair(u SocketType) bool {
	for _, p := range t.Peers() {
		if p == u {
			return true
		}
	}
	return false
}

// Lockstep reports whether a socket of type t alternates one send and one
// receive (REQ, REP), and so must declare both.
func (t SocketType) Lockstep() bool { return t.valid() && socketTypes[t].lockstep }

// Envelope reports whether the application sees the routing envelope of
// each message (ROUTER, DEALER); the generated code hands it the body.
func (t SocketType) Envelope() bool { return t.valid() && socketTypes[t].envelope }

// Identity reports whether the routing identity a socket of type t gives
// matters to its peers (REQ, REP, DEALER, ROUTER: libzmq's ZMQ_ROUTING_ID).
func (t SocketType) Identity() bool { return t.valid() && socketTypes[t].identity }

// Subscribes reports whether a socket of type t filters by prefix and
// takes subscribe statements (SUB).
func (t SocketType) Subscribes() bool { return t.valid() && socketTypes[t].subscribe }

// Retryable reports whether a retry policy applies to a socket of type t
// (REQ, as the guide's Lazy Pirate client).
func (t SocketType) Retryable() bool { return t.valid() && socketTypes[t].retry }

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

	Options    Options
	Retry      *Retry      // nil when not declared
	Reconnect  *Reconnect  // nil when not declared
	Heartbeat  *Heartbeat  // nil when not declared
	ConnectAll *ConnectAll // nil when not declared
	Curve      *Curve      // nil when not declared
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
// a reply, and make Tries tries in all (the first included) before giving
// up; with Reopen, the socket is closed and opened again before each new
// try.
type Retry struct {
	Timeout time.Duration
	Tries   int
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

// ConnectAll makes each connect endpoint given by a host name connect to
// every address the name resolves to (a headless Kubernetes Service of N
// replicas gives N connections), looking the name up again every Interval
// and whenever a connection is lost, so that the set stays current.
type ConnectAll struct {
	Interval time.Duration
}

// Curve is a socket's CURVE security (curve { server } or curve { client }).
// Keys are never in the model: a node reads them when it starts, from the
// directory its -keys flag names.
type Curve struct {
	Server bool
	// AnyKey makes a server admit any client key instead of only the
	// nodes' certificates in the keys directory.
	AnyKey bool
	// ServerKey is a client's server public key (Z85) when the .ztopo
	// gives it (serverkey); otherwise ServerNode names the node whose
	// certificate holds it: the node of the CURVE server the client
	// connects to.
	ServerKey  string
	ServerNode string
}

// Secured reports whether the edge is secured with CURVE (both ends are).
func (e *Edge) Secured() bool { return e.From.Curve != nil && e.To.Curve != nil }

// Edge is a connection between two sockets of the topology: From connects
// to an address that To binds.
type Edge struct {
	From *Socket
	To   *Socket
	Addr string // the address as To binds it
}
