package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/zmqgen/zmqgen/runtime"
	"github.com/zmqgen/zmqgen/topologies/internal/pyrand"
	"github.com/zmqgen/zmqgen/topologies/internal/pyrepr"
	"github.com/zmqgen/zmqgen/topologies/paranoidpirate"
)

// handler is the Paranoid Pirate worker: it says READY, echoes requests,
// heartbeats the queue while idle and reconnects with a doubling backoff
// when the queue falls silent. Once it has served Params.TroubleAfter
// requests it rolls dice (the zguide's randint(0, 5)) for a crash or a CPU
// overload.
type handler struct {
	n   *Node
	rnd *pyrand.Rand
}

func newHandler(n *Node) (Handler, error) {
	seed := int64(n.Params.Seed)
	if seed == 0 {
		seed = time.Now().UnixNano() // unseeded, as the zguide's worker is
	} else {
		seed += int64(n.Replica)
	}
	return &handler{n: n, rnd: pyrand.New(seed)}, nil
}

// Run serves requests until the worker crashes or the node stops.
func (h *handler) Run(ctx context.Context) error {
	p := h.n.Params
	// The socket's own policies: the runtime runs its ZMTP heartbeats and
	// reconnects with them, and this loop the protocol's.
	lv := runtime.NewLiveness(h.n.Worker.Heartbeat(), h.n.Worker.Reconnect(), time.Now())
	h.sayReady(ctx)
	cycles := 0
	for {
		// Wait for a message until our heartbeat is due or the queue
		// expires. Messages already queued come first even when that is
		// now.
		wctx, cancel := context.WithTimeout(ctx, lv.Wait(time.Now()))
		env, msg, err := h.n.Worker.Recv(wctx)
		cancel()
		req, isReq := msg.(paranoidpirate.Request)
		switch {
		case ctx.Err() != nil:
			return nil // stopping
		case errors.Is(err, context.DeadlineExceeded):
			// Silence: the liveness check below decides what it means.
		case err != nil:
			return err
		case isReq && len(env) > 0:
			// A request, [client, ""] + request: the queue is alive.
			lv.Beat(time.Now())
			cycles++
			// Simulate various problems, after a few cycles.
			trouble := cycles > p.TroubleAfter
			if trouble && h.rnd.Randint(0, 5) == 0 {
				fmt.Println("I: Simulating a crash")
				// The node stops without answering the request it holds.
				// With status 0, as the zguide's worker ends, so that
				// "zmqgen up" lets the rest of the topology run on.
				return nil
			} else if trouble && h.rnd.Randint(0, 5) == 0 {
				fmt.Println("I: Simulating CPU overload")
				if err := sleep(ctx, p.Overload); err != nil {
					return nil
				}
			}
			fmt.Println("I: Normal reply")
			h.send(ctx, env, req)
			// Busy until now: count from the reply, as the zguide's
			// worker resets its liveness when it replies.
			lv.Beat(time.Now())
			if err := sleep(ctx, p.Work); err != nil { // do some heavy work
				return nil
			}
		case msg == paranoidpirate.Heartbeat{}:
			fmt.Println("I: Queue heartbeat")
			lv.Beat(time.Now())
		default:
			// A Request without a client address: one frame that is not
			// a control message.
			fmt.Printf("E: Invalid message: %s\n", pyrepr.List(append(env, []byte(req))))
			lv.Beat(time.Now())
		}

		if lv.Expired(time.Now()) {
			fmt.Println("W: Heartbeat failure, can't reach queue")
			wait := lv.NextBackoff()
			fmt.Printf("W: Reconnecting in %.2fs…\n", wait.Seconds())
			if err := sleep(ctx, wait); err != nil {
				return nil
			}
			// The zguide's worker opens a new socket here. This one keeps
			// its socket, which the runtime reconnects by itself (with the
			// socket's reconnect policy), and says READY again so that a
			// queue that lost it, or a new queue, takes it back.
			h.sayReady(ctx)
			lv.Restart(time.Now())
		}
		if lv.Due(time.Now()) {
			fmt.Println("I: Worker heartbeat")
			h.send(ctx, nil, paranoidpirate.Heartbeat{})
		}
	}
}

// sayReady announces the worker to the queue.
func (h *handler) sayReady(ctx context.Context) {
	fmt.Println("I: Worker ready")
	h.send(ctx, nil, paranoidpirate.Ready{})
}

// send sends a message to the queue, waiting at most a heartbeat interval
// for the connection: with no queue to talk to, a DEALER cannot send, and
// the heartbeat logic, not a blocked send, must decide what happens next.
func (h *handler) send(ctx context.Context, env Envelope, msg WorkerOut) {
	sctx, cancel := context.WithTimeout(ctx, h.n.Worker.Heartbeat().Interval)
	defer cancel()
	if err := h.n.Worker.Send(sctx, env, msg); err != nil && ctx.Err() == nil {
		h.n.Logger.Debug("could not send to the queue", "err", err)
	}
}

// sleep waits for d, or until ctx is done (the node is stopping).
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
