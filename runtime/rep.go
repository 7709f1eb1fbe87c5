package runtime

// REP (libzmq's rep_t): requests fair-queued from every peer, one at a
// time; the reply goes back to the peer the request came from, with the
// request's envelope.

import (
	"context"
	"fmt"
)

// rep is a REP socket. Its state is guarded by engine.rmu.
type rep struct {
	c *engine
	fqRecv
	peer *peer    // where the reply goes
	env  [][]byte // the request's envelope
	busy bool     // a request was received, the reply not yet sent
}

func (r *rep) attach(p *peer) error               { return nil }
func (r *rep) detach(p *peer, q []outItem) func() { return nil }

func (r *rep) recv(ctx context.Context) (Msg, error) {
	c := r.c
	c.rmu.Lock()
	busy := r.busy
	c.rmu.Unlock()
	if busy {
		return nil, fmt.Errorf("%w: REP must reply before receiving the next request", ErrState)
	}
	for {
		im, err := c.recvFQ(ctx)
		if err != nil {
			return nil, err
		}
		// The envelope is every frame up to the first empty one; a
		// request without it is malformed and dropped, as libzmq does.
		i := 0
		for i < len(im.m) && len(im.m[i]) != 0 {
			i++
		}
		if i == len(im.m) {
			c.stats.drop(DropUndecodable, 1)
			continue
		}
		c.rmu.Lock()
		r.peer, r.env, r.busy = im.p, im.m[:i+1:i+1], true
		c.rmu.Unlock()
		return im.m[i+1:], nil
	}
}

// send sends the reply with the envelope of the request.
func (r *rep) send(ctx context.Context, m Msg) error {
	c := r.c
	c.rmu.Lock()
	if !r.busy {
		c.rmu.Unlock()
		return fmt.Errorf("%w: REP must receive a request before replying", ErrState)
	}
	p, env := r.peer, r.env
	r.busy, r.peer, r.env = false, nil, nil
	c.rmu.Unlock()
	select {
	case <-c.closing:
		return ErrClosed
	default:
	}
	q := make(Msg, 0, len(env)+len(m))
	q = append(q, env...)
	q = append(q, m...)
	if !p.sendDirect(q, c.o.sendHWM) {
		c.dropped.Add(1)
		c.stats.drop(replyDrop(p), 1)
		c.replyDropped(p, "zmq: REP dropping replies: requester gone or at its high-water mark")
	} else if c.replyDrops.on.Load() {
		c.replyDelivered("zmq: REP delivering replies again")
	}
	return nil
}

// forget makes a REP that has not replied forget the request and its
// envelope, so that it can receive the next request: the requester gets no
// reply, as if the request had been lost, and its timeout or retry policy
// applies.
func (r *rep) forget() {
	c := r.c
	c.rmu.Lock()
	r.busy, r.peer, r.env = false, nil, nil
	c.rmu.Unlock()
}
