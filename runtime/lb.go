package runtime

// Load-balancing (libzmq's lb_t): PUSH, DEALER, REQ and PAIR send each
// message to the next pipe in turn that has room.

import (
	"context"
	"slices"
)

// pipe is a destination of round-robin sending (PUSH, DEALER, REQ, PAIR):
// a peer accepted on a bound endpoint, which exists only while connected,
// or a connect endpoint, which exists from Connect on, as libzmq's pipes do
// without ZMQ_IMMEDIATE. While a connect endpoint has no connection, the
// messages routed to it wait in held (up to the send HWM) and go out when
// it connects; messages still queued when its connection drops wait there
// for the next one (a message the writer already took is lost with the
// connection, as in libzmq). Both fields are guarded by engine.mu.
type pipe struct {
	p       *peer     // the connection; nil while (re)connecting
	held    []outItem // connect endpoint: messages waiting for a connection
	connect bool      // a connect endpoint's pipe, kept across connections
}

// lb is the load-balancer: the pipes, and the next one to try. engine.mu
// guards it.
type lb struct {
	c     *engine
	pipes []*pipe
	rr    int
}

// connectPipe adds the pipe of a new connect endpoint. c.mu is held.
func (b *lb) connectPipe() *pipe {
	pl := &pipe{connect: true}
	b.pipes = append(b.pipes, pl)
	return pl
}

// remove takes pl out of the turn. engine.mu is held.
func (b *lb) remove(pl *pipe) {
	if i := slices.Index(b.pipes, pl); i >= 0 {
		b.pipes = slices.Delete(b.pipes, i, i+1)
		if i < b.rr {
			b.rr--
		}
		if b.rr >= len(b.pipes) {
			b.rr = 0
		}
	}
}

// attach gives a new peer its pipe: its connect endpoint's, whose held
// messages go first (the writer starts after attach), or a new one for an
// accepted peer. c.mu is held.
func (b *lb) attach(p *peer) error {
	if pl := p.pipe; pl != nil {
		pl.p = p
		p.mu.Lock()
		p.q, pl.held = pl.held, nil
		p.mu.Unlock()
	} else {
		p.pipe = &pipe{p: p}
		b.pipes = append(b.pipes, p.pipe)
	}
	return nil
}

// detach takes a peer whose connection ended out of its pipe: a connect
// endpoint's pipe keeps q, what was queued and not taken by the writer,
// for the next connection; an accepted peer's pipe goes. c.mu is held.
func (b *lb) detach(p *peer, q []outItem) func() {
	pl := p.pipe
	if pl == nil {
		return nil
	}
	if pl.connect {
		if pl.p == p {
			pl.p = nil
		}
		held := q[:0]
		for _, it := range q {
			if !it.cmd { // PINGs and PONGs were for this connection
				held = append(held, it)
			}
		}
		clear(q[len(held):])
		if len(held) > 0 {
			pl.held = held
		}
		return nil
	}
	b.remove(pl)
	return nil
}

// held is the number of messages connect endpoints hold for a connection
// still to come. c.mu is held.
func (b *lb) held() int {
	n := 0
	for _, pl := range b.pipes {
		n += len(pl.held)
	}
	return n
}

func (b *lb) send(ctx context.Context, m Msg) error { return b.sendRR(ctx, m, nil) }

// sendRR sends to the next pipe in round-robin order that has room,
// connected or not, waiting for one while there is none. For a REQ (rq not
// nil) it refuses a request while one is outstanding, writes directly
// (peer.sendDirect) and records where the request went.
func (b *lb) sendRR(ctx context.Context, m Msg, rq *req) error {
	c := b.c
	w := waiter{d: c.o.sendTimeout}
	defer w.stop()
	hwm := c.o.sendHWM
	for {
		c.mu.Lock()
		if c.closed || c.draining {
			c.mu.Unlock()
			return ErrClosed
		}
		if rq != nil {
			if err := rq.canSend(); err != nil {
				c.mu.Unlock()
				return err
			}
		}
		n := len(b.pipes)
		for i := 0; i < n; i++ {
			k := (b.rr + i) % n
			pl := b.pipes[k]
			var ok bool
			if p := pl.p; p == nil {
				if ok = hwm <= 0 || len(pl.held) < hwm; ok {
					pl.held = append(pl.held, outItem{m: m})
				}
			} else if rq != nil {
				ok = p.sendDirect(m, hwm)
			} else {
				ok = p.enqueue(m, hwm)
			}
			if ok {
				b.rr = (k + 1) % n
				if rq != nil {
					rq.sent(pl)
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
