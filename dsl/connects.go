package dsl

import (
	"fmt"
	"sort"

	"github.com/zmqgen/zmqgen/dsl/internal/syntax"
	"github.com/zmqgen/zmqgen/dsl/model"
)

// This file resolves node.socket references in connect statements, now
// that every socket is declared and has its binds.

// resolveConnects resolves a socket's connect statements: a literal
// address is used as written, a node.socket reference becomes the connect
// form of every address the other socket binds.
func (check *checker) resolveConnects(si *sockInfo) {
	for _, c := range si.connects {
		if c.ref == nil {
			si.s.Connects = append(si.s.Connects, &model.Endpoint{Addr: c.addr.text})
			continue
		}
		ni, ok := check.nodes[c.ref.Node.Name]
		if !ok {
			check.errorf(c.ref.Node, "unknown node %q%s", c.ref.Node.Name, syntax.DidYouMean(c.ref.Node.Name, check.nodeNames()))
			continue
		}
		to, ok := ni.sockets[c.ref.Socket.Name]
		if !ok {
			var names []string
			for _, o := range ni.list {
				names = append(names, o.s.Name)
			}
			check.errorf(c.ref.Socket, "node %q has no socket %q%s", ni.n.Name, c.ref.Socket.Name, syntax.DidYouMean(c.ref.Socket.Name, names))
			continue
		}
		if to == si {
			check.errorf(c.ref, "socket %s cannot connect to itself", sockName(si))
			continue
		}
		if len(to.binds) == 0 {
			if !hasStmt[*syntax.Bind](to) {
				check.errorf(c.ref, "%s.%s does not bind; connect to a socket that binds", ni.n.Name, to.s.Name)
			}
			continue
		}
		c.to = to
		for _, b := range to.binds {
			if b.addr.ephemeral() {
				check.errorf(c.ref, "%s.%s binds %q, an ephemeral port, so its address is not known in advance",
					ni.n.Name, to.s.Name, b.addr.text)
				continue
			}
			si.s.Connects = append(si.s.Connects, &model.Endpoint{Addr: b.addr.connectForm(), Ref: to.s})
		}
	}
	// The same target twice is a mistake (and a double connection).
	seen := map[string]*connInfo{}
	for _, c := range si.connects {
		var key string
		switch {
		case c.to != nil:
			key = "ref:" + c.to.node.n.Name + "." + c.to.s.Name
		case c.ref == nil:
			key = "addr:" + c.addr.text
		default:
			continue
		}
		if prev, ok := seen[key]; ok {
			check.errorf(c.stmt.Addr, "socket %s already connects to %s at %s", sockName(si), c.describe(), check.first(prev.stmt.Addr))
			continue
		}
		seen[key] = c
	}
}

func (c *connInfo) describe() string {
	if c.to != nil {
		return c.to.node.n.Name + "." + c.to.s.Name
	}
	return fmt.Sprintf("%q", c.addr.text)
}

func (check *checker) nodeNames() []string {
	var out []string
	for _, n := range check.nodeList {
		out = append(out, n.n.Name)
	}
	sort.Strings(out)
	return out
}
