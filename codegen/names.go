package codegen

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dave/jennifer/jen"

	"github.com/zmqgen/zmqgen/dsl/model"
)

// sock is a socket with the Go names and facts the node steps share.
type sock struct {
	*model.Socket
	Go     string  // exported name: the Node field, the handle is Go+"Socket"
	Handle string  // the handle type's name
	In     *msgSet // what it receives; nil if nothing
	Out    *msgSet // what it sends; nil if nothing
}

// A msgSet is the message types one direction of a socket carries. One
// type is used as is; several are one sealed interface, declared in the
// message package as Iface and aliased in the node's package as Alias.
type msgSet struct {
	Msgs  []*model.Message
	Alias string // "BackendIn"; "" for one type
	Iface string // "QueueBackendIn"; "" for one type
	In    bool   // received, so it has a decoder
}

// newMsgSet returns the set of msgs, or nil if msgs is empty. node and
// goName name the socket, dir is "In" or "Out".
func newMsgSet(node, goName, dir string, msgs []*model.Message) *msgSet {
	if len(msgs) == 0 {
		return nil
	}
	ms := &msgSet{Msgs: msgs, In: dir == "In"}
	if len(msgs) > 1 {
		ms.Alias = goName + dir
		ms.Iface = exported(node) + goName + dir
	}
	return ms
}

// multi says whether the set is several types behind an interface.
func (ms *msgSet) multi() bool { return ms.Alias != "" }

// usesRequester says whether the socket is a REQ with a retry policy,
// which the runtime's Requester runs (it opens and reopens REQ sockets).
func (s *sock) usesRequester() bool { return s.Type.Retryable() && s.Retry != nil }

// hasIdentity says whether the socket's type sends a routing identity
// that matters to its peers (libzmq's ZMQ_ROUTING_ID applies to these),
// and so takes -<sock>.identity.
func (s *sock) hasIdentity() bool { return s.Type.Identity() }

// hasSubscriptions says whether the socket has prefix filters: a SUB
// socket, which takes -<sock>.subscribe and offers Subscriptions.
func (s *sock) hasSubscriptions() bool { return s.Type.Subscribes() }

// hasEnvelope says whether the socket's messages carry routing envelopes.
func (s *sock) hasEnvelope() bool { return s.Type.Envelope() }

// polled says whether the socket takes part in Node.Poll: it receives,
// and receiving is not bound to a request or a reply.
func (s *sock) polled() bool {
	return len(s.Recv) > 0 && !s.Type.Lockstep()
}

// sendMethod is the name of the method that sends on the socket: Send,
// one verb for every socket type that sends (PUB's included), but for
// REQ's Request, which is a round trip.
func (s *sock) sendMethod() string {
	switch s.Type {
	case model.REQ:
		return "Request"
	}
	return "Send"
}

// nodeSockets names the sockets of n and checks what the checker should
// already have: what the socket type allows (the model's table), and no two sockets
// with one Go name.
func nodeSockets(n *model.Node) ([]*sock, error) {
	taken := map[string]string{}
	var out []*sock
	for _, s := range n.Sockets {
		switch {
		case !slices.Contains(model.SocketTypes(), s.Type):
			return nil, fmt.Errorf("socket %s: unknown socket type %v", s.Name, s.Type)
		case len(s.Send) > 0 && !s.Type.CanSend():
			return nil, fmt.Errorf("socket %s: a %v socket cannot send", s.Name, s.Type)
		case len(s.Recv) > 0 && !s.Type.CanRecv():
			return nil, fmt.Errorf("socket %s: a %v socket cannot receive", s.Name, s.Type)
		case s.Type.Lockstep() && (len(s.Send) == 0 || len(s.Recv) == 0):
			return nil, fmt.Errorf("socket %s: a %v socket needs both send and recv", s.Name, s.Type)
		case s.Retry != nil && !s.Type.Retryable():
			return nil, fmt.Errorf("socket %s: retry is for REQ sockets", s.Name)
		case s.Retry != nil && len(s.Binds) > 0:
			return nil, fmt.Errorf("socket %s: a REQ socket with retry connects; it cannot bind", s.Name)
		}
		goName := socketGoName(s)
		if other, ok := taken[goName]; ok {
			return nil, fmt.Errorf("sockets %s and %s have the same Go name %s", other, s.Name, goName)
		}
		taken[goName] = s.Name
		for _, ms := range [][]*model.Message{s.Send, s.Recv} {
			if len(ms) < 2 {
				continue
			}
			for _, m := range ms {
				if m.Builtin {
					return nil, fmt.Errorf("socket %s: the builtin %s cannot be one of several types", s.Name, m.Name)
				}
			}
		}
		out = append(out, &sock{Socket: s, Go: goName, Handle: goName + "Socket",
			In: newMsgSet(n.Name, goName, "In", s.Recv), Out: newMsgSet(n.Name, goName, "Out", s.Send)})
	}
	return out, nil
}

