package breaking

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/zmqgen/zmqgen/dsl"
	"github.com/zmqgen/zmqgen/dsl/model"
)

// The WIRE rules look at every pair of sockets that is an edge in either
// version, and at the two mixed deployments of the pair: the old version
// of the connecting socket with the new version of the binding one, and
// the reverse. A mix either connects (the connecting side's address
// reaches one the binding side binds) or not; when it does, each message
// either side sends is checked against what the other side's version
// receives.

// pair is two sockets that make an edge in some version, in both versions.
type pair struct {
	fromOld, toOld, fromNew, toNew *model.Socket
	oldEdge                        *model.Edge // nil when only the new version has the edge
}

func (c *comparison) wireRules() {
	c.removals()
	var pairs []pair
	seen := map[[2]*model.Socket]bool{}
	for _, e := range c.old.Topology.Edges {
		fn, tn := c.sockNew[e.From], c.sockNew[e.To]
		if fn == nil || tn == nil || seen[[2]*model.Socket{e.From, e.To}] {
			continue
		}
		seen[[2]*model.Socket{e.From, e.To}] = true
		pairs = append(pairs, pair{e.From, e.To, fn, tn, e})
	}
	for _, e := range c.new.Topology.Edges {
		fo, to := c.sockOld[e.From], c.sockOld[e.To]
		if fo == nil || to == nil || seen[[2]*model.Socket{fo, to}] {
			continue
		}
		seen[[2]*model.Socket{fo, to}] = true
		pairs = append(pairs, pair{fo, to, e.From, e.To, nil})
	}
	for _, p := range pairs {
		c.checkPair(p)
	}
	for _, os := range c.oldSockets() {
		if ns := c.sockNew[os]; ns != nil && ns.Type == model.REQ && os.Type == model.REQ {
			c.checkRetry(os, ns)
		}
	}
}

func (c *comparison) oldSockets() []*model.Socket {
	var out []*model.Socket
	for _, n := range c.old.Topology.Nodes {
		out = append(out, n.Sockets...)
	}
	return out
}

// removals reports removed nodes and sockets that had peers.
func (c *comparison) removals() {
	hasEdge := map[*model.Socket]bool{}
	for _, e := range c.old.Topology.Edges {
		if e.From.Node != e.To.Node {
			hasEdge[e.From], hasEdge[e.To] = true, true
		}
	}
	for _, on := range c.old.Topology.Nodes {
		nn := c.nodeNew[on]
		for _, os := range on.Sockets {
			if !hasEdge[os] || c.sockNew[os] != nil {
				continue
			}
			if nn == nil {
				c.report(NodeRemoved, c.new.topoAt(), c.was(c.old.nodeAt(on), "was here"),
					"node %s removed; its old copies' peers (%s) lose what they exchanged with it", on.Name, c.peerList(on))
				break
			}
			c.report(SocketRemoved, c.new.nodeAt(nn), c.was(c.old.sockAt(os), "was here"),
				"socket %s removed; old peers lose what they exchanged with it", sockName(os))
		}
	}
}

func (c *comparison) peerList(n *model.Node) string {
	var names []string
	seen := map[string]bool{}
	for _, e := range c.old.Topology.Edges {
		var o *model.Socket
		switch {
		case e.From.Node == n && e.To.Node != n:
			o = e.To
		case e.To.Node == n && e.From.Node != n:
			o = e.From
		}
		if o != nil && !seen[sockName(o)] {
			seen[sockName(o)] = true
			names = append(names, sockName(o))
		}
	}
	return strings.Join(names, ", ")
}

// ver names a socket's version in messages.
func (c *comparison) ver(s *model.Socket) string {
	if c.versions[s] {
		return "new"
	}
	return "old"
}

// checkPair checks both mixed deployments of one pair of sockets.
func (c *comparison) checkPair(p pair) {
	mixes := []struct{ from, to *model.Socket }{{p.fromOld, p.toNew}, {p.fromNew, p.toOld}}
	for _, m := range mixes {
		if !connects(m.from, m.to) {
			if p.oldEdge != nil {
				c.lostConnection(p)
			}
			continue
		}
		c.checkTypes(p, m.from, m.to)
		c.checkSecurity(m.from, m.to)
		c.checkFlow(m.from, m.to)
		c.checkFlow(m.to, m.from)
		c.checkHeartbeat(m.from, m.to)
		c.checkHeartbeat(m.to, m.from)
	}
}

