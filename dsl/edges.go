package dsl

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/zmqgen/zmqgen/dsl/internal/syntax"
	"github.com/zmqgen/zmqgen/dsl/model"
)

// This file holds the checks that need the whole topology: which sockets
// are connected (edges), whether each pair of socket types may talk,
// whether messages agree on both ends, and whether addresses collide.

// edgeInfo is an edge with the connect statement it came from.
type edgeInfo struct {
	e    *model.Edge
	from *sockInfo
	to   *sockInfo
	conn *connInfo
}

func sockName(si *sockInfo) string { return si.node.n.Name + "." + si.s.Name }

func (check *checker) checkTopology() {
	check.checkBinds()
	edges := check.buildEdges()
	for _, ed := range edges {
		check.checkEdge(ed)
	}
	check.checkReceived()
	check.checkPairPeers(edges)
	check.checkCurve(edges)
	sort.Slice(edges, func(i, j int) bool { return edgeLess(edges[i].e, edges[j].e) })
	for _, ed := range edges {
		check.topo.Edges = append(check.topo.Edges, ed.e)
	}
}

func edgeLess(a, b *model.Edge) bool {
	ka := []string{a.From.Node.Name, a.From.Name, a.To.Node.Name, a.To.Name, a.Addr}
	kb := []string{b.From.Node.Name, b.From.Name, b.To.Node.Name, b.To.Name, b.Addr}
	for i := range ka {
		if ka[i] != kb[i] {
			return ka[i] < kb[i]
		}
	}
	return false
}

// checkBinds reports an address bound twice, a node with replicas that
// binds a fixed address (each copy would try to bind it), and a bind on a
// REQ socket with a retry policy (a Lazy Pirate client reopens its socket
// on every retry, which would drop every peer the bind had accepted).
func (check *checker) checkBinds() {
	type owner struct {
		si *sockInfo
		b  *bindInfo
	}
	var all []owner
	for _, ni := range check.nodeList {
		for _, si := range ni.list {
			for _, b := range si.binds {
				for _, o := range all {
					if o.b.addr.overlaps(b.addr) && o.si != si {
						check.errorf(b.stmt.Addr, "address %q already bound by %s at %s", b.addr.text, sockName(o.si), check.first(o.b.stmt.Addr))
						break
					}
				}
				all = append(all, owner{si, b})
				// Retry on a socket that is not REQ is already an error of
				// its own (options.go); one is enough.
				if si.s.Retry != nil && si.s.Type == model.REQ {
					check.errorf(b.stmt.Addr, "%s has a retry policy, which reopens the socket on each retry, so it can only connect", sockName(si))
				}
				if ni.n.Replicas > 1 && !b.addr.ephemeral() && b.addr.transport != "inproc" && !check.reachedByConnectAll(si) {
					check.errorf(b.stmt.Addr, "node %q has %d replicas but binds the fixed address %q; the copies would collide",
						ni.n.Name, ni.n.Replicas, b.addr.text)
				}
			}
		}
	}
}

// reachedByConnectAll reports whether target binds over tcp only, and
// every socket that references it, at least one, connects with
// connect_all: then each replica of target's node is a host of its own
// (zmqgen deploy gives the node a headless Service, whose name resolves
// to every replica) and the peers connect to each replica, so the copies
// may bind one fixed port. zmqgen up, which runs every node on one
// machine, refuses such a topology.
func (check *checker) reachedByConnectAll(target *sockInfo) bool {
	for _, b := range target.binds {
		if b.addr.transport != "tcp" {
			return false
		}
	}
	n := 0
	for _, ni := range check.nodeList {
		for _, si := range ni.list {
			for _, c := range si.connects {
				if c.to != target {
					continue
				}
				if si.s.ConnectAll == nil {
					return false
				}
				n++
			}
		}
	}
	return n > 0
}

