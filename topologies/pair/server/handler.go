package main

import (
	"context"
	"fmt"
	"time"

	"github.com/zmqgen/zmqgen/topologies/internal/pyrepr"
)

// handler is the guide's PAIR server: each round it sends a message,
// waits for one from the client, prints it as Python prints bytes, and
// sleeps for Params.Interval; Params.Rounds rounds, or forever when 0.
type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }

// Run runs the rounds, as the guide's server.py does.
func (h *handler) Run(ctx context.Context) error {
	for i := 0; h.n.Params.Rounds == 0 || i < h.n.Params.Rounds; i++ {
		if err := h.n.Pair.Send(ctx, "Server message to client3"); err != nil {
			return err
		}
		msg, err := h.n.Pair.Recv(ctx)
		if err != nil {
			return err
		}
		fmt.Println(pyrepr.Bytes([]byte(msg)))
		if err := sleep(ctx, h.n.Params.Interval); err != nil {
			return err
		}
	}
	return nil
}

// sleep waits for d, or until ctx is done.
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
