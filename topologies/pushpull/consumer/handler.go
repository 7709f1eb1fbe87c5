package main

import (
	"context"
	"fmt"
	"math/rand/v2"

	"github.com/zmqgen/zmqgen/topologies/pushpull"
)

// handler is the guide's consumer: it pulls work and pushes a result for
// every even number, until the node is stopped.
type handler struct {
	n  *Node
	id int64
}

// newHandler picks the consumer's id: Params.ID, or a random one from 1
// to 10004 as the guide does.
func newHandler(n *Node) (Handler, error) {
	id := int64(n.Params.ID)
	if id == 0 {
		id = 1 + rand.Int64N(10004)
	}
	return &handler{n: n, id: id}, nil
}

// Run prints the consumer's id, then works until the node is stopped.
func (h *handler) Run(ctx context.Context) error {
	fmt.Printf("I am consumer #%d\n", h.id)
	for {
		work, err := h.n.Work.Recv(ctx)
		if err != nil {
			return err
		}
		if work.Num%2 == 0 {
			if err := h.n.Results.Send(ctx, pushpull.Result{Consumer: h.id, Num: work.Num}); err != nil {
				return err
			}
		}
	}
}