// buildEdges finds every connection: references, and literal connects
// that reach a bind in the topology.
func (check *checker) buildEdges() []*edgeInfo {
	var out []*edgeInfo
	type key struct {
		from, to *model.Socket
		addr     string
	}
	seen := map[key]*connInfo{}
	// add records an edge, and reports a second connect statement that
	// reaches an address the socket already connects to (a reference
	// and a literal, or two spellings of one address).
	add := func(ed *edgeInfo) {
		k := key{ed.e.From, ed.e.To, ed.e.Addr}
		if prev, ok := seen[k]; ok {
			if prev != ed.conn {
				check.errorf(ed.conn.stmt.Addr, "socket %s already connects to %s at %s",
					sockName(ed.from), sockName(ed.to), check.first(prev.stmt.Addr))
			}
			return
		}
		seen[k] = ed.conn
		out = append(out, ed)
	}
	for _, ni := range check.nodeList {
		for _, si := range ni.list {
			for _, c := range si.connects {
				if c.to != nil {
					for _, b := range c.to.binds {
						if b.addr.ephemeral() {
							continue
						}
						add(&edgeInfo{e: &model.Edge{From: si.s, To: c.to.s, Addr: b.addr.text}, from: si, to: c.to, conn: c})
					}
					continue
				}
				if c.ref != nil {
					continue // unresolved; already reported
				}
				for _, oi := range check.nodeList {
					for _, ti := range oi.list {
						for _, b := range ti.binds {
							if ti != si && c.addr.reaches(b.addr) {
								add(&edgeInfo{e: &model.Edge{From: si.s, To: ti.s, Addr: b.addr.text}, from: si, to: ti, conn: c})
							}
						}
					}
				}
			}
		}
	}
	return out
}

func typeList(ts []model.SocketType) string {
	var names []string
	for _, t := range ts {
		names = append(names, t.String())
	}
	return syntax.OrList(names)
}

// checkEdge checks that the two socket types may talk and that what one
// end sends is what the other receives, in each direction data flows.
func (check *checker) checkEdge(ed *edgeInfo) {
	a, b := ed.from.s, ed.to.s
	at := ed.conn.stmt.Addr
	if a.Type == 0 || b.Type == 0 {
		return // unknown type, already reported
	}
	if !a.Type.CanPair(b.Type) {
		check.errorf(at, "%s socket %s cannot connect to %s socket %s; %s pairs with %s",
			a.Type, sockName(ed.from), b.Type, sockName(ed.to), a.Type, typeList(a.Type.Peers()))
		return
	}
	check.checkFlow(at, ed.from, ed.to)
	check.checkFlow(at, ed.to, ed.from)
}

// checkFlow checks messages going from socket x to socket y: every type
// x sends is one y receives. It records what y's peers send, for
// checkReceived.
func (check *checker) checkFlow(at syntax.Node, x, y *sockInfo) {
	// Subscriptions going upstream (XSUB's sends, XPUB's receives) are not
	// data, and are not checked here.
	if !x.s.Type.SendsData() || !y.s.Type.ReceivesData() {
		return
	}
	// A declaration that failed to resolve is already reported.
	if x.badMsg || y.badMsg || x.incomplete || y.incomplete {
		y.flowReported = true
		return
	}
	send, recv := x.s.Send, y.s.Recv
	y.peered = true
	if y.sentBy == nil {
		y.sentBy = map[*model.Message]bool{}
	}
	for _, m := range send {
		y.sentBy[m] = true
	}
	switch {
	case len(send) == 0 && len(recv) == 0:
	case len(send) == 0:
		check.errorf(at, "%s receives %s but %s sends nothing", sockName(y), msgNames(recv), sockName(x))
		y.flowReported = true
	case len(recv) == 0:
		check.errorf(at, "%s sends %s but %s receives nothing", sockName(x), msgNames(send), sockName(y))
		y.flowReported = true
	default:
		for _, m := range send {
			if !slices.Contains(recv, m) {
				check.errorf(at, "%s sends %s but %s receives %s", sockName(x), m.Name, sockName(y), msgNames(recv))
				y.flowReported = true
			}
		}
	}
}

// checkReceived reports a type that a socket receives but none of its
// peers in the topology sends. It is silent for a socket with no peer in
// the topology (its peers are outside, behind literal addresses) and for
// one whose edges already had an error.
func (check *checker) checkReceived() {
	for _, ni := range check.nodeList {
		for _, si := range ni.list {
			if !si.peered || si.flowReported {
				continue
			}
			for i, m := range si.s.Recv {
				if !si.sentBy[m] {
					check.errorf(si.recvs[i], "%s receives %s but no peer sends it", sockName(si), m.Name)
				}
			}
		}
	}
}

