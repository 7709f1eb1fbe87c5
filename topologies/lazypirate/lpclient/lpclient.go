// Package lpclient is the guide's Lazy Pirate client loop, shared by the
// client nodes of the lazypirate, simplepirate and paranoidpirate
// topologies: to it, a server and a queue of workers look the same.
//
// The node's REQ socket, with the retry policy of its .ztopo, does the
// retrying (timeout, tries, close and reopen); this package numbers the
// requests, checks the replies and prints, with the guide's words, what
// happens to each request.
package lpclient

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/zmqgen/zmqgen/runtime"
	"github.com/zmqgen/zmqgen/topologies/internal/pyrepr"
)

// A Client is the state of one client's run. Pass its Retried method to
// the socket's OnRetry before Run.
type Client struct {
	// request is the request in flight, which the retry messages name.
	// OnRetry runs inside Request, on Run's goroutine.
	request string
}

// Run sends the requests "1", "2", ... with request, one at a time, until
// n of them are answered (forever when n is 0) or one is abandoned, which
// ends the run normally, as in the guide. request returns the reply, or
// an error wrapping runtime.ErrNoReply once the retry policy gives up.
func (c *Client) Run(ctx context.Context, n int, request func(ctx context.Context, req string) (string, error)) error {
	fmt.Println("I: Connecting to server…")
	answered := 0
	for seq := 1; n == 0 || answered < n; seq++ {
		c.request = strconv.Itoa(seq)
		fmt.Printf("I: Sending (%s)\n", pyrepr.Bytes([]byte(c.request)))
		reply, err := request(ctx, c.request)
		if errors.Is(err, runtime.ErrNoReply) {
			return nil // Retried printed the guide's last words
		}
		if err != nil {
			return err
		}
		if reply != c.request {
			// The guide's client goes on waiting and so ends up resending;
			// the retry policy has given its answer, so this request is
			// done.
			fmt.Printf("E: Malformed reply from server: %s\n", pyrepr.Bytes([]byte(reply)))
			continue
		}
		fmt.Printf("I: Server replied OK (%s)\n", pyrepr.Bytes([]byte(reply)))
		answered++
	}
	return nil
}

// Retried prints, after a try that got no reply in time, what the guide's
// client prints at that point; left is the number of tries left.
func (c *Client) Retried(left int) {
	fmt.Println("W: No response from server, retrying…")
	if left == 0 {
		fmt.Println("E: Server seems to be offline, abandoning")
		return
	}
	fmt.Printf("I: Reconnecting and resending (%s)\n", pyrepr.Bytes([]byte(c.request)))
}
