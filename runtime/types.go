package runtime

// What each socket type does with messages, chosen once per socket by
// newRouting and composed from the strategies as libzmq composes its socket
// types (dealer_t holds an fq_t and an lb_t; req_t extends dealer_t):
//
//	type    sends                            receives
//	PAIR    lb.go, to its one peer           fq.go
//	PUSH    lb.go                            nothing
//	PULL    nothing                          fq.go
//	DEALER  lb.go                            fq.go
//	REQ     lb.go, one request (req.go)      fq.go, its reply only (req.go)
//	REP     to the requester (rep.go)        fq.go, one request (rep.go)
//	ROUTER  by identity (router.go)          fq.go, identity first
//	XPUB    to subscribers (dist.go)         fq.go, with subscriptions
//	PUB     as XPUB (dist.go)                nothing
//	XSUB    to every peer (sub.go)           fq.go, matched (sub.go, trie.go)
//	SUB     subscriptions only (sub.go)      as XSUB
//
// The lifecycle (engine.go) is the same for every type.

import (
	"context"
	"errors"
)

// routing is what a socket type does with messages (libzmq's xsend, xrecv,
// xattach_pipe, xpipe_terminated).
type routing interface {
	// attach takes a peer that finished its handshake, or refuses it.
	// engine.mu is held.
	attach(p *peer) error
	// detach lets a peer whose connection ended go; q is what was queued
	// for it and not written. What it returns, if not nil, runs once
	// engine.mu is released. engine.mu is held.
	detach(p *peer, q []outItem) (after func())
	// incoming decides, in the peer's reader, what becomes of a data
	// message: it reports false for a message consumed (subscriptions) or
	// dropped, and may return it changed (REQ's delimiter taken off).
	incoming(p *peer, m Msg) (Msg, bool)
	// send and recv are Socket.Send and Socket.Recv.
	send(ctx context.Context, m Msg) error
	recv(ctx context.Context) (Msg, error)
}

// newRouting chooses c's routing by its type.
func newRouting(c *engine) routing {
	switch c.typ {
	case PAIR:
		return &pair{newDealer(c)}
	case PUSH:
		c.lb = &lb{c: c}
		return &push{c.lb}
	case PULL:
		return &pull{fqRecv{c}}
	case DEALER:
		d := newDealer(c)
		return &d
	case REQ:
		return &req{dealer: newDealer(c)}
	case REP:
		return &rep{c: c, fqRecv: fqRecv{c}}
	case ROUTER:
		return newRouter(c)
	case XPUB:
		return newXPUB(c, true)
	case PUB:
		return &pub{newXPUB(c, false)}
	case XSUB:
		return newXSUB(c)
	case SUB:
		return &sub{newXSUB(c)}
	}
	return invalid{c}
}

// dealer is a DEALER socket (libzmq's dealer_t): messages are fair-queued
// from every peer, and load-balanced to them.
type dealer struct {
	c *engine
	*lb
	fqRecv
}

func newDealer(c *engine) dealer {
	c.lb = &lb{c: c}
	return dealer{c, c.lb, fqRecv{c}}
}

// pair is a PAIR socket: a DEALER with one peer at most.
type pair struct{ dealer }

func (s *pair) attach(p *peer) error {
	if len(s.c.peers) > 0 {
		return errors.New("zmq: PAIR already has a peer")
	}
	return s.lb.attach(p)
}

// push is a PUSH socket: it load-balances, and drops what its peers send.
type push struct{ *lb }

func (*push) incoming(p *peer, m Msg) (Msg, bool)   { return m, false }
func (*push) recv(ctx context.Context) (Msg, error) { return nil, ErrNotSupported }

// pull is a PULL socket: it fair-queues, and sends nothing.
type pull struct{ fqRecv }

func (*pull) attach(p *peer) error                  { return nil }
func (*pull) detach(p *peer, q []outItem) func()    { return nil }
func (*pull) send(ctx context.Context, m Msg) error { return ErrNotSupported }

// invalid is the routing of a socket made with a Type that is none of
// the above: Bind and Connect refuse it, Send and Recv say why.
type invalid struct{ c *engine }

func (invalid) attach(p *peer) error                    { return ErrClosed }
func (invalid) detach(p *peer, q []outItem) func()      { return nil }
func (invalid) incoming(p *peer, m Msg) (Msg, bool)     { return m, false }
func (s invalid) send(ctx context.Context, m Msg) error { return s.c.valid() }
func (s invalid) recv(ctx context.Context) (Msg, error) { return nil, s.c.valid() }
