package main

import (
	"context"
	"fmt"

	"github.com/zmqgen/zmqgen/topologies/internal/pyrepr"
	"github.com/zmqgen/zmqgen/topologies/securebroker"
)

// handler is the guide's client: it sends Params.Hello, waits for the
// reply and prints it, Params.Requests times.
type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }

// Run makes the requests, as the guide's client.py does.
func (h *handler) Run(ctx context.Context) error {
	for request := 1; request <= h.n.Params.Requests; request++ {
		message, err := h.n.Req.Request(ctx, securebroker.Request(h.n.Params.Hello))
		if err != nil {
			return err
		}
		fmt.Printf("Received reply %d [%s]\n", request, pyrepr.Bytes([]byte(message)))
	}
	return nil
}
