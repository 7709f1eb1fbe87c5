package breaking

// The wire simulation behind the mutation test: what really happens
// between an old and a new node, found by running them, not by the rules.
//
// For every pair of nodes that exchange messages, in both mixed
// deployments (the first node old and the second new, and the reverse),
// each node's sockets are real runtime sockets configured from its own
// version of the model (type, subscriptions), bound and connected on
// loopback (the model's ports mapped to ports the system picks; a second
// bind of a port fails as it would). Each connection the old topology
// had is then checked: it must still be made, and every message type the
// sending side's version sends is encoded as that version's generated
// code would (a sample value per field), sent, received, and decoded as
// the receiving side's version would (constants matched by their bytes
// first, then the one data type; JSON into Go types built from the
// model, multipart frames with the runtime's parsers). A message is lost
// when it does not arrive or does not decode, misread when it decodes to
// another type or another value, duplicated when it arrives twice. A
// field the receiver knows that the sender does not send is fine only
// when the receiver is new and the field is new (an optional field).
//
// Handlers are modelled as the generated code's documentation asks: a
// ROUTER strips the routing id (and a REQ peer's empty delimiter) and
// puts it back on its reply; a DEALER talking to a REP adds the delimiter.
// REQ and REP take turns: each request is answered with the responder's
// next sample. Heartbeat and retry policies and max_msg_size are matters
// of time and size rather than of one message, and are classified by their
// arithmetic (mutation.timing).

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zmqgen/zmqgen/dsl/model"
	"github.com/zmqgen/zmqgen/runtime"
)

// simVersion is one version of the topology, with the identity of its
// things in the old version.
type simVersion struct {
	t     *model.Topology
	isNew bool
	ids   map[string]string
	old   *model.Topology
}

func (v simVersion) id(kind, name string) string {
	if v.isNew {
		if o, ok := v.ids[kind+":"+name]; ok {
			return o
		}
	}
	return name
}

func (v simVersion) nodeID(n *model.Node) string { return v.id("n", n.Name) }

func (v simVersion) sockID(s *model.Socket) string {
	if v.isNew {
		if o, ok := v.ids["s:"+s.Node.Name+"."+s.Name]; ok {
			_, sock, _ := strings.Cut(o, ".")
			return v.nodeID(s.Node) + "." + sock
		}
	}
	return v.nodeID(s.Node) + "." + s.Name
}

func (v simVersion) msgID(m *model.Message) string {
	if m.Builtin {
		return "builtin:" + m.Name
	}
	return v.id("m", m.Name)
}

func (v simVersion) fieldID(m *model.Message, f string) string {
	if v.isNew {
		if o, ok := v.ids["f:"+m.Name+"."+f]; ok {
			return o
		}
	}
	return f
}

func (v simVersion) node(id string) *model.Node {
	for _, n := range v.t.Nodes {
		if v.nodeID(n) == id {
			return n
		}
	}
	return nil
}

func (v simVersion) socket(id string) *model.Socket {
	for _, n := range v.t.Nodes {
		for _, s := range n.Sockets {
			if v.sockID(s) == id {
				return s
			}
		}
	}
	return nil
}

// oldField reports whether the old version's message of identity msgID
// has a field of identity fieldID (at the top level).
func (v simVersion) oldField(msgID, fieldID string) bool {
	m := v.old.Message(msgID)
	if m == nil {
		return false
	}
	for _, f := range m.Fields {
		if f.Name == fieldID {
			return true
		}
	}
	return false
}

// verdict is what the simulation found.
type verdict struct {
	harmful bool
	what    string // lost, misread, duplicated; and where
}

var simSeq atomic.Int64

// simDebug, when set, traces the simulation.
var simDebug func(format string, args ...any)

func trace(format string, args ...any) {
	if simDebug != nil {
		simDebug(format, args...)
	}
}

