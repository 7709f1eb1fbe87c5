package runtime

// What a Socket's operations share: errors, defaults, socket type names,
// and Send and Recv handed to the socket type's routing. The engine and
// its lifecycle (bind, connect, handshake, attach, close) are engine.go's;
// types.go says which routing strategies each socket type is made of:
// lb.go (load-balancing), fq.go (fair-queueing), router.go (identities),
// dist.go and sub.go (pub/sub), req.go and rep.go (request-reply state).

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/go-zeromq/zmq4"
)

// More errors returned by sockets.
var (
	// ErrTimeout is returned when the send or receive timeout passes.
	// errors.Is(ErrTimeout, context.DeadlineExceeded) is true.
	ErrTimeout error = timeoutError{}
	// ErrNotSupported is returned for an operation the socket type does
	// not have (Send on PULL or SUB, Recv on PUSH or PUB, Subscribe on
	// anything but SUB and XSUB).
	ErrNotSupported = errors.New("zmq: operation not supported by the socket type")
	// ErrState is returned when REQ or REP is used out of its strict
	// send/receive alternation (libzmq's EFSM).
	ErrState = errors.New("zmq: operation not valid in the socket's current state")
	// ErrEmptyMsg is returned by Send for a message without frames.
	ErrEmptyMsg = errors.New("zmq: message has no frames")
)

type timeoutError struct{}

func (timeoutError) Error() string        { return "zmq: timeout" }
func (timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }
func (timeoutError) Timeout() bool        { return true }

// Defaults, as libzmq's where it has one.
const (
	defaultHWM       = 1000
	defaultLinger    = time.Second // libzmq's is infinite; a generated node must stop
	defaultReconnect = 100 * time.Millisecond
	defaultMaxFrames = 1024 // libzmq has no bound
)

func defaultOptions() options {
	return options{
		sendHWM:   defaultHWM,
		maxFrames: defaultMaxFrames,
		recvHWM:   defaultHWM,
		linger:    defaultLinger,
		reconnect: Backoff{Initial: defaultReconnect},
	}
}

func (t Type) String() string {
	if z := t.zmtp(); z != "" {
		return string(z)
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

func (t Type) zmtp() zmq4.SocketType {
	switch t {
	case PAIR:
		return zmq4.Pair
	case PUB:
		return zmq4.Pub
	case SUB:
		return zmq4.Sub
	case REQ:
		return zmq4.Req
	case REP:
		return zmq4.Rep
	case DEALER:
		return zmq4.Dealer
	case ROUTER:
		return zmq4.Router
	case PULL:
		return zmq4.Pull
	case PUSH:
		return zmq4.Push
	case XPUB:
		return zmq4.XPub
	case XSUB:
		return zmq4.XSub
	}
	return ""
}

// waiter is the timeout of one Send or Recv call, started only if the call
// has to wait.
type waiter struct {
	d time.Duration
	t *time.Timer
}

func (w *waiter) c() <-chan time.Time {
	if w.d <= 0 {
		return nil
	}
	if w.t == nil {
		w.t = time.NewTimer(w.d)
	}
	return w.t.C
}

func (w *waiter) stop() {
	if w.t != nil {
		w.t.Stop()
	}
}

func (c *engine) send(ctx context.Context, m Msg) error {
	if len(m) == 0 {
		return ErrEmptyMsg
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return c.routing.send(ctx, m)
}

func (c *engine) recv(ctx context.Context) (Msg, error) {
	return c.routing.recv(ctx)
}

// forget undoes what the last Recv did to a REQ's or REP's state, for a
// message the application could not use (RecvValue's message that does not
// decode); see req.forget and rep.forget. For other types it does nothing.
func (c *engine) forget() {
	if f, ok := c.routing.(interface{ forget() }); ok {
		f.forget()
	}
}
