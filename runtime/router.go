package runtime

// ROUTER: messages routed by the identity frame (libzmq's router_t), and
// the log of dropped replies it shares with REP.

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
)

// router is a ROUTER socket: it receives from every peer, fair-queued,
// each message with its peer's identity first (peer.readMsg prepends it),
// and sends each message to the peer its first frame names. engine.mu
// guards its map.
type router struct {
	c *engine
	fqRecv
	byID   map[string]*peer
	nextID uint32 // the next generated identity
}

func newRouter(c *engine) *router {
	var b [4]byte
	rand.Read(b[:])
	return &router{c: c, fqRecv: fqRecv{c}, byID: make(map[string]*peer), nextID: binary.BigEndian.Uint32(b[:])}
}

// incoming takes every message, and notes that the peer asked something:
// the next message to it is a reply, written directly (peer.asked).
func (r *router) incoming(p *peer, m Msg) (Msg, bool) {
	if !p.asked.Load() {
		p.asked.Store(true)
	}
	return m, true
}

// attach refuses a peer whose identity is connected already, and gives a
// peer without one an identity as libzmq generates them: a zero byte and a
// 32-bit counter starting at a random value. c.mu is held.
func (r *router) attach(p *peer) error {
	if len(p.id) > 0 && p.id[0] != 0 {
		if _, dup := r.byID[string(p.id)]; dup {
			return fmt.Errorf("zmq: identity %q already connected", p.id)
		}
	} else {
		for {
			id := make([]byte, 5)
			binary.BigEndian.PutUint32(id[1:], r.nextID)
			r.nextID++
			if _, dup := r.byID[string(id)]; !dup {
				p.id = id
				break
			}
		}
	}
	r.byID[string(p.id)] = p
	return nil
}

func (r *router) detach(p *peer, q []outItem) func() {
	if r.byID[string(p.id)] == p {
		delete(r.byID, string(p.id))
	}
	return nil
}

// send sends m[1:] to the peer whose identity is m[0]. A message for an
// unknown identity or a full peer is dropped, as libzmq's ROUTER does by
// default.
func (r *router) send(ctx context.Context, m Msg) error {
	c := r.c
	if len(m) < 2 {
		return fmt.Errorf("zmq: ROUTER message needs an identity frame and a body")
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	p := r.byID[string(m[0])]
	c.mu.Unlock()
	if p == nil {
		c.dropped.Add(1)
		c.stats.drop(DropNoRoute, 1)
		c.log.Debug("zmq: ROUTER dropped a message for an unknown identity", "identity", fmt.Sprintf("%q", m[0]))
		return nil
	}
	// A reply (the peer sent something since the last message to it) is
	// written directly if the writer sleeps, as REP's are.
	var ok bool
	if p.asked.Load() && p.asked.Swap(false) {
		ok = p.sendDirect(m[1:], c.o.sendHWM)
	} else {
		ok = p.enqueue(m[1:], c.o.sendHWM)
	}
	if !ok {
		c.dropped.Add(1)
		c.stats.drop(DropHWM, 1)
		c.replyDropped(p, "zmq: ROUTER dropping messages for peers at their high-water mark")
	} else if c.replyDrops.on.Load() {
		c.replyDelivered("zmq: ROUTER delivering again")
	}
	return nil
}

// replyDropRun is a ROUTER's or REP's run of dropped replies (see dropRun),
// for the whole socket: a peer that never reads, or many that come and
// go, make one pair of lines per logInterval at most.
type replyDropRun struct {
	on  atomic.Bool // a run is going on: a delivery must end it
	mu  sync.Mutex
	run dropRun
}

// replyDropped logs the start of a run of dropped replies.
func (c *engine) replyDropped(p *peer, msg string) {
	r := &c.replyDrops
	r.mu.Lock()
	start := r.run.drop()
	r.on.Store(true)
	r.mu.Unlock()
	if start {
		c.log.Warn(msg, "remote", p.remote)
	}
}

// replyDelivered ends a run of dropped replies, logging it with its count.
func (c *engine) replyDelivered(msg string) {
	r := &c.replyDrops
	r.mu.Lock()
	log, dropped, runs := r.run.end()
	r.on.Store(false)
	r.mu.Unlock()
	if log {
		c.log.Warn(msg, "dropped", dropped, "runs", runs)
	}
}
