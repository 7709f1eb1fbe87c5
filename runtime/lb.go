package runtime

// Load-balancing (libzmq's lb_t): PUSH, DEALER, REQ and PAIR send each
// message to the next pipe in turn that has room.

import (
	"context"
	"fmt"
	"time"
)

// pipe is a destination of round-robin sending (PUSH, DEALER, REQ, PAIR):
// a peer accepted on a bound endpoint, which exists only while connected,
// or a connect endpoint, which exists from Connect on, as libzmq's pipes do
// without ZMQ_IMMEDIATE. While a connect endpoint has no connection, the
// messages routed to it wait in held (up to the send HWM) and go out when
// it connects; messages still queued when its connection drops wait there
// for the next one (a message the writer already took is lost with the
// connection, as in libzmq). Both fields are guarded by core.mu.
type pipe struct {
	p       *peer     // the connection; nil while (re)connecting
	held    []outItem // connect endpoint: messages waiting for a connection
	connect bool      // a connect endpoint's pipe, kept across connections
}

// roundRobin reports whether the socket type sends through pipes in turn.
func (t Type) roundRobin() bool {
	return t == PUSH || t == DEALER || t == REQ || t == PAIR
}

// sendRR sends to the next pipe in round-robin order that has room,
// connected or not, waiting for one while there is none.
func (c *core) sendRR(ctx context.Context, m Msg, req bool) error {
	w := waiter{d: c.o.sendTimeout}
	defer w.stop()
	hwm := c.o.sendHWM
	for {
		c.mu.Lock()
		if c.closed || c.draining {
			c.mu.Unlock()
			return ErrClosed
		}
		if req && c.reqState != reqIdle {
			c.mu.Unlock()
			return fmt.Errorf("%w: REQ must receive the reply before sending again", ErrState)
		}
		n := len(c.pipes)
		for i := 0; i < n; i++ {
			k := (c.rr + i) % n
			pl := c.pipes[k]
			var ok bool
			if p := pl.p; p == nil {
				if ok = hwm <= 0 || len(pl.held) < hwm; ok {
					pl.held = append(pl.held, outItem{m: m})
				}
			} else if req {
				ok = p.sendDirect(m, hwm)
			} else {
				ok = p.enqueue(m, hwm)
			}
			if ok {
				c.rr = (k + 1) % n
				if req {
					c.reqPipe = pl
					c.reqState = reqWaiting
					c.reqSent = time.Now()
					c.reqLast = nil
				}
				c.mu.Unlock()
				return nil
			}
		}
		space := c.space.wait()
		c.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			c.stats.drop(DropHWM, 1)
			return ctx.Err()
		case <-w.c():
			c.stats.drop(DropHWM, 1)
			return ErrTimeout
		case <-c.closing:
			return ErrClosed
		}
	}
}
