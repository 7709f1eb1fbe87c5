package main

import (
	"bufio"
	"context"
	"os"

	"github.com/zmqgen/zmqgen/topologies/pushpull"
)

// handler is the guide's producer: it pushes Params.Count pieces of work,
// {"num": n} for n from 0, and returns; closing the socket then delivers
// what is still queued.
type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }

// Run pushes the work, first waiting for Enter if Params.WaitForEnter.
func (h *handler) Run(ctx context.Context) error {
	if h.n.Params.WaitForEnter {
		if err := waitForEnter(ctx); err != nil {
			return err
		}
	}
	for num := range h.n.Params.Count {
		if err := h.n.Out.Send(ctx, pushpull.Work{Num: int64(num)}); err != nil {
			return err
		}
	}
	return nil
}

// waitForEnter waits for a line on standard input, or for ctx to be done.
// End of input counts as Enter.
func waitForEnter(ctx context.Context) error {
	read := make(chan struct{})
	go func() {
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
		close(read)
	}()
	select {
	case <-read:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
