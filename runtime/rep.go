package runtime

// REP: the reply goes back with the request's envelope (libzmq's rep_t).

import "fmt"

// sendReply sends a REP's reply with the envelope of the request.
func (c *core) sendReply(m Msg) error {
	c.rmu.Lock()
	if !c.repBusy {
		c.rmu.Unlock()
		return fmt.Errorf("%w: REP must receive a request before replying", ErrState)
	}
	p, env := c.repPeer, c.repEnv
	c.repBusy, c.repPeer, c.repEnv = false, nil, nil
	c.rmu.Unlock()
	select {
	case <-c.closing:
		return ErrClosed
	default:
	}
	r := make(Msg, 0, len(env)+len(m))
	r = append(r, env...)
	r = append(r, m...)
	if !p.sendDirect(r, c.o.sendHWM) {
		c.dropped.Add(1)
		c.stats.drop(replyDrop(p), 1)
		c.replyDropped(p, "zmq: REP dropping replies: requester gone or at its high-water mark")
	} else if c.replyDrops.on.Load() {
		c.replyDelivered("zmq: REP delivering replies again")
	}
	return nil
}
