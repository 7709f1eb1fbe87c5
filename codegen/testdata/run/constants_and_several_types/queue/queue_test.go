package main

// This test runs in the module TestGolden builds from the golden case
// constants_and_several_types: the queue's backend, over a real socket,
// tells constants from the one other type by their bytes, drops what
// matches none, and sends any type of its Out set.

import (
	"context"
	"io"
	"log/slog"
	"reflect"
	"testing"
	"time"

	"example.com/golden/constants_and_several_types"
	"github.com/zmqgen/zmqgen/runtime"
)

func TestSeveralTypes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := parse([]string{"-backend.bind", "tcp://127.0.0.1:0"}, func(string) (string, bool) { return "", false }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	n, closeNode, err := open(c)
	if err != nil {
		t.Fatal(err)
	}
	defer closeNode()
	peer := runtime.NewSocket(runtime.DEALER)
	defer peer.Close()
	if err := peer.Connect(n.Backend.Addrs()[0]); err != nil {
		t.Fatal(err)
	}
	// Each message starts with the empty delimiter, as from a REQ peer.
	for _, m := range []runtime.Msg{
		{{}, []byte("\x01")},
		{{}, []byte("\x03")}, // no constant, and one frame is not a Task: dropped
		{{}, []byte("\x02")},
		{{}, []byte("c1"), {}, []byte("\x01")}, // a Task whose body looks like Ready
	} {
		if err := peer.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	var got []BackendIn
	var env Envelope
	for range 3 {
		e, msg, err := n.Backend.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got, env = append(got, msg), e
	}
	want := []BackendIn{lru.Ready{}, lru.Heartbeat{}, lru.Task{Client: []byte("c1"), Empty: []byte{}, Body: "\x01"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Recv gave %#v, want %#v", got, want)
	}
	for _, out := range []BackendOut{lru.Heartbeat{}, lru.Task{Client: []byte("c2"), Empty: []byte{}, Body: "done"}} {
		if err := n.Backend.Send(ctx, env, out); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []runtime.Msg{{{}, []byte("\x02")}, {{}, []byte("c2"), {}, []byte("done")}} {
		m, err := peer.Recv(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(m, want) {
			t.Errorf("the peer got %q, want %q", m, want)
		}
	}
}

// parse reads args, then the environment through lookup, into the node's
// config, as main does.
func parse(args []string, lookup func(string) (string, bool), out io.Writer) (*zmqgenConfig, error) {
	c := zmqgenDefaults()
	_, err := c.program().Parse(args, lookup, out)
	return c, err
}

// open opens the node's sockets as c says and returns the Node on them,
// and what closes them.
func open(c *zmqgenConfig) (*Node, func(), error) {
	st, err := c.program().Open(&runtime.Settings{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return nil, nil, err
	}
	return c.node(st), st.Close, nil
}
