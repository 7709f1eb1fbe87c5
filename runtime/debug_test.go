package runtime

import (
	"fmt"
	"os"
	"runtime/pprof"
	"strings"
	"testing"
)

// dumpState is for a test that waited in vain: it logs s's routing state
// (pipes, peers and their queues) and writes every goroutine's stack to a
// file in the temporary directory that outlives the test, so that a hang
// seen once in a loaded run can be read afterwards.
func dumpState(t *testing.T, s *Socket) {
	t.Helper()
	var b strings.Builder
	c := s.c
	c.mu.Lock()
	var rq req
	if r, ok := c.routing.(*req); ok {
		rq = *r
	}
	b0 := c.lb
	if b0 == nil {
		b0 = new(lb)
	}
	fmt.Fprintf(&b, "%v %s: reqState %v, pipes %d, peers %d, rr %d\n", c.typ, s.Name(), rq.state, len(b0.pipes), len(c.peers), b0.rr)
	for i, pl := range b0.pipes {
		fmt.Fprintf(&b, "  pipe %d: connect %v, connected %v, held %d, the request's %v\n", i, pl.connect, pl.p != nil, len(pl.held), pl == rq.pipe)
	}
	for i, p := range c.peers {
		p.mu.Lock()
		fmt.Fprintf(&b, "  peer %d %s: q %d, inflight %d, idle %v, parked %v, direct %v, pend %d, dead %v\n",
			i, p.remote, len(p.q), p.inflight, p.idle, p.parked, p.direct, len(p.pend), p.dead)
		p.mu.Unlock()
	}
	peers := append([]*peer(nil), c.peers...)
	c.mu.Unlock()
	c.rmu.Lock()
	c.in.mu.Lock()
	fmt.Fprintf(&b, "  receiver: ring %d, active %d\n", len(c.ring), len(c.in.active))
	for _, p := range peers {
		fmt.Fprintf(&b, "  peer %s: inq %d, local %d from %d, in ring %v, listed %v\n", p.remote, len(p.inq), len(p.local), p.li, p.inRing, p.listed)
	}
	c.in.mu.Unlock()
	c.rmu.Unlock()
	if f, err := os.CreateTemp("", "zmqgen-stuck-*.txt"); err == nil {
		fmt.Fprintf(f, "%s\n%s\n", t.Name(), b.String())
		pprof.Lookup("goroutine").WriteTo(f, 2)
		f.Close()
		fmt.Fprintf(&b, "  goroutines: %s\n", f.Name())
	}
	t.Log(b.String())
}