// lostConnection reports why an old and a new socket of an old edge no
// longer meet.
func (c *comparison) lostConnection(p pair) {
	e := p.oldEdge
	if connects(p.toNew, p.fromNew) {
		c.report(BindConnectFlipped, c.new.sockAt(p.fromNew), c.was(c.old.sockAt(p.fromOld), "was here"),
			"%s now binds where %s connected before (and the other way round); an old and a new one never meet",
			sockName(p.fromNew), sockName(p.toNew))
		return
	}
	if !bindsAddr(p.toNew, e.Addr) {
		now := "binds nothing"
		if len(p.toNew.Binds) > 0 {
			now = "binds " + p.toNew.Binds[0].Addr
		}
		c.report(EndpointChanged, c.new.stmtAt(p.toNew, "bind", ""), c.was(c.old.stmtAt(p.toOld, "bind", e.Addr), "was here"),
			"%s %s instead of %s; old %s connects where nothing listens", sockName(p.toNew), now, e.Addr, sockName(p.fromOld))
		return
	}
	c.report(ConnectRemoved, c.new.sockAt(p.fromNew), c.was(c.old.sockAt(p.fromOld), "was here"),
		"%s no longer connects to %s (%s); old %s is left without this peer", sockName(p.fromNew), sockName(p.toNew), e.Addr, sockName(p.toOld))
}

// connects reports whether socket from, connecting, reaches an address
// socket to binds.
func connects(from, to *model.Socket) bool {
	for _, ce := range from.Connects {
		for _, be := range to.Binds {
			if reaches(ce.Addr, be.Addr) {
				return true
			}
		}
	}
	return false
}

func bindsAddr(s *model.Socket, addr string) bool {
	for _, b := range s.Binds {
		if b.Addr == addr {
			return true
		}
	}
	return false
}

// reaches reports whether a connect to address conn reaches a bind of
// address bind on the same machine.
func reaches(conn, bind string) bool {
	if conn == bind {
		return true
	}
	ct, ch, cp := splitAddr(conn)
	bt, bh, bp := splitAddr(bind)
	if ct != "tcp" || bt != "tcp" || cp != bp || cp == "" {
		return false
	}
	local := func(h string) bool { return h == "localhost" || h == "127.0.0.1" || h == "::1" || h == "[::1]" }
	wild := func(h string) bool { return h == "*" || h == "0.0.0.0" || h == "::" || h == "[::]" }
	return ch == bh || local(ch) && (wild(bh) || local(bh))
}

func splitAddr(a string) (transport, host, port string) {
	transport, rest, ok := strings.Cut(a, "://")
	if !ok {
		return "", "", ""
	}
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		return transport, rest[:i], rest[i+1:]
	}
	return transport, rest, ""
}

// checkTypes reports a socket whose type changed, on a connection between
// an old and a new socket: as WIRE when the two no longer pair (the
// handshake fails), as CODE when they still do (the generated handle
// changes, and with it what handlers must do, such as envelopes).
func (c *comparison) checkTypes(p pair, from, to *model.Socket) {
	for _, s := range []*model.Socket{from, to} {
		if !c.versions[s] {
			continue
		}
		old := c.sockOld[s]
		if old.Type == s.Type {
			continue
		}
		other := to
		if s == to {
			other = from
		}
		if !s.Type.CanPair(other.Type) {
			c.report(SocketTypeChanged, c.new.stmtAt(s, "type", ""), c.was(c.old.stmtAt(old, "type", ""), "was here"),
				"socket %s changed from %s to %s, which does not pair with old %s (%s), so they never connect",
				sockName(s), old.Type, s.Type, sockName(other), other.Type)
			continue
		}
		// Pairs that connect but cannot talk: a ROUTER does not know a
		// peer until it hears from it, and REP and ROUTER peers never
		// speak first; a REP answers one request at a time, which a
		// DEALER peer does not wait for.
		if s.Type == model.ROUTER && (other.Type == model.REP || other.Type == model.ROUTER) ||
			s.Type == model.REP && other.Type == model.DEALER && !other.Type.Lockstep() && old.Type != model.REQ {
			c.report(SocketTypeChanged, c.new.stmtAt(s, "type", ""), c.was(c.old.stmtAt(old, "type", ""), "was here"),
				"socket %s changed from %s to %s; with old %s (%s) %s", sockName(s), old.Type, s.Type, sockName(other), other.Type,
				map[bool]string{true: "neither side speaks first", false: "a REP cannot keep up with a DEALER that does not wait for answers"}[s.Type == model.ROUTER])
			continue
		}
		c.report(SocketTypeCode, c.new.stmtAt(s, "type", ""), c.was(c.old.stmtAt(old, "type", ""), "was here"),
			"socket %s changed from %s to %s; its generated handle changes, and handlers with it", sockName(s), old.Type, s.Type)
	}
}

// same returns the socket of the other version that corresponds to s.
func (c *comparison) same(s *model.Socket) *model.Socket {
	if c.versions[s] {
		return c.sockOld[s]
	}
	return c.sockNew[s]
}

