package main

import (
	"context"
	"fmt"
	"time"
)

// handler is the guide's sink: it waits for the start of a batch,
// collects Params.Expected results, prints the time they took and tells
// the workers to exit.
type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }

// Run collects one batch, as the guide's sink.py does.
func (h *handler) Run(ctx context.Context) error {
	// Wait for the start of the batch.
	if _, err := h.n.Receiver.Recv(ctx); err != nil {
		return err
	}
	start := time.Now()

	for task := range h.n.Params.Expected {
		if _, err := h.n.Receiver.Recv(ctx); err != nil {
			return err
		}
		if task%10 == 0 {
			fmt.Print(":")
		} else {
			fmt.Print(".")
		}
	}
	fmt.Printf("Total elapsed time: %d msec\n", time.Since(start).Milliseconds())

	// Tell the workers to exit; closing the socket delivers it.
	return h.n.Controller.Send(ctx, "KILL")
}
