package main

import (
	"context"

	"github.com/zmqgen/zmqgen/topologies/simplepirate"
)

// handler is the Simple Pirate queue: a list of ready workers, least
// recently used first, and the two ROUTER sockets.
type handler struct {
	n       *Node
	workers [][]byte // identities of the ready workers, oldest first
}

func newHandler(n *Node) (Handler, error) { return &handler{n: n}, nil }

// Run moves requests from clients to workers and replies back, until the
// node stops.
func (h *handler) Run(ctx context.Context) error {
	for {
		if len(h.workers) == 0 {
			// No worker to give a request to: leave requests waiting at
			// the frontend and listen to the workers only.
			if err := h.fromWorker(ctx); err != nil {
				return err
			}
			continue
		}
		r, err := h.n.Poll(ctx)
		if err != nil {
			return err
		}
		if r.Backend {
			if err := h.fromWorker(ctx); err != nil {
				return err
			}
		}
		if r.Frontend {
			if err := h.fromClient(ctx); err != nil {
				return err
			}
		}
	}
}

// fromWorker takes one message from the backend: READY or a reply. Either
// way the worker that sent it is ready for the next request.
func (h *handler) fromWorker(ctx context.Context) error {
	env, msg, err := h.n.Backend.Recv(ctx)
	if err != nil {
		return err
	}
	if len(env) != 2 {
		// A REQ worker's envelope is its identity and the delimiter.
		h.n.Logger.Warn("dropped a message with an unexpected envelope from a worker", "frames", len(env))
		return nil
	}
	h.workers = append(h.workers, env[0])
	switch msg := msg.(type) {
	case simplepirate.Routed:
		return h.n.Frontend.Send(ctx, Envelope{msg.Client, {}}, simplepirate.Request(msg.Body))
	case simplepirate.Ready:
	}
	return nil
}

// fromClient hands one client request to the least recently used worker.
func (h *handler) fromClient(ctx context.Context) error {
	env, req, err := h.n.Frontend.Recv(ctx)
	if err != nil {
		return err
	}
	if len(env) != 2 {
		// A client behind a proxy would have more frames of address than
		// Routed has room for.
		h.n.Logger.Warn("dropped a request with an unexpected envelope", "frames", len(env))
		return nil
	}
	worker := h.workers[0]
	h.workers = h.workers[1:]
	return h.n.Backend.Send(ctx, Envelope{worker, {}},
		simplepirate.Routed{Client: env[0], Empty: []byte{}, Body: string(req)})
}
