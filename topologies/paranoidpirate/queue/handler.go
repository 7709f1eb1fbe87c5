package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/zmqgen/zmqgen/topologies/internal/pyrepr"
	"github.com/zmqgen/zmqgen/topologies/paranoidpirate"
)

// A worker is a ready worker: its identity at the backend, and when it
// will be taken for dead unless it is heard from.
type worker struct {
	id     []byte
	expiry time.Time
}

// handler is the Paranoid Pirate queue: the ready workers, least recently
// used first, with heartbeats both ways.
type handler struct {
	n        *Node
	interval time.Duration
	ttl      time.Duration // how long a silent worker stays
	workers  []worker
}

// newHandler runs the protocol's heartbeats with the backend's heartbeat
// policy, which also gives its ZMTP heartbeats.
func newHandler(n *Node) (Handler, error) {
	hb := n.Backend.Heartbeat()
	return &handler{n: n, interval: hb.Interval, ttl: hb.Interval * time.Duration(hb.Liveness)}, nil
}

// Run moves requests from clients to workers and replies back, heartbeats
// the idle workers and purges the silent ones, until the node stops.
func (h *handler) Run(ctx context.Context) error {
	heartbeatAt := time.Now().Add(h.interval)
	for {
		if err := h.wait(ctx); err != nil {
			if ctx.Err() != nil {
				return nil // stopping
			}
			return err
		}
		// Heartbeat the idle workers on time, however busy the sockets are.
		if now := time.Now(); !now.Before(heartbeatAt) {
			for _, w := range h.workers {
				if err := h.n.Backend.Send(ctx, Envelope{w.id}, paranoidpirate.Heartbeat{}); err != nil {
					return err
				}
			}
			heartbeatAt = now.Add(h.interval)
		}
		h.purge(time.Now())
	}
}

// wait waits up to a heartbeat interval for a message, from the workers
// only when none is ready (requests wait at the frontend meanwhile), and
// handles what came.
func (h *handler) wait(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(ctx, h.interval)
	defer cancel()
	if len(h.workers) == 0 {
		return quiet(h.fromWorker(pctx))
	}
	r, err := h.n.Poll(pctx)
	if err != nil {
		return quiet(err)
	}
	if r.Backend {
		if err := h.fromWorker(ctx); err != nil {
			return err
		}
	}
	if r.Frontend && len(h.workers) > 0 {
		return h.fromClient(ctx)
	}
	return nil
}

// quiet turns the end of a wait with nothing to do into no error.
func quiet(err error) error {
	if errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	return err
}

// fromWorker takes one message from the backend. Whatever it is, the
// worker is alive and ready: it goes to the end of the list with a fresh
// expiry. A reply ([worker, client, ""] + reply) goes on to its client.
func (h *handler) fromWorker(ctx context.Context) error {
	env, msg, err := h.n.Backend.Recv(ctx)
	if err != nil {
		return err
	}
	id := env[0]
	h.ready(id, time.Now())
	switch msg := msg.(type) {
	case paranoidpirate.Ready:
		fmt.Printf("I: Worker %x is ready\n", id)
	case paranoidpirate.Heartbeat:
	case paranoidpirate.Request:
		if len(env) > 1 {
			return h.n.Frontend.Send(ctx, env[1:], msg)
		}
		// One frame, but not a control message.
		fmt.Printf("E: Invalid message from worker: %s\n", pyrepr.List([][]byte{[]byte(msg)}))
	}
	return nil
}

// fromClient hands one client request to the least recently used worker.
func (h *handler) fromClient(ctx context.Context) error {
	env, req, err := h.n.Frontend.Recv(ctx)
	if err != nil {
		return err
	}
	w := h.workers[0]
	h.workers = h.workers[1:]
	return h.n.Backend.Send(ctx, append(Envelope{w.id}, env...), req)
}

// ready puts the worker id at the end of the list, alive until ttl from
// now.
func (h *handler) ready(id []byte, now time.Time) {
	h.workers = slices.DeleteFunc(h.workers, func(w worker) bool { return string(w.id) == string(id) })
	h.workers = append(h.workers, worker{id: id, expiry: now.Add(h.ttl)})
}

// purge removes the workers not heard from in time.
func (h *handler) purge(now time.Time) {
	h.workers = slices.DeleteFunc(h.workers, func(w worker) bool {
		if now.After(w.expiry) {
			fmt.Printf("W: Worker %x expired, purged\n", w.id)
			return true
		}
		return false
	})
}