// checkFlow checks each message snd sends against what rcv receives; one
// of them is old and the other new.
func (c *comparison) checkFlow(snd, rcv *model.Socket) {
	if !snd.Type.SendsData() || !rcv.Type.ReceivesData() {
		return
	}
	newSide := rcv
	if c.versions[snd] {
		newSide = snd
	}
	for _, m := range snd.Send {
		// A constant the subscriber filters out is not received by
		// either version.
		if rcv.Type.Subscribes() && m.Kind == model.Const && !matchesAny(rcv.Subscribe, m) && !matchesAny(c.same(rcv).Subscribe, m) {
			continue
		}
		if m.Kind == model.Const {
			c.checkConst(snd, rcv, m)
		} else {
			var r *model.Message
			for _, x := range rcv.Recv {
				if x.Kind != model.Const {
					r = x
				}
			}
			if r == nil {
				c.notReceived(snd, rcv, m)
				continue
			}
			mc := msgCheck{c: c, newSend: newSide == snd, snd: snd, rcv: rcv}
			mc.message(m, r)
		}
		if rcv.Type == model.SUB {
			c.checkPrefix(snd, rcv, m)
		}
	}
	c.checkMaxSize(snd, rcv)
}

func (c *comparison) notReceived(snd, rcv *model.Socket, m *model.Message) {
	if c.versions[snd] {
		c.report(MessageNotReceived, c.new.stmtAt(snd, "send", m.Name), nil,
			"new %s sends %s, which old %s does not receive", sockName(snd), m.Name, sockName(rcv))
		return
	}
	c.report(MessageNotReceived, c.new.sockAt(rcv), nil,
		"new %s no longer receives %s, which old %s sends", sockName(rcv), m.Name, sockName(snd))
}

// checkConst checks a constant message: the receiver must know its bytes.
func (c *comparison) checkConst(snd, rcv *model.Socket, m *model.Message) {
	for _, r := range rcv.Recv {
		if r.Kind == model.Const && bytes.Equal(r.Value, m.Value) {
			return
		}
	}
	// The same message in the other version, by name or rename.
	var other *model.Message
	if c.versions[snd] {
		other = c.msgOld[m]
	} else {
		other = c.msgNew[m]
	}
	if other != nil && other.Kind == model.Const {
		for _, r := range rcv.Recv {
			if r == other {
				nm, om := m, other
				if !c.versions[snd] {
					nm, om = other, m
				}
				c.report(ConstChanged, c.new.at(func(ix *dsl.Index) dsl.Range { return ix.MessageKind(nm.Name) }), nil,
					"constant %s changed from %q to %q; a receiver of the other version does not recognise it", nm.Name, om.Value, nm.Value)
				return
			}
		}
	}
	if other != nil && other.Kind != model.Const {
		nm := m
		if !c.versions[snd] {
			nm = other
		}
		c.report(MessageKindChanged, c.new.at(func(ix *dsl.Index) dsl.Range { return ix.MessageKind(nm.Name) }), nil,
			"message %s changed between a constant and a %s message", nm.Name, notConst(m, other).Kind)
		return
	}
	c.notReceived(snd, rcv, m)
}

func notConst(a, b *model.Message) *model.Message {
	if a.Kind == model.Const {
		return b
	}
	return a
}

// checkPrefix reports a message a SUB of one version subscribed to that
// the SUB of the other version filters out, when its first frame is known
// (a constant's bytes, a JSON object's "{").
func (c *comparison) checkPrefix(snd, sub *model.Socket, m *model.Message) {
	own := c.same(sub) // the SUB of the sender's version
	if own == nil {
		return
	}
	if matchesAny(own.Subscribe, m) && !matchesAny(sub.Subscribe, m) {
		if c.versions[sub] {
			c.report(SubPrefixUnmatched, c.new.stmtAt(sub, "subscribe", ""), nil,
				"new %s subscribes to no prefix of %s, which old %s publishes and old %s received", sockName(sub), m.Name, sockName(snd), sockName(own))
		} else {
			c.report(SubPrefixUnmatched, c.new.stmtAt(snd, "send", m.Name), nil,
				"old %s subscribes to no prefix of %s as new %s publishes it", sockName(sub), m.Name, sockName(snd))
		}
	}
}

// matchesAny reports whether some prefix may match m's first frame.
func matchesAny(prefixes []string, m *model.Message) bool {
	for _, p := range prefixes {
		switch m.Kind {
		case model.Const:
			if bytes.HasPrefix(m.Value, []byte(p)) {
				return true
			}
		case model.JSON:
			if p == "" || strings.HasPrefix(p, "{") {
				return true
			}
		default:
			return true
		}
	}
	return false
}

