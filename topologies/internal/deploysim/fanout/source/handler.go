package main

import (
	"context"
	"strconv"
	"time"

	"github.com/zmqgen/zmqgen/topologies/internal/deploysim/fanout"
)

// handler pushes items until the node is stopped.
type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }

// Run sends item 1, 2, ..., one every Params.Every.
func (h *handler) Run(ctx context.Context) error {
	t := time.NewTicker(h.n.Params.Every)
	defer t.Stop()
	for i := 1; ; i++ {
		if err := h.n.Out.Send(ctx, fanout.Item(strconv.Itoa(i))); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil
		}
	}
}
