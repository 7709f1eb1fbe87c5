package main

import (
	"context"

	"github.com/zmqgen/zmqgen/topologies/pubsub"
	"github.com/zmqgen/zmqgen/topologies/pubsub/internal/weather"
)

// handler is the guide's weather publisher (pub_server.py).
type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }

// Run publishes an update every Params.Interval until the node is stopped.
func (h *handler) Run(ctx context.Context) error {
	return weather.Publish(ctx, h.n.Params.Seed, h.n.Params.Interval, func(ctx context.Context, u string) error {
		return h.n.Pub.Send(ctx, pubsub.Update(u))
	})
}
