package main

// This test runs in the module TestGolden builds from the golden case
// constants_and_several_types: the queue's backend, over a real socket,
// tells constants from the one other type by their bytes, drops what
// matches none, and sends any type of its Out set.

import (
	"context"
	"io"
	"reflect"
	"testing"
	"time"

	"example.com/golden/constants_and_several_types"
	"github.com/zmqgen/zmqgen/runtime"
	"github.com/zmqgen/zmqgen/runtime/nodetest"
)

func TestSeveralTypes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c := zmqgenDefaults()
	_, err := c.program().Parse([]string{"-backend.bind", "tcp://127.0.0.1:0"}, func(string) (string, bool) { return "", false }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	n := nodetest.Open(t, c.program(), c.node)
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
