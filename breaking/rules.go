// Package breaking compares two versions of a topology and reports every
// change that would break a running system in which some nodes run the old
// version and others the new one, as zmqgen breaking does.
//
// Rules fall in two categories. WIRE rules find messages lost or misread
// between an old and a new node: sockets that no longer meet (endpoints,
// bind/connect flips, removed nodes and sockets), socket types that no
// longer pair, and, on every connection an old and a new node would make,
// each message one side sends against what the other side's version
// receives (message kind, multipart frames, constant bytes, JSON fields,
// SUB prefixes, maximum message size), the security mechanism, and the
// heartbeat and retry policies. CODE rules find changes to the generated Go API that a
// handler uses (a type, field, socket, node or param renamed or removed,
// a socket type changed to one the peers still talk to).
//
// The mutation test (mutation_test.go, go test -run Mutations -mutations)
// makes every single edit of the shipped topologies it knows, runs old
// and new nodes mixed on real sockets (wiresim_test.go), and checks that
// every edit that loses, duplicates or misreads a message is reported, and
// that at most 2% of the WIRE reports are harmless.
//
// What is not reported is as deliberate: adding a JSON field (it is
// optional: an old sender leaves it out, an old receiver ignores it), a
// node, a socket, a message type on a new socket, a type a socket
// receives, a param; changing comments, layout, replicas, high-water
// marks, linger, reconnect backoff, or raising a limit.
//
// A finding can be accepted in the new .ztopo with a directive comment on
// the reported line or right above it:
//
//	// zmqgen:accept WIRE_JSON_FIELD_REMOVED no old sink is left
package breaking

// Category groups rules.
type Category string

const (
	// Wire rules find messages lost, duplicated or misread between nodes
	// of different versions.
	Wire Category = "WIRE"
	// Code rules find changes to the generated Go API handlers use.
	Code Category = "CODE"
)

// A Rule is one kind of breaking change.
type Rule struct {
	ID       string
	Category Category
	Summary  string // what the rule finds, one line
}

// The rule IDs.
const (
	NodeRemoved        = "WIRE_NODE_REMOVED"
	SocketRemoved      = "WIRE_SOCKET_REMOVED"
	SocketTypeChanged  = "WIRE_SOCKET_TYPE_CHANGED"
	BindConnectFlipped = "WIRE_BIND_CONNECT_FLIPPED"
	EndpointChanged    = "WIRE_ENDPOINT_CHANGED"
	ConnectRemoved     = "WIRE_CONNECT_REMOVED"
	MessageNotReceived = "WIRE_MESSAGE_NOT_RECEIVED"
	MessageKindChanged = "WIRE_MESSAGE_KIND_CHANGED"
	ConstChanged       = "WIRE_CONST_CHANGED"
	FrameCountChanged  = "WIRE_FRAME_COUNT_CHANGED"
	FrameOrderChanged  = "WIRE_FRAME_ORDER_CHANGED"
	FrameTypeChanged   = "WIRE_FRAME_TYPE_CHANGED"
	JSONFieldRemoved   = "WIRE_JSON_FIELD_REMOVED"
	JSONFieldRenamed   = "WIRE_JSON_FIELD_RENAMED"
	JSONFieldRetyped   = "WIRE_JSON_FIELD_RETYPED"
	JSONListScalar     = "WIRE_JSON_LIST_SCALAR"
	SubPrefixUnmatched = "WIRE_SUB_PREFIX_UNMATCHED"
	MaxMsgSizeLowered  = "WIRE_MAX_MSG_SIZE_LOWERED"
	HeartbeatTooSlow   = "WIRE_HEARTBEAT_TOO_SLOW"
	RetryGivesUpSooner = "WIRE_RETRY_GIVES_UP_SOONER"
	SecurityChanged    = "WIRE_SECURITY_CHANGED"
	TopologyRenamed    = "CODE_TOPOLOGY_RENAMED"
	NodeRenamed        = "CODE_NODE_RENAMED"
	SocketRenamed      = "CODE_SOCKET_RENAMED"
	SocketTypeCode     = "CODE_SOCKET_TYPE_CHANGED"
	MessageRenamed     = "CODE_MESSAGE_RENAMED"
	MessageRemoved     = "CODE_MESSAGE_REMOVED"
	FieldRenamed       = "CODE_FIELD_RENAMED"
	SendRemoved        = "CODE_SEND_REMOVED"
	ParamRemoved       = "CODE_PARAM_REMOVED"
	ParamRetyped       = "CODE_PARAM_RETYPED"
)

// Rules lists every rule, WIRE first, in a fixed order.
var Rules = []Rule{
	{NodeRemoved, Wire, "a node that exchanged messages with nodes still in the topology was removed"},
	{SocketRemoved, Wire, "a socket that exchanged messages with other nodes was removed"},
	{SocketTypeChanged, Wire, "a connected socket's type changed to one that does not pair with the other version's peer"},
	{BindConnectFlipped, Wire, "two sockets swapped which binds and which connects, so an old and a new one never meet"},
	{EndpointChanged, Wire, "a socket binds a different address, so old peers connect where nothing listens"},
	{ConnectRemoved, Wire, "a socket no longer connects to a socket it reached before"},
	{MessageNotReceived, Wire, "one side sends a message type the other side's version does not receive"},
	{MessageKindChanged, Wire, "a message changed kind (string, bytes, json, multipart, constant)"},
	{ConstChanged, Wire, "a constant message's bytes changed"},
	{FrameCountChanged, Wire, "a multipart message gained or lost frames"},
	{FrameOrderChanged, Wire, "a multipart message's frames were reordered"},
	{FrameTypeChanged, Wire, "a multipart frame's type changed to one the receiver reads differently"},
	{JSONFieldRemoved, Wire, "a JSON field an old receiver reads is no longer sent"},
	{JSONFieldRenamed, Wire, "a JSON field was renamed: its key on the wire changed"},
	{JSONFieldRetyped, Wire, "a JSON field's type changed to one the receiver cannot decode"},
	{JSONListScalar, Wire, "a JSON field changed between a list and a single value"},
	{SubPrefixUnmatched, Wire, "a SUB prefix no longer matches the first frame of messages it received"},
	{MaxMsgSizeLowered, Wire, "a receiver's max_msg_size was lowered or set below what old peers may send"},
	{HeartbeatTooSlow, Wire, "one side's heartbeats come less often than the other side's liveness allows"},
	{RetryGivesUpSooner, Wire, "a REQ retry gives up on a request sooner than before"},
	{SecurityChanged, Wire, "the security mechanism or CURVE server key of a connection changed, so an old and a new end fail the handshake"},
	{TopologyRenamed, Code, "the topology was renamed: the Go package of its message types changed"},
	{NodeRenamed, Code, "a node was renamed: its generated package changed"},
	{SocketRenamed, Code, "a socket was renamed: its generated handle and methods changed"},
	{SocketTypeCode, Code, "a socket's type changed to one that still pairs with its peers: its generated handle changed"},
	{MessageRenamed, Code, "a message type was renamed: its Go type changed"},
	{MessageRemoved, Code, "a message type was removed: its Go type is gone"},
	{FieldRenamed, Code, "a multipart frame was renamed: its Go field changed"},
	{SendRemoved, Code, "a socket no longer sends a type: its send method is gone"},
	{ParamRemoved, Code, "a node param was removed or renamed: its Go field is gone"},
	{ParamRetyped, Code, "a node param changed type: its Go field's type changed"},
}

// RuleByID returns the rule with the given ID.
func RuleByID(id string) (Rule, bool) {
	for _, r := range Rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}
