package main

import (
	"context"

	"github.com/zmqgen/zmqgen/topologies/pubsub/internal/weather"
)

// topicfilter is the zipcode socket sub subscribes to in pubsub.ztopo;
// the last line the node prints names it.
const topicfilter = "10001"

// handler is the guide's weather subscriber (sub_client.py).
type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }

// Run averages Params.Updates updates and returns.
func (h *handler) Run(ctx context.Context) error {
	return weather.Subscribe(ctx, topicfilter, h.n.Params.Updates, func(ctx context.Context) (string, error) {
		u, err := h.n.Sub.Recv(ctx)
		return string(u), err
	})
}
