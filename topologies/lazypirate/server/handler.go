package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/zmqgen/zmqgen/topologies/internal/pyrand"
	"github.com/zmqgen/zmqgen/topologies/internal/pyrepr"
	"github.com/zmqgen/zmqgen/topologies/lazypirate"
)

// handler is the guide's unreliable server: it echoes each request after
// Params.Work, and once it has served Params.TroubleAfter requests it
// rolls dice (the guide's randint(0, 3)) for a crash or a CPU overload.
type handler struct {
	n      *Node
	rnd    *pyrand.Rand
	cycles int
}

func newHandler(n *Node) (Handler, error) {
	seed := int64(n.Params.Seed)
	if seed == 0 {
		// Unseeded, as the guide's random module is.
		seed = time.Now().UnixNano()
	}
	return &handler{n: n, rnd: pyrand.New(seed)}, nil
}

// ServeServer answers one request, as the guide's server.py does. The
// REP socket serves one request at a time, so cycles needs no lock.
func (h *handler) ServeServer(ctx context.Context, req lazypirate.Request) (lazypirate.Reply, error) {
	h.cycles++
	// Simulate various problems, after a few cycles. The second roll only
	// happens when the first spared the server, as in the guide, so that
	// the same seed gives the same story in Go and in Python.
	trouble := h.cycles > h.n.Params.TroubleAfter
	if trouble && h.rnd.Randint(0, 3) == 0 {
		fmt.Println("I: Simulating a crash")
		// Gone at once, without answering or closing anything, as a crash
		// would be; with status 0, as the guide's server ends, so that
		// "zmqgen up" lets the client run on until it gives up.
		os.Exit(0)
	} else if trouble && h.rnd.Randint(0, 3) == 0 {
		fmt.Println("I: Simulating CPU overload")
		if err := sleep(ctx, h.n.Params.Overload); err != nil {
			return "", err
		}
	}
	fmt.Printf("I: Normal request (%s)\n", pyrepr.Bytes([]byte(req)))
	if err := sleep(ctx, h.n.Params.Work); err != nil { // do some heavy work
		return "", err
	}
	return lazypirate.Reply(req), nil
}

// sleep waits for d, or until ctx is done (the node is stopping).
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
