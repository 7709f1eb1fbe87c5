package runtime

// The Lazy Pirate pattern (the guide's chapter 4, lpclient): a client that
// waits a bounded time for each reply, resends a bounded number of times,
// and gives up.
//
// libzmq's REQ cannot send again until it has received the reply, so a
// retry needs a new socket: with Retry.Reopen the Requester closes the REQ
// socket (linger 0, so the unanswered request is dropped, not flushed) and
// opens a new one connected to every endpoint. A reply to an earlier try
// can never be mistaken for the current one, since it would arrive on a
// closed socket.
//
// Without Reopen the Requester keeps one socket and resends on it, as
// libzmq's REQ does with ZMQ_REQ_RELAXED and ZMQ_REQ_CORRELATE: the socket
// is a DEALER, and each request carries a request-id frame (4 bytes, big
// endian) ahead of the empty delimiter. A REP server echoes it back with
// the rest of the envelope, so a reply whose id is not the current
// request's (the late answer to an abandoned request) is discarded. Servers
// must return the envelope whole, as REP does; a ROUTER server that expects
// exactly [identity, "", body] from a REQ should be used with Reopen.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// requester holds the state of a Requester.
type requester struct {
	endpoints []string
	retry     Retry
	opts      []Option
	typ       Type // REQ with Reopen, DEALER without
	name      string
	log       *slog.Logger
	stats     *socketStats // shared with the sockets it opens

	reqMu sync.Mutex // one request at a time
	seq   uint32     // DEALER: id of the current request
	stale bool       // REQ: the socket still waits for a reply that will not come

	mu     sync.Mutex // guards sock and closed
	sock   *Socket
	closed bool

	badMsgs logLimiter // replies that do not decode (RequestValue)
}

func newRequester(endpoints []string, retry Retry, opts []Option) (*Requester, error) {
	if len(endpoints) == 0 {
		return nil, errors.New("zmq: requester needs at least one endpoint")
	}
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	r := &Requester{requester{
		endpoints: append([]string(nil), endpoints...),
		retry:     retry,
		// Linger 0 last, so that it wins: an abandoned request must not
		// hold Close, and nothing else is ever left to flush.
		opts: append(append([]Option(nil), opts...), WithLinger(0)),
		typ:  REQ,
		name: o.name,
		log:  loggerOf(&o),
	}}
	if !retry.Reopen {
		r.typ = DEALER
	}
	r.stats = statsFor(o.name, REQ)
	r.opts = append(r.opts, func(o *options) { o.stats = r.stats })
	if r.name == "" {
		r.name = "REQ" // as the engine names an unnamed socket in its logs
	}
	if r.retry.Tries < 1 {
		r.retry.Tries = 1
	}
	s, err := r.open()
	if err != nil {
		return nil, err
	}
	r.sock = s
	return r, nil
}

// open returns a new socket connected to every endpoint.
func (r *requester) open() (*Socket, error) {
	s := NewSocket(r.typ, r.opts...)
	for _, ep := range r.endpoints {
		if err := s.Connect(ep); err != nil {
			s.Close()
			return nil, fmt.Errorf("zmq: requester %s: %w", r.name, err)
		}
	}
	return s, nil
}

// reopen replaces the socket by a new one.
func (r *requester) reopen() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.sock.Close()
	s, err := r.open()
	if err != nil {
		return err
	}
	r.sock = s
	r.stale = false
	return nil
}

func (r *requester) socket() (*Socket, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	return r.sock, nil
}

// errTryTimedOut is the outcome of a try that got no reply in time.
var errTryTimedOut = errors.New("no reply in time")

func (r *requester) request(ctx context.Context, req Msg) (Msg, error) {
	return r.requestAccepting(ctx, req, nil)
}