// simulate runs the mixed deployments of old and new.
func simulate(ctx context.Context, old, new *model.Topology, ids map[string]string) verdict {
	vo := simVersion{t: old, old: old}
	vn := simVersion{t: new, isNew: true, ids: ids, old: old}
	type pairKey struct{ a, b string }
	pairs := map[pairKey]bool{}
	var order []pairKey
	addPair := func(a, b string) {
		if a == b || pairs[pairKey{a, b}] || pairs[pairKey{b, a}] {
			return
		}
		pairs[pairKey{a, b}] = true
		order = append(order, pairKey{a, b})
	}
	for _, e := range old.Edges {
		addPair(e.From.Node.Name, e.To.Node.Name)
	}
	for _, e := range new.Edges {
		a, b := vn.nodeID(e.From.Node), vn.nodeID(e.To.Node)
		if old.Node(a) != nil && old.Node(b) != nil {
			addPair(a, b)
		}
	}
	for _, p := range order {
		for _, mix := range [][2]simVersion{{vo, vn}, {vn, vo}} {
			if v := deploy(ctx, vo, p.a, mix[0], p.b, mix[1]); v.harmful {
				return v
			}
		}
	}
	return verdict{}
}

// runtimeType is the runtime's constant for a model socket type, by name
// (the two enumerations need not be in one order).
func runtimeType(t model.SocketType) runtime.Type {
	for _, rt := range []runtime.Type{runtime.PAIR, runtime.REQ, runtime.REP, runtime.DEALER, runtime.ROUTER,
		runtime.PUB, runtime.SUB, runtime.XPUB, runtime.XSUB, runtime.PUSH, runtime.PULL} {
		if rt.String() == t.String() {
			return rt
		}
	}
	panic("unknown socket type " + t.String())
}

// simNode is one node of a deployment: its version and live sockets.
type simNode struct {
	v     simVersion
	n     *model.Node
	socks map[*model.Socket]*runtime.Socket
}

