package main

// This test runs in the module TestGolden builds from the golden case
// sockets_of_every_type: a SUB socket's filters come from the .ztopo or
// -<sock>.subscribe, and Subscriptions follows Subscribe and Unsubscribe.

import (
	"context"
	"io"
	"reflect"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/runtime"
	"github.com/zmqgen/zmqgen/runtime/nodetest"
)

func TestSubscribeFlag(t *testing.T) {
	env := map[string]string{"VISITOR_EVERYTHING_SUBSCRIBE": "x,y"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	for _, tt := range []struct {
		args             []string
		listen, everyone []string
	}{
		{nil, []string{"10001", "10002"}, []string{"x", "y"}},
		{[]string{"-listen.subscribe", "2,3", "-listen.subscribe", "4 "}, []string{"2", "3", "4 "}, []string{"x", "y"}},
		{[]string{"-listen.subscribe="}, []string{""}, []string{"x", "y"}},
		{[]string{"-everything.subscribe", "z"}, []string{"10001", "10002"}, []string{"z"}},
	} {
		c := zmqgenDefaults()
		_, err := c.program().Parse(tt.args, lookup, io.Discard)
		if err != nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		if !reflect.DeepEqual(c.Listen.Subscribe, tt.listen) || !reflect.DeepEqual(c.Everything.Subscribe, tt.everyone) {
			t.Errorf("%q: listen %q, everything %q; want %q, %q", tt.args, c.Listen.Subscribe, c.Everything.Subscribe, tt.listen, tt.everyone)
		}
	}
}

func TestSubscriptions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pub := runtime.NewSocket(runtime.PUB)
	defer pub.Close()
	if err := pub.Bind("tcp://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	c := zmqgenDefaults()
	_, err := c.program().Parse([]string{"-listen.connect", pub.Addrs()[0], "-listen.subscribe", "B"}, func(string) (string, bool) { return "", false }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	// Only the socket under test connects anywhere.
	c.Ask.Connect, c.Everything.Connect, c.Mail.Connect, c.Work.Connect, c.Drop.Connect, c.Xsub.Connect, c.Buddy.Connect = nil, nil, nil, nil, nil, nil, nil
	n := nodetest.Open(t, c.program(), c.node)
	if got := n.Listen.Subscriptions(); !reflect.DeepEqual(got, []string{"B"}) {
		t.Errorf("Subscriptions() = %q, want the flag's [B]", got)
	}
	// A PUB drops what no subscriber wants yet, so publish until the
	// subscription has arrived; only B passes the filter.
	got := make(chan string, 1)
	go func() {
		m, err := n.Listen.Recv(ctx)
		if err != nil {
			m = err.Error()
		}
		got <- m
	}()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
wait:
	for {
		for _, m := range []string{"A1", "B1"} {
			if err := pub.Send(ctx, runtime.Msg{[]byte(m)}); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case m := <-got:
			if m != "B1" {
				t.Errorf("Recv = %q, want B1", m)
			}
			break wait
		case <-tick.C:
		case <-ctx.Done():
			t.Fatal("nothing received")
		}
	}
	if err := n.Listen.Subscribe("A"); err != nil {
		t.Fatal(err)
	}
	if err := n.Listen.Unsubscribe("B"); err != nil {
		t.Fatal(err)
	}
	if got := n.Listen.Subscriptions(); !reflect.DeepEqual(got, []string{"A"}) {
		t.Errorf("after Subscribe(A) and Unsubscribe(B), Subscriptions() = %q, want [A]", got)
	}
}
