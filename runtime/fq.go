package runtime

// Fair-queueing (libzmq's fq_t): the incoming side of every socket type
// that receives; Recv takes one message from each peer that has some, in
// turn.

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// inMsg is a received message and the peer it came from.
type inMsg struct {
	m Msg
	p *peer
}

// inQueue is the shared part of a socket's incoming side. Each peer has
// its own queue (peer.inq, at most hwm messages plus one read batch, as
// libzmq's RCVHWM is per pipe); Recv takes one message from each peer that
// has some, in turn (libzmq's fair-queueing), so a fast peer cannot starve
// a slow one. A reader appends to its peer's queue and lists the peer in
// active when the peer is not listed yet; the receiver moves listed peers
// into its ring, and refills a ring peer's local batch from its queue
// whole, so the lock is taken once per batch rather than per message.
type inQueue struct {
	mu     sync.Mutex
	active []*peer     // peers whose queue gained messages since the receiver looked
	hwm    int         // per peer
	ready  broadcaster // a peer was listed in active
	fresh  atomic.Bool // active is not empty: the receiver should look
}

// fq is a socket's incoming side, which every socket type has (a PUSH
// or PUB drops what its peers send, XPUB queues subscriptions here).
type fq struct {
	// The incoming queue, shared by the readers and the receiver, has
	// cache lines of its own: the receiver's lock, taken for every
	// message, shared one with it, and every batch a reader delivered
	// cost the next Recv a cache miss (rmu's Lock and Unlock were ~12% of
	// a SUB's CPU time; issue 18).
	_    [64]byte
	in   inQueue
	_    [64]byte
	rmu  sync.Mutex // the receiver: ring, ri, and the peers' local batches
	ring []*peer    // peers with messages in their local batch, in turn
	ri   int        // the ring's next peer
}

// fqRecv is the receiving of the socket types that take every message
// their peers send, fair-queued: PULL, DEALER, PAIR, ROUTER, XPUB.
type fqRecv struct{ c *engine }

func (f fqRecv) incoming(p *peer, m Msg) (Msg, bool) { return m, true }

func (f fqRecv) recv(ctx context.Context) (Msg, error) {
	im, err := f.c.recvFQ(ctx)
	return im.m, err
}

// recvFQ returns the next message, waiting for one.
func (c *engine) recvFQ(ctx context.Context) (inMsg, error) {
	if err := ctx.Err(); err != nil {
		return inMsg{}, err
	}
	im, _, err := c.next(ctx, true)
	return im, err
}

// deliver appends a reader's batch to its peer's incoming queue, waiting
// while that queue is at its high-water mark. It reports false if the
// socket or the connection closed meanwhile.
func (c *engine) deliver(p *peer, batch []inMsg) bool {
	q := &c.in
	q.mu.Lock()
	if q.hwm > 0 && len(p.inq) >= q.hwm {
		// The reader stops reading until the application takes messages:
		// heartbeats must not count that silence against the peer, and
		// once the reader resumes, the peer's silence starts from then.
		p.stalled.Store(true)
		defer func() {
			p.lastRecv.Store(time.Now().UnixNano())
			p.stalled.Store(false)
		}()
	}
	for q.hwm > 0 && len(p.inq) >= q.hwm {
		w := p.inSpace.wait()
		q.mu.Unlock()
		select {
		case <-w:
		case <-c.closing:
			return false
		case <-p.done:
			return false
		}
		q.mu.Lock()
	}
	p.inq = append(p.inq, batch...)
	// A peer in the receiver's ring refills from inq by itself.
	if !p.listed && !p.inRing {
		p.listed = true
		q.active = append(q.active, p)
		q.fresh.Store(true)
		q.ready.fire()
	}
	q.mu.Unlock()
	return true
}

// next returns the next received message, taking the peers that have
// messages in turn. With block false it returns ok=false at once when
// there is none.
func (c *engine) next(ctx context.Context, block bool) (inMsg, bool, error) {
	w := waiter{d: c.o.recvTimeout}
	defer w.stop()
	c.rmu.Lock()
	for {
		if c.in.fresh.Load() {
			c.pull()
		}
		if len(c.ring) > 0 {
			if c.ri >= len(c.ring) {
				c.ri = 0
			}
			p := c.ring[c.ri]
			im := p.local[p.li]
			p.local[p.li] = inMsg{}
			p.li++
			if p.li < len(p.local) || c.refill(p) {
				c.ri++
			} else {
				// Nothing more from p for now (refill took it out of the
				// ring): the peer after it is next.
				c.ring = slices.Delete(c.ring, c.ri, c.ri+1)
			}
			c.rmu.Unlock()
			return im, true, nil
		}
		select {
		case <-c.closing:
			c.rmu.Unlock()
			return inMsg{}, false, ErrClosed
		default:
		}
		q := &c.in
		q.mu.Lock()
		if len(q.active) > 0 {
			q.mu.Unlock()
			c.pull()
			continue
		}
		if !block {
			q.mu.Unlock()
			c.rmu.Unlock()
			return inMsg{}, false, nil
		}
		ready := q.ready.wait()
		q.mu.Unlock()
		c.rmu.Unlock()
		select {
		case <-ready:
		case <-ctx.Done():
			return inMsg{}, false, ctx.Err()
		case <-w.c():
			return inMsg{}, false, ErrTimeout
		case <-c.closing:
			return inMsg{}, false, ErrClosed
		}
		c.rmu.Lock()
	}
}

// pull moves the peers listed in c.in.active into the receiver's ring
// (after those already in it), each with a local batch. c.rmu is held.
func (c *engine) pull() {
	q := &c.in
	q.mu.Lock()
	for i, p := range q.active {
		q.active[i] = nil
		p.listed = false
		if p.inRing || len(p.inq) == 0 {
			continue // a ring peer refills itself; an empty one was refilled
		}
		p.local, p.inq = p.inq, p.local[:0]
		p.li = 0
		p.inSpace.fire()
		p.inRing = true
		c.ring = append(c.ring, p)
	}
	q.active = q.active[:0]
	q.fresh.Store(false)
	q.mu.Unlock()
}

// refill replaces ring peer p's used-up local batch with its queue, and
// reports whether there was anything in it; if not, p leaves the ring and
// its reader will list it again. c.rmu is held.
func (c *engine) refill(p *peer) bool {
	q := &c.in
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(p.inq) == 0 {
		p.inRing = false
		return false
	}
	p.local, p.inq = p.inq, p.local[:0]
	p.li = 0
	p.inSpace.fire()
	return true
}

// hasInput reports whether Recv would return a message at once.
func (c *engine) hasInput() bool {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	if len(c.ring) > 0 {
		return true
	}
	c.in.mu.Lock()
	defer c.in.mu.Unlock()
	return c.in.queuedLocked()
}

// queuedLocked reports whether a listed peer has messages queued (ring
// peers aside). c.in.mu is held.
func (q *inQueue) queuedLocked() bool {
	for _, p := range q.active {
		if len(p.inq) > 0 {
			return true
		}
	}
	return false
}

// queuedIn is the number of received messages not yet returned by Recv.
func (c *engine) queuedIn() int {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	c.in.mu.Lock()
	defer c.in.mu.Unlock()
	n := 0
	for _, p := range c.ring {
		n += len(p.local) - p.li + len(p.inq)
	}
	for _, p := range c.in.active {
		if !p.inRing {
			n += len(p.inq)
		}
	}
	return n
}