// deploy runs node a at version va and node b at version vb, and checks
// every connection the old version makes between them.
func deploy(ctx context.Context, vo simVersion, a string, va simVersion, b string, vb simVersion) verdict {
	nodes := []*simNode{{v: va, n: va.node(a)}, {v: vb, n: vb.node(b)}}
	for _, sn := range nodes {
		if sn.n == nil {
			// The node is gone from its version: its old peers lose
			// whatever they exchanged with it.
			return verdict{true, "lost: node " + a + " or " + b + " is gone"}
		}
	}
	logs := &simLog{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	seq := simSeq.Add(1)
	var all []*runtime.Socket
	defer func() {
		for _, s := range all {
			s.Close()
		}
	}()
	real := map[string]string{} // model port → real endpoint
	bound := map[*runtime.Socket][]string{}
	for _, sn := range nodes {
		sn.socks = map[*model.Socket]*runtime.Socket{}
		for _, s := range sn.n.Sockets {
			opts := []runtime.Option{runtime.WithName(fmt.Sprintf("sim%d.%s", seq, sn.v.sockID(s))),
				runtime.WithLogger(logger), runtime.WithLinger(0)}
			if s.Type == model.SUB {
				subs := append(append([]string(nil), s.Subscribe...), sentinel)
				opts = append(opts, runtime.WithSubscribe(subs...))
			}
			rs := runtime.NewSocket(runtimeType(s.Type), opts...)
			all = append(all, rs)
			sn.socks[s] = rs
		}
	}
	for _, sn := range nodes {
		for _, s := range sn.n.Sockets {
			for _, e := range s.Binds {
				key := portKey(e.Addr)
				if _, taken := real[key]; taken {
					continue // address in use
				}
				rs := sn.socks[s]
				if err := rs.Bind("tcp://127.0.0.1:0"); err != nil {
					return verdict{true, "bind failed: " + err.Error()}
				}
				addrs := rs.Addrs()
				real[key] = addrs[len(addrs)-1]
				bound[rs] = append(bound[rs], key)
			}
		}
	}
	// Who reaches whom: connector socket → binder socket.
	type link struct{ from, to *model.Socket }
	reach := map[link]bool{}
	owner := map[string]*model.Socket{}
	for _, sn := range nodes {
		for s, rs := range sn.socks {
			for _, k := range bound[rs] {
				owner[k] = s
			}
		}
	}
	reachEP := map[link]string{}
	for _, sn := range nodes {
		for _, s := range sn.n.Sockets {
			for _, e := range s.Connects {
				key := portKey(e.Addr)
				ep, ok := real[key]
				if !ok || owner[key] == s {
					continue
				}
				if err := sn.socks[s].Connect(ep); err != nil {
					return verdict{true, "connect failed: " + err.Error()}
				}
				reach[link{s, owner[key]}] = true
				reachEP[link{s, owner[key]}] = ep
			}
		}
	}
	// Wait until each connect endpoint is connected or its handshake
	// failed (the connecting side counts the failure).
	for lk, ep := range reachEP {
		rs := nodesSock(nodes, lk.from)
		for {
			st := rs.Stats()
			var failed uint64
			for _, f := range st.HandshakeFailures {
				failed += f
			}
			up := false
			for _, l := range st.Links {
				if l.Peer == ep && l.Connected {
					up = true
				}
			}
			if up {
				break
			}
			if failed > 0 {
				delete(reach, lk)
				break
			}
			if ctx.Err() != nil {
				return verdict{true, "timeout waiting for handshakes"}
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	connected := func(x, y *model.Socket) bool { return reach[link{x, y}] || reach[link{y, x}] }

	// Every data connection of the old version between a and b.
	for _, e := range vo.t.Edges {
		na, nb := e.From.Node.Name, e.To.Node.Name
		if !(na == a && nb == b || na == b && nb == a) {
			continue
		}
		if !e.From.Type.SendsData() && !e.To.Type.SendsData() {
			continue
		}
		var x, y *model.Socket // the sockets of this deployment with the identities of e.From and e.To
		var xn, yn *simNode
		for _, sn := range nodes {
			for _, s := range sn.n.Sockets {
				switch sn.v.sockID(s) {
				case e.From.Node.Name + "." + e.From.Name:
					x, xn = s, sn
				case e.To.Node.Name + "." + e.To.Name:
					y, yn = s, sn
				}
			}
		}
		if x == nil || y == nil {
			return verdict{true, "lost: socket " + e.From.Name + " or " + e.To.Name + " is gone"}
		}
		if !connected(x, y) {
			return verdict{true, fmt.Sprintf("lost: %s and %s no longer connect", xn.v.sockID(x), yn.v.sockID(y))}
		}
		trace("exchange %s.%s (%s) %s.%s (%s)", x.Node.Name, x.Name, ver(xn.v), y.Node.Name, y.Name, ver(yn.v))
		if v := exchange(ctx, xn, x, yn, y); v.harmful {
			return v
		}
	}
	return verdict{}
}

func nodesSock(nodes []*simNode, s *model.Socket) *runtime.Socket {
	for _, sn := range nodes {
		if rs, ok := sn.socks[s]; ok {
			return rs
		}
	}
	return nil
}

// portKey is what makes two model addresses the same place on this
// machine: the tcp port, or the whole address for other transports.
func portKey(addr string) string {
	if strings.HasPrefix(addr, "tcp://") {
		if i := strings.LastIndexByte(addr, ':'); i >= 0 {
			return "tcp:" + addr[i+1:]
		}
	}
	return addr
}

const sentinel = "\xff\xfezmqgen-sim-sentinel"

func isReady(m runtime.Msg) bool {
	return len(m) > 0 && string(m[len(m)-1]) == sentinel+"-ready"
}

type simLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *simLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

var _ io.Writer = (*simLog)(nil)

// exchange runs the traffic of one connection between socket x of node xn
// and socket y of node yn.
func exchange(ctx context.Context, xn *simNode, x *model.Socket, yn *simNode, y *model.Socket) verdict {
	rx, ry := xn.socks[x], yn.socks[y]
	lockstep := x.Type == model.REQ || x.Type == model.REP || y.Type == model.REQ || y.Type == model.REP
	if lockstep {
		// The initiator is the REQ, or the DEALER facing a REP.
		ini, iniN, rsp, rspN := x, xn, y, yn
		if x.Type == model.REP || x.Type == model.ROUTER {
			ini, iniN, rsp, rspN = y, yn, x, xn
		}
		ri, rr := iniN.socks[ini], rspN.socks[rsp]
		// Enough rounds for each side to send each of its types.
		rounds := max(len(ini.Send), len(rsp.Send))
		for round := 0; round < rounds && len(ini.Send) > 0; round++ {
			m := ini.Send[round%len(ini.Send)]
			reply := round
			trace("lockstep %s → %s: %s %q", ini.Name, rsp.Name, m.Name, outgoing(iniN, ini, m))
			if err := ri.Send(ctx, outgoing(iniN, ini, m)); err != nil {
				return verdict{true, "send failed: " + err.Error()}
			}
			got, err := rr.Recv(ctx)
			if err != nil {
				trace("ini %+v\nrsp %+v", ri.Stats(), rr.Stats())
				return verdict{true, "lost: " + err.Error()}
			}
			env, body := incoming(rsp, got)
			if v := judge(iniN.v, ini, m, rspN.v, rsp, body); v.harmful {
				return v
			}
			if len(rsp.Send) == 0 {
				return verdict{true, "lost: the responder has nothing to answer with"}
			}
			rm := rsp.Send[reply%len(rsp.Send)]
			out := append(append(runtime.Msg(nil), env...), outgoing(rspN, rsp, rm)...)
			if err := rr.Send(ctx, out); err != nil {
				return verdict{true, "send failed: " + err.Error()}
			}
			got, err = ri.Recv(ctx)
			if err != nil {
				return verdict{true, "lost: " + err.Error()}
			}
			_, body = incoming(ini, got)
			if v := judge(rspN.v, rsp, rm, iniN.v, ini, body); v.harmful {
				return v
			}
		}
		return verdict{}
	}
	// One way at a time, ending with a sentinel. A ROUTER cannot speak
	// first (it learns its peer's id from what it receives), and a DEALER
	// that talks to REPs in its own version makes the requests.
	var env runtime.Msg
	type direction struct {
		sn, rn *simNode
		s, r   *model.Socket
		rs, rr *runtime.Socket
	}
	dirs := []direction{{xn, yn, x, y, rx, ry}, {yn, xn, y, x, ry, rx}}
	if x.Type == model.ROUTER || len(outgoing(yn, y, &model.Message{Kind: model.Bytes, Builtin: true, Name: "bytes"})) == 2 {
		dirs[0], dirs[1] = dirs[1], dirs[0]
	}
	for _, dir := range dirs {
		if !dir.s.Type.SendsData() || !dir.r.Type.ReceivesData() {
			continue
		}
		// A publisher's samples start with each prefix its own
		// version's subscriber subscribes to.
		prefixes := []string{""}
		if dir.r.Type == model.SUB {
			if own := dir.sn.v.socket(dir.rn.v.sockID(dir.r)); own != nil && len(own.Subscribe) > 0 {
				prefixes = own.Subscribe
			}
		}
		type sent struct {
			m      *model.Message
			prefix string
			msg    runtime.Msg
		}
		var samples []sent
		var msgs []runtime.Msg
		for _, m := range dir.s.Send {
			for _, p := range prefixes {
				out := encodeP(dir.sn.v, m, p)
				samples = append(samples, sent{m, p, out})
				msgs = append(msgs, out)
			}
		}
		prefix := runtime.Msg(nil)
		if dir.s.Type == model.ROUTER {
			prefix = env
		}
		send := func(m runtime.Msg) error {
			return dir.rs.Send(ctx, append(append(runtime.Msg(nil), prefix...), m...))
		}
		if dir.s.Type == model.PUB || dir.s.Type == model.XPUB {
			// Publish a sentinel until the subscriber has one: its
			// subscriptions are then all in place (the sentinel's is
			// made last). Extra copies are skipped below.
			ready := make(chan struct{})
			go func() {
				defer close(ready)
				for {
					m, err := dir.rr.Recv(ctx)
					if err != nil || isReady(m) {
						return
					}
				}
			}()
		wait:
			for {
				send(runtime.Msg{[]byte(sentinel + "-ready")})
				select {
				case <-ready:
					break wait
				case <-time.After(5 * time.Millisecond):
				case <-ctx.Done():
					return verdict{true, "timeout"}
				}
			}
		}
		for _, m := range msgs {
			if err := send(m); err != nil {
				return verdict{true, "send failed: " + err.Error()}
			}
		}
		if err := send(runtime.Msg{[]byte(sentinel)}); err != nil {
			return verdict{true, "send failed: " + err.Error()}
		}
		var recvd []runtime.Msg
		for {
			got, err := dir.rr.Recv(ctx)
			if err != nil {
				return verdict{true, "timeout: " + err.Error()}
			}
			if isReady(got) {
				continue
			}
			e, body := incoming(dir.r, got)
			if dir.r.Type == model.ROUTER {
				env = e
			}
			if len(body) == 1 && string(body[0]) == sentinel {
				break
			}
			recvd = append(recvd, body)
		}
		// Filtered by the receiver's own subscriptions is not lost when
		// its own version's publisher is filtered alike.
		var want []sent
		for _, x := range samples {
			if dir.r.Type == model.SUB && !subscribed(dir.r.Subscribe, x.msg) {
				if own := dir.rn.v.socket(dir.sn.v.sockID(dir.s)); own != nil && ownSends(dir.rn, own, dir.sn.v.msgID(x.m), x.prefix, dir.r.Subscribe) {
					return verdict{true, "lost: filtered by the other version's subscription: " + x.m.Name}
				}
				continue
			}
			want = append(want, x)
		}
		if len(recvd) > len(want) {
			return verdict{true, "duplicated"}
		}
		if len(recvd) < len(want) {
			return verdict{true, "lost: filtered or dropped"}
		}
		for i, x := range want {
			if v := judgeP(dir.sn.v, dir.s, x.m, x.prefix, dir.rn.v, dir.r, recvd[i]); v.harmful {
				return v
			}
		}
	}
	return verdict{}
}

// ownSends reports whether own (the publisher of the receiver's version)
// sends the message of identity msgID so that prefixes let it through.
func ownSends(rn *simNode, own *model.Socket, msgID, prefix string, prefixes []string) bool {
	for _, m := range own.Send {
		if rn.v.msgID(m) == msgID {
			return subscribed(prefixes, encodeP(rn.v, m, prefix))
		}
	}
	return false
}

func subscribed(prefixes []string, m runtime.Msg) bool {
	for _, p := range prefixes {
		if bytes.HasPrefix(m[0], []byte(p)) {
			return true
		}
	}
	return false
}

// outgoing is what a handler of socket s sends for message m: its sample
// value, with an empty delimiter first for a DEALER whose peers are REP.
func outgoing(sn *simNode, s *model.Socket, m *model.Message) runtime.Msg {
	msg := encode(sn.v, m)
	if s.Type == model.DEALER {
		// The handler was written against the peers of the topology it
		// was written for: the old one, unless this socket's type changed.
		t, self := sn.v.t, s
		if o := (simVersion{t: sn.v.old, old: sn.v.old}).socket(sn.v.sockID(s)); o != nil && o.Type == s.Type {
			t, self = sn.v.old, o
		}
		for _, e := range t.Edges {
			if e.From == self && e.To.Type == model.REP || e.To == self && e.From.Type == model.REP {
				return append(runtime.Msg{{}}, msg...)
			}
		}
	}
	return msg
}

// incoming splits what socket r received into the envelope a reply needs
// and the body: a ROUTER's peer id (and a REQ peer's delimiter), a
// DEALER's delimiter.
func incoming(r *model.Socket, m runtime.Msg) (env, body runtime.Msg) {
	switch r.Type {
	case model.ROUTER:
		if len(m) > 2 && len(m[1]) == 0 {
			return m[:2], m[2:]
		}
		return m[:1], m[1:]
	case model.DEALER:
		if len(m) > 1 && len(m[0]) == 0 {
			return m[:1], m[1:]
		}
	}
	return nil, m
}

// ---- samples ----

func hashOf(s string) int64 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return int64(h.Sum32() % 900)
}

// sample is the value a sender puts in a field of identity id.
func sample(id string, t *model.FieldType, depth int) any {
	switch t.Kind {
	case model.Int:
		return 100 + hashOf(id)
	case model.Float:
		return float64(100+hashOf(id)) + 0.5
	case model.Str:
		return "s-" + id
	case model.Bool:
		return true
	case model.Raw:
		return []byte("\xff\x00b-" + id)
	case model.List:
		return []any{sample(id+"[0]", t.Elem, depth+1), sample(id+"[1]", t.Elem, depth+1)}
	case model.Object, model.Ref:
		fs := t.Fields
		if t.Kind == model.Ref {
			fs = t.Message.Fields
		}
		out := map[string]any{}
		if depth < 4 {
			for _, f := range fs {
				out[f.Name] = sample(id+"."+f.Name, f.Type, depth+1)
			}
		}
		return out
	}
	return nil
}

// encode is how version v's generated code puts message m on the wire.
func encode(v simVersion, m *model.Message) runtime.Msg { return encodeP(v, m, "") }

// encodeP is encode with prefix in front of the first text or bytes value
// (what a publisher's subscribers subscribe to).
func encodeP(v simVersion, m *model.Message, prefix string) runtime.Msg {
	id := v.msgID(m)
	switch m.Kind {
	case model.Const:
		return runtime.Msg{m.Value}
	case model.String:
		return runtime.Msg{[]byte(prefix + "s-" + id)}
	case model.Bytes:
		return runtime.Msg{[]byte(prefix + "\xff\x00b-" + id)}
	case model.JSON:
		obj := map[string]any{}
		for _, f := range m.Fields {
			obj[f.Name] = sample(id+"."+v.fieldID(m, f.Name), f.Type, 0)
		}
		b, _ := json.Marshal(obj)
		return runtime.Msg{b}
	case model.Multipart:
		var out runtime.Msg
		for i, f := range m.Fields {
			x := sample(id+"."+v.fieldID(m, f.Name), f.Type, 0)
			if i == 0 {
				x = prefixed(x, prefix)
			}
			switch x := x.(type) {
			case int64:
				out = append(out, runtime.IntFrame(x))
			case float64:
				out = append(out, runtime.FloatFrame(x))
			case bool:
				out = append(out, runtime.BoolFrame(x))
			case string:
				out = append(out, runtime.StringFrame(x))
			case []byte:
				out = append(out, x)
			}
		}
		return out
	}
	return nil
}

// judge decides whether body, sent by socket s of version sv as message
// m, is read right by socket r of version rv.
func judge(sv simVersion, s *model.Socket, m *model.Message, rv simVersion, r *model.Socket, body runtime.Msg) verdict {
	return judgeP(sv, s, m, "", rv, r, body)
}

func judgeP(sv simVersion, s *model.Socket, m *model.Message, prefix string, rv simVersion, r *model.Socket, body runtime.Msg) verdict {
	where := fmt.Sprintf("%s (%s) → %s (%s): %s", sv.sockID(s), ver(sv), rv.sockID(r), ver(rv), m.Name)
	for _, c := range r.Recv {
		if c.Kind == model.Const && len(body) == 1 && bytes.Equal(body[0], c.Value) {
			if m.Kind == model.Const && sv.msgID(m) == rv.msgID(c) {
				return verdict{}
			}
			return verdict{true, "misread as constant " + c.Name + ": " + where}
		}
	}
	var d *model.Message
	for _, x := range r.Recv {
		if x.Kind != model.Const {
			d = x
		}
	}
	if d == nil {
		return verdict{true, "lost: matches nothing received: " + where}
	}
	if m.Kind == model.Const || sv.msgID(m) != rv.msgID(d) && !(m.Builtin || d.Builtin) {
		return verdict{true, "misread as " + d.Name + ": " + where}
	}
	got, err := decode(d, body)
	if err != nil {
		return verdict{true, "lost: does not decode: " + err.Error() + ": " + where}
	}
	want := valueOf(sv, m, prefix)
	if msg := compareValue(rv, d, rv.msgID(d), want, got, ""); msg != "" {
		return verdict{true, "misread: " + msg + ": " + where}
	}
	return verdict{}
}

func ver(v simVersion) string {
	if v.isNew {
		return "new"
	}
	return "old"
}

// valueOf is the generic value of the sample of m, keyed by field identity.
func valueOf(v simVersion, m *model.Message, prefix string) any {
	id := v.msgID(m)
	switch m.Kind {
	case model.String:
		return prefix + "s-" + id
	case model.Bytes:
		return []byte(prefix + "\xff\x00b-" + id)
	case model.JSON, model.Multipart:
		out := map[string]any{}
		for i, f := range m.Fields {
			fid := v.fieldID(m, f.Name)
			out[fid] = sample(id+"."+fid, f.Type, 0)
			if i == 0 && m.Kind == model.Multipart {
				out[fid] = prefixed(out[fid], prefix)
			}
		}
		return out
	}
	return nil
}

// prefixed puts prefix in front of a text or bytes sample; other values
// have text of their own.
func prefixed(x any, prefix string) any {
	switch v := x.(type) {
	case string:
		return prefix + v
	case []byte:
		return append([]byte(prefix), v...)
	}
	return x
}

// decode reads body as the receiver's message d, into generic values
// keyed by field name.
func decode(d *model.Message, body runtime.Msg) (any, error) {
	switch d.Kind {
	case model.String:
		return runtime.DecodeString(body)
	case model.Bytes:
		return runtime.DecodeBytes(body)
	case model.JSON:
		typ := goType(&model.FieldType{Kind: model.Object, Fields: d.Fields}, 0)
		p := reflect.New(typ)
		if err := runtime.DecodeJSON(body, p.Interface()); err != nil {
			return nil, err
		}
		return generic(p.Elem(), &model.FieldType{Kind: model.Object, Fields: d.Fields}), nil
	case model.Multipart:
		if err := runtime.CheckFrames(body, len(d.Fields)); err != nil {
			return nil, err
		}
		out := map[string]any{}
		for i, f := range d.Fields {
			var v any
			var err error
			switch f.Type.Kind {
			case model.Int:
				v, err = runtime.ParseIntFrame(body[i])
			case model.Float:
				v, err = runtime.ParseFloatFrame(body[i])
			case model.Bool:
				v, err = runtime.ParseBoolFrame(body[i])
			case model.Str:
				v, err = runtime.ParseStringFrame(body[i])
			default:
				v = body[i]
			}
			if err != nil {
				return nil, err
			}
			out[f.Name] = v
		}
		return out, nil
	}
	return nil, fmt.Errorf("kind %s", d.Kind)
}

// goType is the Go type generated code uses for t.
func goType(t *model.FieldType, depth int) reflect.Type {
	switch t.Kind {
	case model.Int:
		return reflect.TypeOf(int64(0))
	case model.Float:
		return reflect.TypeOf(float64(0))
	case model.Str:
		return reflect.TypeOf("")
	case model.Bool:
		return reflect.TypeOf(false)
	case model.Raw:
		return reflect.TypeOf([]byte(nil))
	case model.List:
		return reflect.SliceOf(goType(t.Elem, depth+1))
	}
	fs := t.Fields
	if t.Kind == model.Ref {
		fs = t.Message.Fields
	}
	var sf []reflect.StructField
	if depth < 4 {
		for i, f := range fs {
			sf = append(sf, reflect.StructField{Name: fmt.Sprintf("F%d", i), Type: goType(f.Type, depth+1),
				Tag: reflect.StructTag(`json:"` + f.Name + `"`)})
		}
	}
	return reflect.StructOf(sf)
}

// generic turns a decoded value of type t into the form sample gives.
func generic(v reflect.Value, t *model.FieldType) any {
	switch t.Kind {
	case model.List:
		out := []any{}
		for i := 0; i < v.Len(); i++ {
			out = append(out, generic(v.Index(i), t.Elem))
		}
		return out
	case model.Object, model.Ref:
		fs := t.Fields
		if t.Kind == model.Ref {
			fs = t.Message.Fields
		}
		out := map[string]any{}
		for i, f := range fs {
			if i < v.NumField() {
				out[f.Name] = generic(v.Field(i), f.Type)
			}
		}
		return out
	}
	return v.Interface()
}

// compareValue compares what was sent (keyed by field identity) with what
// was read (keyed by the receiver's field names) for message d of the
// receiver's version rv.
func compareValue(rv simVersion, d *model.Message, msgID string, want, got any, path string) string {
	wm, wok := want.(map[string]any)
	gm, gok := got.(map[string]any)
	if wok != gok {
		return "shape differs at " + path
	}
	if !wok {
		if !sameScalar(want, got) {
			return fmt.Sprintf("%s%v read as %v", path, show(want), show(got))
		}
		return ""
	}
	for _, f := range d.Fields {
		fid := rv.fieldID(d, f.Name)
		w, ok := wm[fid]
		if !ok {
			// Not sent: fine for a field the receiver added (optional).
			if rv.isNew && !rv.oldField(msgID, fid) {
				continue
			}
			return "field " + f.Name + " not sent"
		}
		if !deepSame(w, gm[f.Name]) {
			return fmt.Sprintf("field %s: %v read as %v", f.Name, show(w), show(gm[f.Name]))
		}
	}
	return ""
}

func show(v any) string {
	if b, ok := v.([]byte); ok {
		return fmt.Sprintf("%q", b)
	}
	return fmt.Sprintf("%v", v)
}

// deepSame compares sample and decoded values: numbers by value, bytes by
// content, lists and objects element by element (objects by the keys sent).
func deepSame(w, g any) bool {
	switch wv := w.(type) {
	case []any:
		gv, ok := g.([]any)
		if !ok || len(gv) != len(wv) {
			return false
		}
		for i := range wv {
			if !deepSame(wv[i], gv[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		gv, ok := g.(map[string]any)
		if !ok {
			return false
		}
		for k := range gv {
			if _, sent := wv[k]; !sent {
				return false
			}
		}
		for k, x := range wv {
			if y, ok := gv[k]; ok && !deepSame(x, y) {
				return false
			}
		}
		return true
	}
	return sameScalar(w, g)
}

func sameScalar(w, g any) bool {
	num := func(x any) (float64, bool) {
		switch v := x.(type) {
		case int64:
			return float64(v), true
		case float64:
			return v, true
		}
		return 0, false
	}
	if a, ok := num(w); ok {
		b, ok := num(g)
		return ok && a == b
	}
	switch wv := w.(type) {
	case []byte:
		gb, ok := g.([]byte)
		if !ok {
			gs, ok := g.(string)
			return ok && gs == string(wv)
		}
		return bytes.Equal(wv, gb)
	case string:
		if gb, ok := g.([]byte); ok {
			return string(gb) == wv
		}
	}
	// A frame's text read as a string (a bool "true", a number) is the
	// same text.
	if gs, ok := g.(string); ok {
		return fmt.Sprint(w) == gs
	}
	return reflect.DeepEqual(w, g)
}

// ---- timing ----

// timingHarm classifies the policy edits by their arithmetic: a request
// is given up on when the server's answer time (just under the old
// timeout; any time when there was none) exceeds the new timeout; a peer
// is taken for dead when the other side's heartbeats come at intervals of
// its liveness window or more, or not at all, where in its own version
// they came in time. A receiver that limits message size loses a
// message larger than the limit, where an old sender may send up to the
// old limit (1 MiB or more when there was none).
func timingHarm(old, new *model.Topology, ids map[string]string) bool {
	vn := simVersion{t: new, isNew: true, ids: ids, old: old}
	for _, n := range new.Nodes {
		for _, s := range n.Sockets {
			o := simVersion{t: old, old: old}.socket(vn.sockID(s))
			if o == nil {
				continue
			}
			if s.Retry != nil && (o.Retry == nil || s.Retry.Timeout < o.Retry.Timeout) {
				return true
			}
			if s.Options.MaxMsgSize != nil && *s.Options.MaxMsgSize < 1<<20 && (o.Options.MaxMsgSize == nil || *o.Options.MaxMsgSize > *s.Options.MaxMsgSize) {
				for _, e := range old.Edges {
					var peer *model.Socket
					if e.To == o {
						peer = e.From
					} else if e.From == o {
						peer = e.To
					}
					if peer != nil && peer.Type.SendsData() {
						for _, m := range peer.Send {
							if m.Kind != model.Const {
								return true
							}
						}
					}
				}
			}
		}
	}
	// Heartbeats, for each old edge in both mixes.
	for _, e := range old.Edges {
		nf := vn.socketByOld(e.From)
		nt := vn.socketByOld(e.To)
		if nf == nil || nt == nil {
			continue
		}
		for _, mix := range [][2]*model.Socket{{e.From, nt}, {nf, e.To}} {
			for _, xy := range [][2]*model.Socket{{mix[0], mix[1]}, {mix[1], mix[0]}} {
				x, y := xy[0], xy[1]
				if x.Heartbeat == nil {
					continue
				}
				window := x.Heartbeat.Interval * time.Duration(x.Heartbeat.Liveness)
				fast := func(s *model.Socket) bool { return s != nil && s.Heartbeat != nil && s.Heartbeat.Interval < window }
				ownPeer := y
				if (x == e.From || x == e.To) != (y == e.From || y == e.To) {
					// x and y of different versions: x's own version's peer.
					if x == e.From || x == e.To {
						ownPeer = map[bool]*model.Socket{true: e.To, false: e.From}[x == e.From]
					} else {
						ownPeer = map[bool]*model.Socket{true: nt, false: nf}[x == nf]
					}
				}
				if fast(ownPeer) && !fast(y) {
					return true
				}
			}
		}
	}
	return false
}

func (v simVersion) socketByOld(s *model.Socket) *model.Socket {
	return v.socket(s.Node.Name + "." + s.Name)
}
