// Package nodetest runs the parts of a generated node program in-process,
// for tests of its handler or of the generated code itself: the sockets
// open on real addresses, as the program's main would open them.
//
// A test in the node's package (package main) reads flags and the
// environment with the program's own table, changes what it needs, and
// opens the node:
//
//	c := zmqgenDefaults()
//	if _, err := c.program().Parse([]string{"-rep.bind", "tcp://127.0.0.1:0"}, env, io.Discard); err != nil {
//		t.Fatal(err)
//	}
//	n := nodetest.Open(t, c.program(), c.node)
//	h, err := newHandler(n)
//	...
//	err = runtime.Run(ctx, n.tasks(h)...)
package nodetest

import (
	"log/slog"
	"testing"

	"github.com/zmqgen/zmqgen/runtime"
)

// Open opens p's sockets as their configurations now say and returns the
// node that node makes on them, as replica 0; the sockets close when the
// test ends. The node logs nothing.
func Open[N any](t testing.TB, p *runtime.Program, node func(*runtime.NodeState) N) N {
	t.Helper()
	st, err := p.Open(&runtime.Settings{}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatalf("node %s: %v", p.Node, err)
	}
	t.Cleanup(st.Close)
	return node(st)
}