// checkMaxSize reports a new receiver whose max_msg_size went down while
// an old sender may send more.
func (c *comparison) checkMaxSize(snd, rcv *model.Socket) {
	if !c.versions[rcv] || c.versions[snd] {
		return
	}
	old := c.sockOld[rcv]
	nmax := rcv.Options.MaxMsgSize
	if nmax == nil || old.Options.MaxMsgSize != nil && *old.Options.MaxMsgSize <= *nmax {
		return
	}
	for _, m := range snd.Send {
		if m.Kind != model.Const || int64(len(m.Value)) > *nmax {
			was := "no limit"
			if old.Options.MaxMsgSize != nil {
				was = fmt.Sprintf("%d bytes", *old.Options.MaxMsgSize)
			}
			c.report(MaxMsgSizeLowered, c.new.stmtAt(rcv, "max_msg_size", ""), nil,
				"max_msg_size of %s lowered to %d bytes from %s; old %s may send %s larger and be disconnected", sockName(rcv), *nmax, was, sockName(snd), m.Name)
			return
		}
	}
}

// checkHeartbeat reports x taking y for dead: x wants to hear from y within
// its liveness window, and y's heartbeats come less often, where in x's own
// version they came often enough.
func (c *comparison) checkHeartbeat(x, y *model.Socket) {
	if x.Heartbeat == nil {
		return
	}
	window := x.Heartbeat.Interval * timeMul(x.Heartbeat.Liveness)
	often := func(s *model.Socket) bool { return s != nil && s.Heartbeat != nil && s.Heartbeat.Interval < window }
	if !often(c.same(y)) || often(y) {
		return
	}
	now := "sends no heartbeats"
	if y.Heartbeat != nil {
		now = fmt.Sprintf("sends a heartbeat every %s", y.Heartbeat.Interval)
	}
	if c.versions[y] {
		c.report(HeartbeatTooSlow, c.new.stmtAt(y, "heartbeat", ""), nil,
			"new %s %s; old %s takes a peer silent for %s for dead", sockName(y), now, sockName(x), window)
	} else {
		c.report(HeartbeatTooSlow, c.new.stmtAt(x, "heartbeat", ""), nil,
			"new %s takes a peer silent for %s for dead; old %s %s", sockName(x), window, sockName(y), now)
	}
}

// checkRetry reports a REQ retry that gives up on a request sooner.
func (c *comparison) checkRetry(os, ns *model.Socket) {
	if ns.Retry == nil {
		return
	}
	was := "waited for a reply without a limit"
	if os.Retry != nil {
		if ns.Retry.Timeout >= os.Retry.Timeout {
			return
		}
		was = fmt.Sprintf("waited %s", os.Retry.Timeout)
	}
	c.report(RetryGivesUpSooner, c.new.stmtAt(ns, "retry", ""), nil,
		"%s waits %s for each reply where it %s; a server that answered in time before is now given up on", sockName(ns), ns.Retry.Timeout, was)
}

// securityMeets reports whether two ends agree on ZMTP security: both
// NULL, or CURVE with one server and one client that expects the server's
// key (a literal serverkey, when one is given, must not have changed: the
// server's key is the same in both versions, as keys are not in the
// topology).
func securityMeets(client, server *model.Socket) bool {
	a, b := client.Curve, server.Curve
	switch {
	case a == nil && b == nil:
		return true
	case a == nil || b == nil:
		return false
	}
	return a.Server != b.Server
}

// checkSecurity reports a connection between an old and a new end whose
// security does not meet (each version's own ends do: check sees to it).
func (c *comparison) checkSecurity(from, to *model.Socket) {
	if securityMeets(from, to) {
		if from.Curve == nil || to.Curve == nil {
			return
		}
		// Both CURVE: a client's literal server key must be the one the
		// other version's client had.
		for _, s := range []*model.Socket{from, to} {
			if s.Curve.Server || s.Curve.ServerKey == "" {
				continue
			}
			o := c.same(s)
			if o != nil && o.Curve != nil && o.Curve.ServerKey != "" && o.Curve.ServerKey != s.Curve.ServerKey {
				n := s
				if !c.versions[s] {
					n = o
				}
				c.report(SecurityChanged, c.new.stmtAt(n, "curve", ""), nil,
					"%s expects another CURVE server key than before; one version's client fails the handshake with the other version's server", sockName(n))
			}
		}
		return
	}
	newEnd, oldEnd := from, to
	if !c.versions[from] {
		newEnd, oldEnd = to, from
	}
	desc := func(s *model.Socket) string {
		switch {
		case s.Curve == nil:
			return "no security (NULL)"
		case s.Curve.Server:
			return "CURVE as server"
		}
		return "CURVE as client"
	}
	c.report(SecurityChanged, c.new.stmtAt(newEnd, "curve", ""), nil,
		"new %s uses %s and old %s %s, so their handshake fails", sockName(newEnd), desc(newEnd), sockName(oldEnd), desc(oldEnd))
}