// msgType is the Go type of a message in node code: the message
// package's type, or string and []byte for the builtins.
func (g *generator) msgType(m *model.Message) *jen.Statement {
	if m.Builtin {
		if m.Kind == model.Bytes {
			return jen.Index().Byte()
		}
		return jen.String()
	}
	return jen.Qual(g.opts.ImportPath, exported(m.Name))
}

// msgName is how docs name a message type.
func (g *generator) msgName(m *model.Message) string {
	if m.Builtin {
		if m.Kind == model.Bytes {
			return "[]byte"
		}
		return "string"
	}
	return g.t.Name + "." + exported(m.Name)
}

// marshaler converts v, of m's Go type, to a runtime.Marshaler: the
// builtins through the runtime's Text and Bytes.
func (g *generator) marshaler(m *model.Message, v jen.Code) *jen.Statement {
	switch {
	case m.Builtin && m.Kind == model.Bytes:
		return jen.Qual(RuntimePath, "Bytes").Call(v)
	case m.Builtin:
		return jen.Qual(RuntimePath, "Text").Call(v)
	}
	return jen.Add(v)
}

// setType is the Go type of what a set carries: its one message's type,
// or the interface's alias.
func (g *generator) setType(ms *msgSet) *jen.Statement {
	if ms.multi() {
		return jen.Id(ms.Alias)
	}
	return g.msgType(ms.Msgs[0])
}

// setName is how docs name what a set carries.
func (g *generator) setName(ms *msgSet) string {
	if !ms.multi() {
		return g.msgName(ms.Msgs[0])
	}
	var names []string
	for _, m := range ms.Msgs {
		names = append(names, g.msgName(m))
	}
	return ms.Alias + " (" + orList(names) + ")"
}

// orList joins names as "a", "a or b", "a, b or c".
func orList(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// setMarshaler converts v, of the set's Go type, to a runtime.Marshaler:
// an interface of several types is one already.
func (g *generator) setMarshaler(ms *msgSet, v jen.Code) *jen.Statement {
	if ms.multi() {
		return jen.Add(v)
	}
	return g.marshaler(ms.Msgs[0], v)
}

// setDecoder is the function that decodes what a set carries: the
// message package's UnmarshalX of an interface of several types, the
// runtime's of a builtin, runtime.Decode of a message type.
func (g *generator) setDecoder(ms *msgSet) *jen.Statement {
	m := ms.Msgs[0]
	switch {
	case ms.multi():
		return jen.Qual(g.opts.ImportPath, "Unmarshal"+ms.Iface)
	case m.Builtin && m.Kind == model.Bytes:
		return jen.Qual(RuntimePath, "DecodeBytes")
	case m.Builtin:
		return jen.Qual(RuntimePath, "DecodeString")
	}
	return jen.Qual(RuntimePath, "Decode").Types(g.msgType(m))
}

// setEncoder is the function that encodes what a set carries, for
// runtime.Serve.
func (g *generator) setEncoder(ms *msgSet) *jen.Statement {
	m := ms.Msgs[0]
	switch {
	case ms.multi():
		return jen.Id(ms.Alias).Dot("MarshalZMQ")
	case m.Builtin && m.Kind == model.Bytes:
		return jen.Qual(RuntimePath, "EncodeBytes")
	case m.Builtin:
		return jen.Qual(RuntimePath, "EncodeString")
	}
	return g.msgType(m).Dot("MarshalZMQ")
}

// durationLit writes d as a constant expression: 2500ms is
// 2500 * time.Millisecond, 90s is 90 * time.Second.
func durationLit(d time.Duration) *jen.Statement {
	units := []struct {
		d    time.Duration
		name string
	}{
		{time.Hour, "Hour"}, {time.Minute, "Minute"}, {time.Second, "Second"},
		{time.Millisecond, "Millisecond"}, {time.Microsecond, "Microsecond"},
	}
	if d == 0 {
		return jen.Lit(0)
	}
	for _, u := range units {
		if d%u.d == 0 {
			if d == u.d {
				return jen.Qual("time", u.name)
			}
			return intLit(int64(d/u.d)).Op("*").Qual("time", u.name)
		}
	}
	return intLit(int64(d)).Op("*").Qual("time", "Nanosecond")
}

// intLit writes n as an untyped constant.
func intLit(n int64) *jen.Statement { return jen.Op(strconv.FormatInt(n, 10)) }

// durationText writes d for docs: "2.5s", "1m30s".
func durationText(d time.Duration) string { return d.String() }

// oneLine joins the lines of a doc comment into one, for flag help.
func oneLine(text string) string {
	return strings.Join(strings.Fields(text), " ")
}
