package main

import (
	"context"
	"fmt"
)

// handler prints each item it pulls.
type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }

// Run prints "got N" for each item, until the node is stopped.
func (h *handler) Run(ctx context.Context) error {
	for {
		item, err := h.n.In.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		fmt.Printf("got %s\n", item)
	}
}
