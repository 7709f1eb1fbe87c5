package runtime

// SUB and XSUB (libzmq's sub_t and xsub_t): the socket's own
// subscriptions, sent to every peer and matched against incoming messages
// (trie.go).

import (
	"context"
	"sync"
	"sync/atomic"
)

// xsub is an XSUB socket (libzmq's xsub_t): it receives the messages that
// match its subscriptions, fair-queued, and sends its subscriptions, and
// any other message, to every peer.
type xsub struct {
	c *engine
	fqRecv
	mu sync.Mutex // guards trie; taken after engine.mu
	// trie holds the socket's own subscriptions, each node counting the
	// subscriptions to its prefix: a map of the counts beside it was a
	// fifth of the CPU time of a SUB that subscribed to 100,000 prefixes
	// (issue 18).
	trie topicTrie
	// snap is a snapshot of trie, which the readers match every message
	// against without a lock: a read lock per message was a tenth of a
	// SUB's CPU time (issue 18).
	snap atomic.Pointer[trieNode]
}

// sub is a SUB socket (libzmq's sub_t, which extends xsub_t): it sends
// nothing but its subscriptions.
type sub struct{ *xsub }

func (s *sub) send(ctx context.Context, m Msg) error { return ErrNotSupported }

func newXSUB(c *engine) *xsub {
	x := &xsub{c: c, fqRecv: fqRecv{c}, trie: buildTrie(c.o.subscribe)}
	x.publish()
	return x
}

// attach sends the socket's subscriptions to a new peer, in byte order,
// as libzmq walks its trie: a peer can tell when all have arrived (the
// benchmark's subscriptions cells do). c.mu is held.
func (x *xsub) attach(p *peer) error {
	x.mu.Lock()
	p.enqueueCtl(subscriptions(&x.trie)...)
	x.mu.Unlock()
	return nil
}

func (x *xsub) detach(p *peer, q []outItem) func() { return nil }

// incoming keeps the messages that match a subscription.
func (x *xsub) incoming(p *peer, m Msg) (Msg, bool) {
	return m, x.snap.Load().match(m[0])
}

// publish makes trie as it is now what the readers match against. x.mu is
// held (or the socket is not yet running).
func (x *xsub) publish() { x.snap.Store(x.trie.snapshot()) }

// own counts a subscription (on) or cancellation of the socket's own,
// and reports whether it goes to the peers: every subscription does, as
// in libzmq, and a cancellation when it cancels the topic's last
// subscription. x.mu is held.
func (x *xsub) own(on bool, t string) bool {
	if on {
		n, _ := x.trie.put(t)
		n.subs++
		return true
	}
	switch n := x.trie.get(t); {
	case n == nil:
		return false
	case n.subs == 1:
		x.trie.remove(t)
		return true
	default:
		// The node may be a snapshot's: put returns one of the trie's own.
		n, _ = x.trie.put(t)
		n.subs--
		return false
	}
}

// send sends a subscription (\x01topic) or cancellation (\x00topic),
// remembered for reconnects, or any other message, to every peer.
func (x *xsub) send(ctx context.Context, m Msg) error {
	c := x.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if len(m) == 1 && len(m[0]) > 0 && m[0][0] <= 1 {
		t := string(m[0][1:])
		x.mu.Lock()
		send := x.own(m[0][0] == 1, t)
		x.publish()
		x.mu.Unlock()
		if send {
			for _, p := range c.peers {
				p.enqueueCtl(outItem{m: m})
			}
		}
		return nil
	}
	for _, p := range c.peers {
		p.enqueue(m, c.o.sendHWM)
	}
	return nil
}

// subscribe changes the socket's subscriptions and tells every peer.
func (x *xsub) subscribe(on bool, prefix string) error {
	c := x.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	x.mu.Lock()
	send := x.own(on, prefix)
	x.publish()
	x.mu.Unlock()
	if send {
		for _, p := range c.peers {
			p.enqueueCtl(outItem{m: Msg{subscription(on, prefix)}})
		}
	}
	return nil
}

// subscribe changes a SUB or XSUB socket's subscriptions.
func (c *engine) subscribe(on bool, prefix string) error {
	if x, ok := c.routing.(interface{ subscribe(bool, string) error }); ok {
		return x.subscribe(on, prefix)
	}
	return ErrNotSupported
}
