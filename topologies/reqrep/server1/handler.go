package main

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/zmqgen/zmqgen/topologies/internal/pyrepr"
	"github.com/zmqgen/zmqgen/topologies/reqrep"
)

// handler is the guide's coffee server: it prints each request, takes
// Params.Delay to prepare the drink, and answers "<port> need some
// <drink>", the port being the one its rep socket is bound to.
type handler struct {
	n    *Node
	port string
}

func newHandler(n *Node) (Handler, error) {
	addrs := n.Rep.Addrs()
	if len(addrs) == 0 {
		return nil, fmt.Errorf("socket rep is not bound; the reply names the port it is bound to")
	}
	return &handler{n: n, port: port(addrs[0])}, nil
}

// ServeRep answers one order, as the guide's server.py does.
func (h *handler) ServeRep(ctx context.Context, req reqrep.Order) (reqrep.Answer, error) {
	fmt.Println("Received request: ", pyrepr.Bytes([]byte(req)))
	select {
	case <-time.After(h.n.Params.Delay):
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return reqrep.Answer(fmt.Sprintf("%s need some %s", h.port, h.n.Params.Drink)), nil
}

// port returns the port of a bound endpoint such as tcp://0.0.0.0:5000,
// or the whole endpoint for a transport without ports (ipc, inproc).
func port(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Port() == "" {
		return strings.TrimPrefix(endpoint, "tcp://")
	}
	return u.Port()
}
