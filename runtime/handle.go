package runtime

// Socket handles: the runtime's part of the typed handles that generated
// node programs declare, one per socket (a PULL socket "tasks" becomes a
// TasksSocket with a typed Recv). A generated handle embeds one of these
// and so has its methods.

import (
	"context"
	"slices"
	"sync"
)

// A Handle is the open socket of a generated socket handle.
type Handle struct {
	sock *Socket
}

// Addrs returns the addresses the socket is bound to, with real port
// numbers.
func (h *Handle) Addrs() []string { return h.sock.Addrs() }

// Raw returns the runtime socket, for what the typed methods do not offer.
func (h *Handle) Raw() *Socket { return h.sock }

// A SubHandle is the open socket of a SUB or XSUB handle, with the list
// of its prefix filters.
type SubHandle struct {
	Handle
	// mu guards subs, the socket's prefix filters.
	mu   sync.Mutex
	subs []string
}

// Subscribe adds a prefix filter ("" lets everything through).
func (h *SubHandle) Subscribe(prefix string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.sock.Subscribe(prefix); err != nil {
		return err
	}
	h.subs = append(h.subs, prefix)
	return nil
}

// Unsubscribe removes a prefix filter.
func (h *SubHandle) Unsubscribe(prefix string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := h.sock.Unsubscribe(prefix); err != nil {
		return err
	}
	if i := slices.Index(h.subs, prefix); i >= 0 {
		h.subs = slices.Delete(h.subs, i, i+1)
	}
	return nil
}

// Subscriptions returns the socket's prefix filters, in the order they
// were added: those the socket opened with (the .ztopo's, or those of its
// -SOCKET.subscribe flag), then those of Subscribe, less those of
// Unsubscribe.
func (h *SubHandle) Subscriptions() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.subs)
}

// A RequestHandle is the Requester of a REQ handle with a retry policy.
type RequestHandle struct {
	req   *Requester
	retry Retry
	// mu guards onRetry.
	mu      sync.Mutex
	onRetry func(left int)
}

// Request sends req and returns the reply, as the socket's retry policy
// (Retry) says: it waits up to the policy's timeout for a reply, and
// makes up to its number of tries in all. It returns an error wrapping
// ErrNoReply when no try got a reply. Generated handles wrap it with
// their message types.
func (h *RequestHandle) Request(ctx context.Context, req Msg) (Msg, error) {
	return h.req.Request(ctx, req)
}

// Retry returns the socket's retry policy: the .ztopo's, as flags and
// environment variables override it. Its OnRetry is nil: OnRetry sets the
// hook.
func (h *RequestHandle) Retry() Retry { return h.retry }

// OnRetry sets f to be called after each try that got no reply in time,
// with the number of tries left (0 when the request is abandoned).
func (h *RequestHandle) OnRetry(f func(left int)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.onRetry = f
}

// retried is the Requester's OnRetry hook.
func (h *RequestHandle) retried(left int) {
	h.mu.Lock()
	f := h.onRetry
	h.mu.Unlock()
	if f != nil {
		f(left)
	}
}
