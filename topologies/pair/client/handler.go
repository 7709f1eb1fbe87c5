package main

import (
	"context"
	"fmt"
	"time"

	"github.com/zmqgen/zmqgen/topologies/internal/pyrepr"
	"github.com/zmqgen/zmqgen/topologies/pair"
)

// handler is the guide's PAIR client: each round it waits for a message
// from the server, prints it as Python prints bytes, sends two messages
// in a row (PAIR needs no answer in between) and sleeps for
// Params.Interval; Params.Rounds rounds, or forever when 0.
type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }

// Run runs the rounds, as the guide's client.py does.
func (h *handler) Run(ctx context.Context) error {
	for i := 0; h.n.Params.Rounds == 0 || i < h.n.Params.Rounds; i++ {
		msg, err := h.n.Pair.Recv(ctx)
		if err != nil {
			return err
		}
		fmt.Println(pyrepr.Bytes([]byte(msg)))
		for _, m := range []string{"client message to server1", "client message to server2"} {
			if err := h.n.Pair.Send(ctx, pair.ToServer(m)); err != nil {
				return err
			}
		}
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
