package runtime

// SUB and XSUB: the socket's own subscriptions, sent to every peer and
// matched against incoming messages (trie.go).

// ownSub counts a subscription (on) or cancellation of the socket's own
// (SUB, XSUB), keeping subTrie in step, and reports whether it goes to the
// peers: every subscription does, as in libzmq, and a cancellation when it
// cancels the topic's last subscription. c.subMu is held for writing.
func (c *core) ownSub(on bool, t string) bool {
	if on {
		if c.subs[t]++; c.subs[t] == 1 {
			c.subTrie.add(t)
		}
		return true
	}
	switch c.subs[t] {
	case 0:
		return false
	case 1:
		delete(c.subs, t)
		c.subTrie.remove(t)
		return true
	default:
		c.subs[t]--
		return false
	}
}

// publishSubs makes subTrie as it is now what the readers match against.
// c.subMu is held for writing (or the socket is not yet running).
func (c *core) publishSubs() { c.subSnap.Store(c.subTrie.snapshot()) }

// sendXSub sends a subscription (\x01topic) or cancellation (\x00topic),
// remembered for reconnects, or any other message, to every peer.
func (c *core) sendXSub(m Msg) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	if len(m) == 1 && len(m[0]) > 0 && m[0][0] <= 1 {
		t := string(m[0][1:])
		c.subMu.Lock()
		send := c.ownSub(m[0][0] == 1, t)
		c.publishSubs()
		c.subMu.Unlock()
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

// subscribe changes a SUB or XSUB socket's subscriptions and tells every peer.
func (c *core) subscribe(on bool, prefix string) error {
	if c.typ != SUB && c.typ != XSUB {
		return ErrNotSupported
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return ErrClosed
	}
	c.subMu.Lock()
	send := c.ownSub(on, prefix)
	c.publishSubs()
	c.subMu.Unlock()
	if send {
		for _, p := range c.peers {
			p.enqueueCtl(outItem{m: Msg{subscription(on, prefix)}})
		}
	}
	return nil
}
