package runtime

// REQ (libzmq's req_t, which extends dealer_t): a DEALER that sends one
// request at a time, each with an empty delimiter frame, and takes only
// the reply from the pipe the request went to.

import (
	"context"
	"fmt"
	"time"
)

const (
	reqIdle = iota
	reqWaiting
	reqReplied
)

// req is a REQ socket. Its state is guarded by engine.mu.
type req struct {
	dealer
	state int       // reqIdle, reqWaiting, reqReplied
	pipe  *pipe     // where the outstanding request went
	last  *pipe     // where the request whose reply Recv returned went
	at    time.Time // when the outstanding request went out
}

// canSend refuses a request while the last one has no reply. c.mu is held.
func (r *req) canSend() error {
	if r.state != reqIdle {
		return fmt.Errorf("%w: REQ must receive the reply before sending again", ErrState)
	}
	return nil
}

// sent records the request that went to pl. c.mu is held.
func (r *req) sent(pl *pipe) {
	r.pipe = pl
	r.state = reqWaiting
	r.at = time.Now()
	r.last = nil
}

func (r *req) send(ctx context.Context, m Msg) error {
	q := make(Msg, 0, len(m)+1)
	q = append(q, []byte{})
	q = append(q, m...)
	return r.lb.sendRR(ctx, q, r)
}

// incoming keeps only the reply to the outstanding request, from the peer
// it went to, and with its empty delimiter, which it takes off.
func (r *req) incoming(p *peer, m Msg) (Msg, bool) {
	if len(m) < 2 || len(m[0]) != 0 {
		return m, false
	}
	c := r.c
	c.mu.Lock()
	ok := r.pipe == p.pipe && r.state == reqWaiting
	if ok {
		r.state = reqReplied
	}
	c.mu.Unlock()
	return m[1:], ok
}

func (r *req) recv(ctx context.Context) (Msg, error) {
	c := r.c
	c.mu.Lock()
	idle := r.state == reqIdle
	c.mu.Unlock()
	if idle {
		return nil, fmt.Errorf("%w: REQ must send a request before receiving", ErrState)
	}
	im, err := c.recvFQ(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	r.state = reqIdle
	r.last, r.pipe = r.pipe, nil
	c.stats.observeRTT(time.Since(r.at))
	c.mu.Unlock()
	return im.m, nil
}

// forget makes a REQ whose reply was taken wait again for a reply from the
// peer it asked, as if that reply had not come: its receive timeout, or
// the Requester's retry policy, applies.
func (r *req) forget() {
	c := r.c
	c.mu.Lock()
	if r.state == reqIdle && r.last != nil {
		r.pipe, r.last = r.last, nil
		r.state = reqWaiting
	}
	c.mu.Unlock()
}
