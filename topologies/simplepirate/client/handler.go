package main

import (
	"context"

	"github.com/zmqgen/zmqgen/topologies/lazypirate/lpclient"
	"github.com/zmqgen/zmqgen/topologies/simplepirate"
)

// handler is the guide's Lazy Pirate client (package lpclient), here with
// the socket and messages of the simplepirate topology.
type handler struct {
	n *Node
	c *lpclient.Client
}

func newHandler(n *Node) (Handler, error) {
	c := &lpclient.Client{}
	n.Client.OnRetry(c.Retried)
	return &handler{n: n, c: c}, nil
}

// Run makes Params.Requests requests (forever when 0), or fewer if the
// server seems to be offline.
func (h *handler) Run(ctx context.Context) error {
	return h.c.Run(ctx, h.n.Params.Requests, func(ctx context.Context, req string) (string, error) {
		reply, err := h.n.Client.Request(ctx, simplepirate.Request(req))
		return string(reply), err
	})
}
