package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/zmqgen/zmqgen/topologies/internal/pyrepr"
)

// handler is the guide's broker: it waits on both sockets at once and
// passes each message on, envelope and all, printing its frames first as
// Python prints a list of bytes.
type handler struct{ n *Node }

func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }

// Run switches messages between the sockets until the node is stopped.
func (h *handler) Run(ctx context.Context) error {
	for {
		ready, err := h.n.Poll(ctx)
		if err != nil {
			return err
		}
		if ready.Frontend {
			env, req, err := h.n.Frontend.Recv(ctx)
			if err != nil {
				return err
			}
			fmt.Println("msg from frontend", frames(env, []byte(req)))
			if err := h.n.Backend.Send(ctx, env, req); err != nil {
				return err
			}
		}
		if ready.Backend {
			env, rep, err := h.n.Backend.Recv(ctx)
			if err != nil {
				return err
			}
			fmt.Println("msg from backend", frames(env, []byte(rep)))
			if err := h.n.Frontend.Send(ctx, env, rep); err != nil {
				return err
			}
		}
	}
}

// frames is the whole message, envelope then body, as the guide prints it.
func frames(env Envelope, body []byte) string {
	return pyrepr.List(append(slices.Clone(env), body))
}
