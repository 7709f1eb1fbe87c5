package runtime

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"
)

// testTimeout is generous: the tests must pass on two busy cores.
const testTimeout = 20 * time.Second

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

func quietLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// newSock returns a socket closed at the end of the test.
func newSock(t *testing.T, typ Type, opts ...Option) *Socket {
	t.Helper()
	opts = append([]Option{WithLogger(quietLogger()), WithName(t.Name() + "." + typ.String())}, opts...)
	s := NewSocket(typ, opts...)
	t.Cleanup(func() { s.Close() })
	return s
}

// subscribedPeers is the number of a PUB's or XPUB's peers subscribed to
// topic.
func subscribedPeers(c *engine, topic string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var x *xpub
	switch r := c.routing.(type) {
	case *xpub:
		x = r
	case *pub:
		x = r.xpub
	}
	if n := x.subs.get(topic); n != nil {
		return len(n.peers)
	}
	return 0
}

// bindAny binds s to 127.0.0.1 on a free port and returns the endpoint.
func bindAny(t *testing.T, s *Socket) string {
	t.Helper()
	if err := s.Bind("tcp://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	a := s.Addrs()
	return a[len(a)-1]
}

func mustConnect(t *testing.T, s *Socket, ep string) {
	t.Helper()
	if err := s.Connect(ep); err != nil {
		t.Fatal(err)
	}
}

func mustSend(t *testing.T, ctx context.Context, s *Socket, frames ...string) {
	t.Helper()
	if err := s.Send(ctx, strMsg(frames...)); err != nil {
		t.Fatalf("%v send %q: %v", s.Type(), frames, err)
	}
}

func mustRecv(t *testing.T, ctx context.Context, s *Socket) []string {
	t.Helper()
	m, err := s.Recv(ctx)
	if err != nil {
		if ctx.Err() != nil {
			dumpState(t, s)
		}
		t.Fatalf("%v recv: %v", s.Type(), err)
	}
	return msgStrs(m)
}

func strMsg(frames ...string) Msg {
	m := make(Msg, len(frames))
	for i, f := range frames {
		m[i] = []byte(f)
	}
	return m
}

func msgStrs(m Msg) []string {
	s := make([]string, len(m))
	for i, f := range m {
		s[i] = string(f)
	}
	return s
}

func eq(a []string, b ...string) bool {
	return fmt.Sprintf("%q", a) == fmt.Sprintf("%q", b)
}

// waitPeers waits until s has n connected peers.
func waitPeers(t *testing.T, s *Socket, n int) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for s.c.peerCount() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%v: %d peers, want %d", s.Type(), s.c.peerCount(), n)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitSubscribed waits until n of PUB or XPUB s's peers are subscribed to
// topic.
func waitSubscribed(t *testing.T, s *Socket, topic string, n int) {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for subscribedPeers(s.c, topic) != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d peers subscribed to %q, want %d", subscribedPeers(s.c, topic), topic, n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestPushPull(t *testing.T) {
	ctx := testCtx(t)
	pull := newSock(t, PULL)
	push := newSock(t, PUSH)
	mustConnect(t, push, bindAny(t, pull))
	for i := 0; i < 100; i++ {
		mustSend(t, ctx, push, fmt.Sprint(i), "second frame")
	}
	for i := 0; i < 100; i++ {
		if got := mustRecv(t, ctx, pull); !eq(got, fmt.Sprint(i), "second frame") {
			t.Fatalf("message %d: got %q", i, got)
		}
	}
}

func TestReqRep(t *testing.T) {
	ctx := testCtx(t)
	rep := newSock(t, REP)
	req := newSock(t, REQ)
	mustConnect(t, req, bindAny(t, rep))
	for i := 0; i < 20; i++ {
		mustSend(t, ctx, req, "hello", fmt.Sprint(i))
		if got := mustRecv(t, ctx, rep); !eq(got, "hello", fmt.Sprint(i)) {
			t.Fatalf("REP got %q", got)
		}
		mustSend(t, ctx, rep, "world", fmt.Sprint(i))
		if got := mustRecv(t, ctx, req); !eq(got, "world", fmt.Sprint(i)) {
			t.Fatalf("REQ got %q", got)
		}
	}
}

// A message matching several of a subscriber's prefixes reaches it once,
// as in libzmq.
func TestPubSendsOnceForOverlappingSubscriptions(t *testing.T) {
	ctx := testCtx(t)
	pub := newSock(t, PUB)
	sub := newSock(t, SUB, WithSubscribe("a", "ab", "abc", "x"))
	other := newSock(t, SUB, WithSubscribe("ab"))
	ep := bindAny(t, pub)
	mustConnect(t, sub, ep)
	mustConnect(t, other, ep)
	// Probe until both subscribers are in (the slow joiner): a SUB sends
	// its subscriptions in byte order, so a probe only its last one
	// matches ("x") says all of them arrived.
	for _, c := range []struct {
		s     *Socket
		probe string
	}{{sub, "x probe"}, {other, "ab probe"}} {
		got := make(chan struct{})
		go func() {
			for {
				m, err := c.s.Recv(ctx)
				if err != nil {
					return
				}
				if string(m[0]) == c.probe {
					close(got)
					return
				}
			}
		}()
		for done := false; !done; {
			mustSend(t, ctx, pub, c.probe)
			select {
			case <-got:
				done = true
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	for i := range 3 {
		mustSend(t, ctx, pub, fmt.Sprint("abcd ", i))
	}
	mustSend(t, ctx, pub, "x end")
	mustSend(t, ctx, pub, "ab end")
	for _, s := range []*Socket{sub, other} {
		var got []string
		for {
			m := mustRecv(t, ctx, s)
			if strings.HasSuffix(m[0], " probe") {
				continue
			}
			if m[0] == "ab end" {
				break
			}
			got = append(got, m[0])
		}
		want := []string{"abcd 0", "abcd 1", "abcd 2"}
		if s == sub {
			want = append(want, "x end")
		}
		if !slices.Equal(got, want) {
			t.Errorf("subscriber got %q, want %q", got, want)
		}
	}
}

func TestPubSub(t *testing.T) {
	ctx := testCtx(t)
	pub := newSock(t, PUB)
	sub := newSock(t, SUB, WithSubscribe("weather."))
	mustConnect(t, sub, bindAny(t, pub))
	// The subscription travels after the connection: publish until the
	// first matching message arrives (the slow joiner), then check order.
	got := make(chan []string, 1)
	go func() {
		m, err := sub.Recv(ctx)
		if err == nil {
			got <- msgStrs(m)
		}
		close(got)
	}()
	for done := false; !done; {
		mustSend(t, ctx, pub, "sports.x", "no")
		mustSend(t, ctx, pub, "weather.first", "yes")
		select {
		case m := <-got:
			if !eq(m, "weather.first", "yes") {
				t.Fatalf("SUB got %q", m)
			}
			done = true
		case <-time.After(5 * time.Millisecond):
		}
	}
	mustSend(t, ctx, pub, "sports.y", "no")
	mustSend(t, ctx, pub, "weather.last", "yes")
	for {
		m := mustRecv(t, ctx, sub)
		if m[0] == "weather.last" {
			break
		}
		if m[0] != "weather.first" {
			t.Fatalf("SUB got %q, not subscribed", m)
		}
	}
}
