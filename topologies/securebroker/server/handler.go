package main

import (
	"context"
	"fmt"

	"github.com/zmqgen/zmqgen/topologies/internal/pyrepr"
	"github.com/zmqgen/zmqgen/topologies/securebroker"
)

// handler is the guide's server: it prints each request and answers
// "World", or the request itself when Params.Echo.
type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }

// ServeRep answers one request, as the guide's server.py does.
func (h *handler) ServeRep(ctx context.Context, req securebroker.Request) (securebroker.Reply, error) {
	fmt.Printf("Received request: %s\n", pyrepr.Bytes([]byte(req)))
	if h.n.Params.Echo {
		return securebroker.Reply(req), nil
	}
	return "World", nil
}
