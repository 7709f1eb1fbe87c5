package runtime

// Contracts on the wire. A zmqgen node knows, from its topology, the
// contract of each connection its sockets make: the socket types at both
// ends and what each side sends, fingerprinted (dsl/model's
// Edge.Fingerprint). The fingerprint travels in the ZMTP READY (or PLAIN
// INITIATE) metadata as the property X-Zmqgen-Contract, which libzmq and
// other ZMTP peers ignore:
//
//	X-Zmqgen-Contract: TOPOLOGY EDGE FINGERPRINT[,FINGERPRINT...]
//
// A connecting socket sends the edge it makes ("client.req->server.rep")
// and that edge's fingerprint; a binding socket sends its own name and the
// fingerprints of every edge that reaches it. Each side accepts the other
// when the connecting side's fingerprint is among the binding side's, so
// both sides decide alike; a peer that sends no such property (libzmq,
// pyzmq, a zmqgen node without a contract) is accepted as before. A
// refusal closes the connection and is logged on both sides, naming the
// topology, the edge and both fingerprints; the connecting side dials
// again with its reconnect backoff, so an upgraded peer is met once it
// runs.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/go-zeromq/zmq4"
)

// contractProperty is the metadata property's name as it goes on the wire.
const contractProperty = "X-Zmqgen-Contract"

// A Contract is what a socket's connections with zmqgen peers must agree
// on. Generated code builds it from the topology.
type Contract struct {
	Topology string
	// Connects maps each endpoint the socket connects to, exactly as
	// passed to Connect, to the edge that connection makes.
	Connects map[string]ContractEdge
	// Binds lists the edges that reach the socket's bind endpoints, and
	// Socket names the socket ("server.rep") for the peers' logs.
	Binds  []ContractEdge
	Socket string
}

// A ContractEdge is one edge of the topology and its fingerprint.
type ContractEdge struct {
	Edge        string // "from.socket->to.socket"
	Fingerprint string
}

// WithContract makes the socket announce its connections' contract
// fingerprints and refuse zmqgen peers whose fingerprint differs.
func WithContract(c Contract) Option { return func(o *options) { o.contract = &c } }

// errContract is wrapped by the handshake error of a refused peer.
var errContract = errors.New("zmq: peer has another contract")

// contractRefusals counts refusals, so that a peer that redials at once
// is warned about once and then every hundredth time.
var contractRefusals atomic.Int64

// contractValue returns the property this side sends on a connection
// through endpoint ep (dialled when !server), or "" when it has none.
func contractValue(c *Contract, server bool, ep string) string {
	if c == nil {
		return ""
	}
	if !server {
		e, ok := c.Connects[ep]
		if !ok {
			// An endpoint set by a flag: when every edge the socket
			// makes has one contract, that is this connection's.
			for _, x := range c.Connects {
				if ok && x.Fingerprint != e.Fingerprint {
					return ""
				}
				if !ok || x.Edge < e.Edge {
					e, ok = x, true
				}
			}
			if !ok {
				return ""
			}
		}
		return c.Topology + " " + e.Edge + " " + e.Fingerprint
	}
	if len(c.Binds) == 0 {
		return ""
	}
	fps := make([]string, 0, len(c.Binds))
	for _, e := range c.Binds {
		if !slices.Contains(fps, e.Fingerprint) {
			fps = append(fps, e.Fingerprint)
		}
	}
	return c.Topology + " " + c.Socket + " " + strings.Join(fps, ",")
}

// contractSecurity adds the contract property to the metadata of the
// wrapped mechanism's handshake.
type contractSecurity struct {
	zmq4.Security
	value string
}

func (s contractSecurity) Handshake(conn *zmq4.Conn, server bool) error {
	// zmq4's NULL mechanism writes a property "K" as "X-k"; the runtime's
	// own mechanisms write names as they are.
	key := contractProperty
	if s.Security.Type() == zmq4.NullSecurity {
		key = strings.TrimPrefix(contractProperty, "X-")
	}
	conn.Meta[key] = s.value
	return s.Security.Handshake(conn, server)
}

// withContract wraps sec so that it announces the contract of a
// connection through ep; sec is returned as it is when there is none.
func withContract(sec zmq4.Security, o *options, server bool, ep string) zmq4.Security {
	v := contractValue(o.contract, server, ep)
	if v == "" {
		return sec
	}
	return contractSecurity{Security: sec, value: v}
}

// peerContract returns the peer's contract property, if it sent one.
func peerContract(md zmq4.Metadata) (string, bool) {
	for k, v := range md {
		if strings.EqualFold(k, contractProperty) {
			return v, true
		}
	}
	return "", false
}

// checkContract decides whether the peer of a finished handshake, whose
// metadata is md, may stay. It logs a refusal and returns an error
// wrapping errContract.
func checkContract(o *options, md zmq4.Metadata, server bool, ep, remote string) error {
	mine := contractValue(o.contract, server, ep)
	theirs, ok := peerContract(md)
	if mine == "" || !ok {
		return nil
	}
	myTopo, myEdge, myFPs := splitContract(mine)
	peerTopo, peerEdge, peerFPs := splitContract(theirs)
	var edge string
	var accept bool
	if server {
		// The peer connected: its one fingerprint must be one of ours.
		edge = peerEdge
		accept = len(peerFPs) == 1 && slices.Contains(myFPs, peerFPs[0])
	} else {
		edge = myEdge
		accept = len(myFPs) == 1 && slices.Contains(peerFPs, myFPs[0])
	}
	if accept {
		return nil
	}
	level := slog.LevelWarn
	if n := contractRefusals.Add(1); n != 1 && n%100 != 0 {
		level = slog.LevelDebug
	}
	loggerOf(o).Log(context.Background(), level, "zmq: refused a peer built from another version of the topology",
		"socket", o.name, "remote", remote, "topology", myTopo, "edge", edge,
		"fingerprint", strings.Join(myFPs, ","), "peer_topology", peerTopo, "peer_fingerprint", strings.Join(peerFPs, ","))
	return fmt.Errorf("%w: topology %s, edge %s: fingerprint %s here, %s there", errContract,
		myTopo, edge, strings.Join(myFPs, ","), strings.Join(peerFPs, ","))
}

// splitContract splits a property value into topology, edge (or socket)
// and fingerprints; a malformed value gives no fingerprint, which nothing
// matches.
func splitContract(v string) (topo, edge string, fps []string) {
	f := strings.Fields(v)
	if len(f) != 3 {
		return v, "?", nil
	}
	return f[0], f[1], strings.Split(f[2], ",")
}

// contractUsage lists, for -h, the contract fingerprint of each edge the
// program's sockets make or accept, so that an operator can compare two
// builds; "" when there is none.
func contractUsage(p *Program) string {
	var b strings.Builder
	seen := map[string]bool{}
	add := func(e ContractEdge) {
		if !seen[e.Edge] {
			seen[e.Edge] = true
			fmt.Fprintf(&b, "  %s  %s\n", e.Fingerprint, e.Edge)
		}
	}
	for _, sc := range p.Sockets {
		var o options
		for _, opt := range sc.Options {
			opt(&o)
		}
		if o.contract == nil {
			continue
		}
		var conns []string
		for ep := range o.contract.Connects {
			conns = append(conns, ep)
		}
		slices.Sort(conns)
		for _, ep := range conns {
			add(o.contract.Connects[ep])
		}
		for _, e := range o.contract.Binds {
			add(e)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return "\nContracts of its connections (a zmqgen peer whose fingerprint differs\nis refused; zmqgen graph -contracts shows the topology's):\n" + b.String()
}