// requestAccepting is request where a reply that accept refuses (a reply
// that does not decode) counts as no reply: it is logged and dropped, and
// the try goes on waiting, up to its timeout, for a reply it accepts.
func (r *requester) requestAccepting(ctx context.Context, req Msg, accept func(Msg) error) (Msg, error) {
	if len(req) == 0 {
		return nil, ErrEmptyMsg
	}
	r.reqMu.Lock()
	defer r.reqMu.Unlock()
	if r.stale {
		// A previous request was abandoned or cancelled on this REQ
		// socket, which cannot send again.
		if err := r.reopen(); err != nil {
			return nil, err
		}
	}
	wire := req
	if r.typ == DEALER {
		r.seq++
		wire = make(Msg, 0, 2+len(req))
		wire = append(wire, binary.BigEndian.AppendUint32(nil, r.seq), []byte{})
		wire = append(wire, req...)
	}
	for try := 1; ; try++ {
		start := time.Now()
		reply, err := r.try(ctx, wire, accept)
		if err == nil {
			if r.typ == DEALER {
				r.stats.observeRTT(time.Since(start)) // a REQ socket does it itself
			}
			return reply, nil
		}
		if r.typ == REQ {
			r.stale = true
		}
		if !errors.Is(err, errTryTimedOut) {
			return nil, err
		}
		left := r.retry.Tries - try
		if left > 0 {
			r.stats.retries.Add(1)
		} else {
			r.stats.giveUps.Add(1)
		}
		if left > 0 {
			r.log.Warn("zmq: no reply, retrying", "socket", r.name,
				"timeout", r.retry.Timeout, "try", try, "left", left)
		} else {
			r.log.Error("zmq: no reply, abandoning the request", "socket", r.name,
				"timeout", r.retry.Timeout, "tries", try)
		}
		if r.retry.OnRetry != nil {
			r.retry.OnRetry(left)
		}
		if left == 0 {
			return nil, fmt.Errorf("%s: %w after %d tries of %v", r.name, ErrNoReply, try, r.retry.Timeout)
		}
		if r.typ == REQ {
			if err := r.reopen(); err != nil {
				return nil, err
			}
		}
	}
}

// try sends wire once and waits up to the timeout for its reply. Waiting
// for a peer to send to counts against the timeout too, as in the guide's
// client, which polls with the timeout right after sending.
func (r *requester) try(ctx context.Context, wire Msg, accept func(Msg) error) (Msg, error) {
	s, err := r.socket()
	if err != nil {
		return nil, err
	}
	tctx := ctx
	if r.retry.Timeout > 0 {
		var cancel context.CancelFunc
		tctx, cancel = context.WithTimeout(ctx, r.retry.Timeout)
		defer cancel()
	}
	timedOut := func(err error) error {
		if ctx.Err() == nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTimeout)) {
			return errTryTimedOut
		}
		if errors.Is(err, ErrClosed) {
			r.mu.Lock()
			closed := r.closed
			r.mu.Unlock()
			if !closed {
				// The socket was replaced under us: not the caller's Close.
				return errTryTimedOut
			}
		}
		return err
	}
	if err := s.Send(tctx, wire); err != nil {
		return nil, timedOut(err)
	}
	for {
		m, err := s.Recv(tctx)
		if err != nil {
			return nil, timedOut(err)
		}
		if r.typ == DEALER {
			if len(m) < 2 || len(m[0]) != 4 || binary.BigEndian.Uint32(m[0]) != r.seq || len(m[1]) != 0 {
				r.log.Debug("zmq: discarded a stale or malformed reply", "socket", r.name, "frames", len(m))
				continue
			}
			m = m[2:]
		}
		if accept != nil {
			if err := accept(m); err != nil {
				// As no reply: wait on for one that decodes.
				s.c.forget()
				s.c.stats.drop(DropUndecodable, 1)
				if ok, hidden := r.badMsgs.note(); ok {
					args := []any{"socket", r.name, "frames", len(m), "err", err}
					if hidden > 0 {
						args = append(args, "not_logged", hidden)
					}
					r.log.Warn("zmq: dropped a reply that does not decode", args...)
				}
				continue
			}
		}
		return m, nil
	}
}

func (r *requester) close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil
	}
	r.closed = true
	return r.sock.Close()
}
