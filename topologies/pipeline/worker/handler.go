package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/zmqgen/zmqgen/topologies/pipeline"
)

// handler is the guide's worker: it does each task it pulls (sleeps for
// its workload), pushes the result to the sink and prints a dot, until
// the sink says KILL.
type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }

// Run works until a message arrives on the control socket; returning then
// stops the node cleanly.
func (h *handler) Run(ctx context.Context) error {
	for {
		ready, err := h.n.Poll(ctx)
		if err != nil {
			return err
		}
		if ready.Receiver {
			task, err := h.n.Receiver.Recv(ctx)
			if err != nil {
				return err
			}
			workload, err := strconv.Atoi(string(task))
			if err != nil {
				return fmt.Errorf("task %q: %w", task, err)
			}
			t := time.NewTimer(time.Duration(workload) * time.Millisecond)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return ctx.Err()
			}
			if err := h.n.Sender.Send(ctx, pipeline.Result(task)); err != nil {
				return err
			}
			fmt.Print(".")
		}
		if ready.Controller {
			return nil
		}
	}
}
