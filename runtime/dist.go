package runtime

import "context"

// Distribution (libzmq's dist_t): PUB and XPUB send each message to every
// peer subscribed to it, and keep each peer's subscriptions (matching is
// trie.go's).

// subscription encodes a ZMTP 3.0 subscription message: \x01 or \x00 and
// the topic. libzmq sends subscriptions in this form to a ZMTP 3.0 peer
// (zmq4 greets as 3.0), and accepts them from any peer.
func subscription(on bool, topic string) []byte {
	b := make([]byte, 1+len(topic))
	if on {
		b[0] = 1
	}
	copy(b[1:], topic)
	return b
}

// subscriptions returns the subscription messages of every prefix in t, in
// byte order, carved from one allocation: a SUB sends them all to each new
// peer, and 100,000 of them one allocation and one lock each were a
// quarter of the SUB's start (issue 18).
func subscriptions(t *topicTrie) []outItem {
	size := 0
	t.each(func(prefix []byte) { size += 1 + len(prefix) })
	slab := make([]byte, 0, size)
	items := make([]outItem, 0, t.len())
	t.each(func(prefix []byte) {
		i := len(slab)
		slab = append(slab, 1)
		slab = append(slab, prefix...)
		items = append(items, outItem{m: Msg{slab[i:len(slab):len(slab)]}})
	})
	return items
}

// xpub is an XPUB socket (libzmq's xpub_t): it sends each message to the
// peers subscribed to it (sendPub), keeps each peer's subscriptions, and
// hands a new topic, and a topic no peer wants any more, to the
// application. engine.mu guards xsubs.
type xpub struct {
	c *engine
	fqRecv
	xsubs map[string]int // XPUB: the number of peers subscribed to each topic
	up    bool           // subscriptions and other messages go to the application (XPUB, not PUB)
}

// pub is a PUB socket (libzmq's pub_t, which extends xpub_t): an XPUB
// that receives nothing.
type pub struct{ *xpub }

func (x *pub) recv(ctx context.Context) (Msg, error) { return nil, ErrNotSupported }

func newXPUB(c *engine, up bool) *xpub {
	return &xpub{c: c, fqRecv: fqRecv{c}, xsubs: make(map[string]int), up: up}
}

func (x *xpub) send(ctx context.Context, m Msg) error { return x.c.sendPub(m) }

func (x *xpub) attach(p *peer) error { return nil }

// detach forgets a peer's subscriptions; the topics no other peer wants go
// to an XPUB's application after c.mu is released. c.mu is held.
func (x *xpub) detach(p *peer, q []outItem) func() {
	if !x.up {
		// A PUB's peer's subscriptions go without being listed.
		p.subs = topicTrie{}
		return nil
	}
	topics := p.subs.list()
	p.subs = topicTrie{}
	var gone []string
	for _, t := range topics {
		if x.xsubs[t]--; x.xsubs[t] <= 0 {
			delete(x.xsubs, t)
			gone = append(gone, t)
		}
	}
	if len(gone) == 0 {
		return nil
	}
	return func() {
		// p.done is closed: deliver drops rather than waits for room, so a
		// full queue cannot hold up the reconnection.
		for _, t := range gone {
			x.c.deliver(p, []inMsg{{m: Msg{subscription(false, t)}}})
		}
	}
}

// incoming takes a subscription message (\x01topic or \x00topic) from a
// peer; an XPUB passes other messages up, as libzmq's does.
func (x *xpub) incoming(p *peer, m Msg) (Msg, bool) {
	if len(m) == 1 && len(m[0]) > 0 && m[0][0] <= 1 {
		x.subscribed(p, m[0][0] == 1, m[0][1:])
		return m, false
	}
	return m, x.up
}

// subscribed records a peer's (un)subscription, from a subscription
// message or a SUBSCRIBE or CANCEL command.
func (x *xpub) subscribed(p *peer, on bool, topic []byte) {
	c := x.c
	t := string(topic)
	c.mu.Lock()
	var changed bool
	if on {
		changed = p.subs.add(t)
	} else {
		changed = p.subs.remove(t)
	}
	notify := false
	// Only an XPUB tells the application, so only an XPUB counts the
	// peers of each topic: for a PUB, the map's work was a fifth of
	// taking in 100,000 subscriptions (issue 18).
	if changed && x.up {
		if on {
			x.xsubs[t]++
			notify = x.xsubs[t] == 1
		} else {
			x.xsubs[t]--
			if x.xsubs[t] <= 0 {
				delete(x.xsubs, t)
				notify = true
			}
		}
	}
	c.mu.Unlock()
	if notify && x.up {
		c.deliver(p, []inMsg{{m: Msg{subscription(on, t)}, p: p}})
	}
}

// peerSubscription records a PUB/XPUB peer's SUBSCRIBE or CANCEL command;
// other socket types ignore them.
func (c *engine) peerSubscription(p *peer, on bool, topic []byte) {
	if x, ok := c.routing.(interface{ subscribed(*peer, bool, []byte) }); ok {
		x.subscribed(p, on, topic)
	}
}

// sendPub sends m to every peer subscribed to it, dropping it for peers at
// their high-water mark; it never waits.
func (c *engine) sendPub(m Msg) error {
	hwm := c.o.sendHWM
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	// Drops are counted once per message rather than once per full
	// subscriber, in one atomic add: an add per subscriber was a third of
	// a flooding PUB's CPU time, a second per message ~8% (c.dropped is
	// not kept for a PUB; its drops are in the socket's stats) (issue 18).
	//
	// A peer's subscriptions and drop log are guarded by c.mu, and a
	// subscriber at its mark (what a flooding PUB mostly meets) is told
	// by p.qlen: neither takes the peer's lock, whose two atomic
	// operations per subscriber and message, on a cache line the writer
	// shares, were half of a flooding PUB's CPU time (issue 18).
	var full int
	for _, p := range c.peers {
		// A subscription to everything is decided here, without a call.
		if r := p.subs.root; r == nil || !r.end && !r.match(m[0]) {
			continue
		}
		if hwm > 0 && p.qlen.Load() >= int64(hwm) {
			full++
			if p.drops.drop() {
				c.log.Warn("zmq: subscriber at its high-water mark, dropping messages", "remote", p.remote)
			}
			continue
		}
		p.mu.Lock()
		if p.dead || p.linger {
			p.mu.Unlock()
			continue
		}
		if hwm > 0 && len(p.q) >= hwm {
			p.mu.Unlock()
			full++
			if p.drops.drop() {
				c.log.Warn("zmq: subscriber at its high-water mark, dropping messages", "remote", p.remote)
			}
			continue
		}
		wake := p.pushLocked(outItem{m: m})
		p.mu.Unlock()
		var ended bool
		var dropped, runs int64
		if p.drops.on {
			ended, dropped, runs = p.drops.end()
		}
		if wake {
			p.signal()
		}
		if ended {
			// A subscriber at the edge of its high-water mark goes in and
			// out of it many times a second: runs not logged (at most one
			// pair of lines per logInterval) are counted here.
			c.log.Warn("zmq: subscriber caught up", "remote", p.remote, "dropped", dropped, "runs", runs)
		}
	}
	if full > 0 {
		c.stats.drop(DropSubscriberFull, full)
	}
	return nil
}
