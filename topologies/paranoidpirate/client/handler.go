package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/zmqgen/zmqgen/runtime"
	"github.com/zmqgen/zmqgen/topologies/internal/pyrepr"
	"github.com/zmqgen/zmqgen/topologies/paranoidpirate"
)

// handler is the Lazy Pirate client, as in topologies/lazypirate: the
// queue is its server. The socket's retry policy does the retrying; the
// handler prints what happens, with the guide's words.
type handler struct {
	n *Node
	// request is the request in flight, which the retry messages name.
	// OnRetry runs inside Request, on Run's goroutine.
	request string
}

func newHandler(n *Node) (Handler, error) {
	h := &handler{n: n}
	n.Client.OnRetry(h.retried)
	return h, nil
}

// Run sends numbered requests until Params.Requests are answered (forever
// when 0) or the queue seems to be offline.
func (h *handler) Run(ctx context.Context) error {
	fmt.Println("I: Connecting to server…")
	answered := 0
	for seq := 1; h.n.Params.Requests == 0 || answered < h.n.Params.Requests; seq++ {
		h.request = strconv.Itoa(seq)
		fmt.Printf("I: Sending (%s)\n", pyrepr.Bytes([]byte(h.request)))
		reply, err := h.n.Client.Request(ctx, paranoidpirate.Request(h.request))
		if errors.Is(err, runtime.ErrNoReply) {
			return nil // retried printed the guide's last words
		}
		if err != nil {
			return err
		}
		if string(reply) != h.request {
			fmt.Printf("E: Malformed reply from server: %s\n", pyrepr.Bytes([]byte(reply)))
			continue
		}
		fmt.Printf("I: Server replied OK (%s)\n", pyrepr.Bytes([]byte(reply)))
		answered++
	}
	return nil
}

// retried prints, after each try that got no reply in time, what the
// guide's client prints at that point.
func (h *handler) retried(left int) {
	fmt.Println("W: No response from server, retrying…")
	if left == 0 {
		fmt.Println("E: Server seems to be offline, abandoning")
		return
	}
	fmt.Printf("I: Reconnecting and resending (%s)\n", pyrepr.Bytes([]byte(h.request)))
}
