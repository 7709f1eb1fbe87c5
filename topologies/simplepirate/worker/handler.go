package main

import (
	"context"
	"fmt"
	"time"

	"github.com/zmqgen/zmqgen/topologies/internal/pyrand"
	"github.com/zmqgen/zmqgen/topologies/simplepirate"
)

// handler is the Simple Pirate worker: it says READY, then echoes each
// request after Params.Work, and once it has served Params.TroubleAfter
// requests it rolls dice (the zguide's randint(0, 5)) for a crash or a
// CPU overload.
type handler struct {
	n   *Node
	rnd *pyrand.Rand
}

func newHandler(n *Node) (Handler, error) {
	seed := int64(n.Params.Seed)
	if seed == 0 {
		seed = time.Now().UnixNano() // unseeded, as the zguide's worker is
	} else {
		seed += int64(n.Replica)
	}
	return &handler{n: n, rnd: pyrand.New(seed)}, nil
}

// Run serves requests until the worker crashes or the node stops.
func (h *handler) Run(ctx context.Context) error {
	// READY is the worker's first request; the queue's answer to it is
	// the first real request.
	fmt.Println("I: Worker ready")
	req, err := h.n.Worker.Request(ctx, simplepirate.Ready{})
	if err != nil {
		return err
	}
	for cycles := 1; ; cycles++ {
		// Simulate various problems, after a few cycles.
		trouble := cycles > h.n.Params.TroubleAfter
		if trouble && h.rnd.Randint(0, 5) == 0 {
			fmt.Println("I: Simulating a crash")
			// The node stops without answering the request it holds. With
			// status 0, as the zguide's worker ends, so that "zmqgen up"
			// lets the rest of the topology run on.
			return nil
		} else if trouble && h.rnd.Randint(0, 5) == 0 {
			fmt.Println("I: Simulating CPU overload")
			if err := sleep(ctx, h.n.Params.Overload); err != nil {
				return err
			}
		}
		fmt.Println("I: Normal reply")
		if err := sleep(ctx, h.n.Params.Work); err != nil { // do some heavy work
			return err
		}
		// The reply is the request itself, client address and all; the
		// REQ socket then waits for the next request.
		if req, err = h.n.Worker.Request(ctx, req); err != nil {
			return err
		}
	}
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
