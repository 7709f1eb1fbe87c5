package main

import (
	"context"
	"fmt"

	"github.com/zmqgen/zmqgen/topologies/internal/pyrepr"
)

// handler is the guide's customer: it asks for a drink, prints the
// answer, and asks again, Params.Requests times (forever when 0). Its REQ
// socket takes turns between the servers it is connected to.
type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }

// Run makes the requests, as the guide's client.py does.
func (h *handler) Run(ctx context.Context) error {
	fmt.Println("Connecting to server...")
	for i := 0; h.n.Params.Requests == 0 || i < h.n.Params.Requests; i++ {
		answer, err := h.n.Req.Request(ctx, "What can I get for you?")
		if err != nil {
			return err
		}
		fmt.Println("CUSTOMER: ", pyrepr.Bytes([]byte(answer)))
	}
	return nil
}