// msgNames lists message names for a diagnostic: "A", "A and B",
// "A, B and C".
func msgNames(ms []*model.Message) string {
	var names []string
	for _, m := range ms {
		names = append(names, m.Name)
	}
	switch len(names) {
	case 0:
		return "nothing"
	case 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// checkPairPeers reports a PAIR socket with more than one peer: PAIR is
// an exclusive one-to-one link. A peer node's replicas count as peers.
func (check *checker) checkPairPeers(edges []*edgeInfo) {
	count := map[*sockInfo]int{}
	first := map[*sockInfo]*edgeInfo{}
	for _, ed := range edges {
		if ed.from.s.Type != model.PAIR || ed.to.s.Type != model.PAIR {
			continue
		}
		count[ed.from] += ed.to.node.n.Replicas
		count[ed.to] += ed.from.node.n.Replicas
		for _, si := range []*sockInfo{ed.from, ed.to} {
			if count[si] > 1 {
				if _, done := first[si]; !done {
					first[si] = ed
					what := fmt.Sprintf("PAIR socket %s has more than one peer", sockName(si))
					if ed.from.node.n.Replicas > 1 && si == ed.to {
						what += fmt.Sprintf(" (%s has %d replicas)", ed.from.node.n.Name, ed.from.node.n.Replicas)
					}
					check.errorf(ed.conn.stmt.Addr, "%s; PAIR connects exactly two sockets", what)
				}
			}
		}
	}
}

// checkCurve checks CURVE across edges: both ends of an edge are secured
// or neither, one end is the server and the other a client, and every
// client can learn its server's public key: from serverkey in its curve
// block, or from the certificate of the one node whose CURVE server it
// talks to (the node's keys directory holds NODE.key for each node).
func (check *checker) checkCurve(edges []*edgeInfo) {
	servers := map[*sockInfo]map[string]bool{} // client → its servers' nodes
	for _, ed := range edges {
		a, b := ed.from, ed.to
		ca, cb := a.s.Curve, b.s.Curve
		at := ed.conn.stmt.Addr
		switch {
		case ca == nil && cb == nil:
			continue
		case ca == nil || cb == nil:
			secured, open := a, b
			if ca == nil {
				secured, open = b, a
			}
			check.errorf(at, "%s is secured with curve but %s is not; secure both ends of the edge or neither", sockName(secured), sockName(open))
			continue
		case ca.Server == cb.Server:
			role := map[bool]string{true: "servers", false: "clients"}[ca.Server]
			check.errorf(at, "%s and %s are both curve %s; one end of an edge is the server, the other a client", sockName(a), sockName(b), role)
			continue
		}
		client, server := a, b
		if ca.Server {
			client, server = b, a
		}
		if servers[client] == nil {
			servers[client] = map[string]bool{}
		}
		servers[client][server.node.n.Name] = true
	}
	for _, ni := range check.nodeList {
		for _, si := range ni.list {
			c := si.s.Curve
			if c == nil || c.Server || si.serverKey {
				continue
			}
			block := policyBlock(si, "curve")
			for _, conn := range si.connects {
				if conn.ref == nil {
					check.errorf(conn.stmt.Addr, "curve client %s connects to %q and has no way to learn the server's public key; give it in the curve block: serverkey \"...\"", sockName(si), conn.addr.text)
				}
			}
			nodes := slices.Sorted(maps.Keys(servers[si]))
			switch {
			case len(nodes) == 1:
				c.ServerNode = nodes[0]
			case len(nodes) > 1:
				check.errorf(block, "curve client %s talks to servers of several nodes (%s) but takes one server key; give it with serverkey", sockName(si), strings.Join(nodes, ", "))
			case len(si.connects) == 0:
				check.errorf(block, "curve client %s has no curve server in the topology to take the server's public key from; give it with serverkey", sockName(si))
			}
		}
	}
}

// policyBlock returns the kind policy block of a socket's declaration
// (the first, if several), or the socket's name if it has none.
func policyBlock(si *sockInfo, kind string) syntax.Node {
	for _, st := range si.decl.Stmts {
		if p, ok := st.(*syntax.Policy); ok && p.Kind.Name == kind {
			return p.Kind
		}
	}
	return si.decl.Name
}
