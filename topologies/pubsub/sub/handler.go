package main

import (
	"context"
	"strings"

	"github.com/zmqgen/zmqgen/topologies/pubsub/internal/weather"
)

// handler is the guide's weather subscriber (sub_client.py).
type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }

// Run averages Params.Updates updates and returns.
func (h *handler) Run(ctx context.Context) error {
	// The last line names the socket's filter: the .ztopo's, or what
	// -sub.subscribe says.
	topicfilter := strings.Join(h.n.Sub.Subscriptions(), ",")
	return weather.Subscribe(ctx, topicfilter, h.n.Params.Updates, func(ctx context.Context) (string, error) {
		u, err := h.n.Sub.Recv(ctx)
		return string(u), err
	})
}
