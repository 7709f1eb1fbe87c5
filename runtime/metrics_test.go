package runtime

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var testNameSeq atomic.Int64

// uniqueName names a socket so that its counters are its own: counters
// belong to a socket name, for the whole process.
func uniqueName(t *testing.T, what string) string {
	return fmt.Sprintf("%s.%s%d", strings.ReplaceAll(t.Name(), "/", "."), what, testNameSeq.Add(1))
}

// waitStats polls s's counters until ok accepts them.
func waitStats(t *testing.T, what string, get func() SocketStats, ok func(SocketStats) bool) SocketStats {
	t.Helper()
	deadline := time.Now().Add(testTimeout)
	for {
		st := get()
		if ok(st) {
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %+v", what, st)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// drain receives from s until the sender has written everything it queued,
// s's reader has read all of it, and s holds none of it: it returns how
// many messages it received.
func drain(t *testing.T, s, sender *Socket) int {
	t.Helper()
	n := 0
	deadline := time.Now().Add(testTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		_, err := s.Recv(ctx)
		cancel()
		if err == nil {
			n++
			continue
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatal(err)
		}
		ss, rs := sender.Stats(), s.Stats()
		if ss.QueueOut == 0 && rs.MsgsIn == ss.MsgsOut && rs.QueueIn == 0 {
			if uint64(n) != rs.MsgsIn {
				t.Fatalf("received %d messages, the reader counted %d", n, rs.MsgsIn)
			}
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("drain: received %d; sender %+v; receiver %+v", n, ss, rs)
		}
	}
}

// TestDropCountersStalledSubscriber floods a subscriber that does not read:
// PUB's subscriber_full drops are exactly what was published and not received.
func TestDropCountersStalledSubscriber(t *testing.T) {
	ctx := testCtx(t)
	pub := newSock(t, PUB, WithName(uniqueName(t, "pub")), WithSendHWM(10))
	sub := newSock(t, SUB, WithName(uniqueName(t, "sub")), WithSubscribe(""), WithRecvHWM(10))
	mustConnect(t, sub, bindAny(t, pub))
	waitSubscribed(t, pub, "", 1)
	const sent = 4000
	body := make([]byte, 16<<10) // 64 MB in all: more than the kernel buffers
	for i := 0; i < sent; i++ {
		if err := pub.Send(ctx, Msg{body}); err != nil {
			t.Fatal(err)
		}
	}
	got := drain(t, sub, pub)
	st := pub.Stats()
	drops := st.Drops[DropSubscriberFull]
	t.Logf("published %d, received %d, dropped %d", sent, got, drops)
	if drops == 0 {
		t.Fatal("nothing dropped: the flood did not fill the subscriber")
	}
	if drops != uint64(sent-got) {
		t.Fatalf("subscriber_full drops = %d, want sent-received = %d", drops, sent-got)
	}
	if st.MsgsOut != uint64(got) || st.BytesOut != uint64(got*len(body)) {
		t.Fatalf("PUB counted %d messages, %d bytes out; %d were received", st.MsgsOut, st.BytesOut, got)
	}
	for r, n := range st.Drops {
		if DropReason(r) != DropSubscriberFull && n != 0 {
			t.Errorf("%v drops = %d, want 0", DropReason(r), n)
		}
	}
}

// TestDropCountersPushNoRoom sends without waiting (a tiny send timeout) to
// a PULL that does not read: the hwm drops are exactly the sends that
// failed, which are what was sent and not received.
func TestDropCountersPushNoRoom(t *testing.T) {
	pull := newSock(t, PULL, WithName(uniqueName(t, "pull")), WithRecvHWM(10))
	push := newSock(t, PUSH, WithName(uniqueName(t, "push")), WithSendHWM(10), WithSendTimeout(time.Microsecond))
	mustConnect(t, push, bindAny(t, pull))
	waitPeers(t, push, 1)
	const sent = 3000
	body := make([]byte, 16<<10)
	failed := 0
	for i := 0; i < sent; i++ {
		err := push.Send(context.Background(), Msg{body})
		if errors.Is(err, ErrTimeout) {
			failed++
		} else if err != nil {
			t.Fatal(err)
		}
	}
	got := drain(t, pull, push)
	st := push.Stats()
	drops := st.Drops[DropHWM]
	t.Logf("sent %d, failed %d, received %d, dropped %d", sent, failed, got, drops)
	if failed == 0 {
		t.Fatal("no send failed: the PULL never stopped taking messages")
	}
	if drops != uint64(failed) || drops != uint64(sent-got) {
		t.Fatalf("hwm drops = %d; failed sends %d; sent-received %d", drops, failed, sent-got)
	}
	if ps := pull.Stats(); ps.MsgsIn != uint64(got) || ps.BytesIn != uint64(got*len(body)) {
		t.Fatalf("PULL counted %d messages, %d bytes in; received %d", ps.MsgsIn, ps.BytesIn, got)
	}
}

// nextEvent returns the next event of ch that is not EventListening.
func nextEvent(t *testing.T, ch <-chan Event) Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("event channel closed")
		}
		return ev
	case <-time.After(testTimeout):
		t.Fatal("no event")
	}
	panic("unreachable")
}

// TestEventsKillAndReconnect stops the peer a PUSH is connected to and
// starts a new one on the same port: the PUSH reports disconnected, connect
// retried (at least once) and connected, in that order, and counts it.
func TestEventsKillAndReconnect(t *testing.T) {
	ctx := testCtx(t)
	push := newSock(t, PUSH, WithName(uniqueName(t, "push")))
	events, stop := push.Monitor(64)
	defer stop()
	pull := NewSocket(PULL, WithLogger(quietLogger()))
	ep := bindAny(t, pull)
	mustConnect(t, push, ep)
	if ev := nextEvent(t, events); ev.Type != EventConnected || ev.Endpoint != ep {
		t.Fatalf("first event %v %q, want connected %q", ev.Type, ev.Endpoint, ep)
	}
	mustSend(t, ctx, push, "before")
	if got := mustRecv(t, ctx, pull); !eq(got, "before") {
		t.Fatal(got)
	}
	pull.Close() // the peer goes away
	ev := nextEvent(t, events)
	if ev.Type != EventDisconnected || ev.Endpoint != ep || ev.Err == nil {
		t.Fatalf("after the peer left: %v %q %v, want disconnected with a reason", ev.Type, ev.Endpoint, ev.Err)
	}
	if ev = nextEvent(t, events); ev.Type != EventConnectRetried || ev.Wait <= 0 {
		t.Fatalf("then %v (wait %v), want connect_retried", ev.Type, ev.Wait)
	}
	pull2 := newSock(t, PULL)
	if err := pull2.Bind(ep); err != nil {
		t.Fatal(err)
	}
	for {
		ev = nextEvent(t, events)
		if ev.Type != EventConnectRetried {
			break
		}
	}
	if ev.Type != EventConnected || ev.Endpoint != ep || ev.Remote == "" {
		t.Fatalf("then %v %q, want connected", ev.Type, ev.Endpoint)
	}
	mustSend(t, ctx, push, "after")
	if got := mustRecv(t, ctx, pull2); !eq(got, "after") {
		t.Fatal(got)
	}
	st := push.Stats()
	if st.Connected != 2 || st.Reconnects != 1 || st.Disconnects != 1 || st.Peers != 1 {
		t.Fatalf("connected %d reconnects %d disconnects %d peers %d, want 2 1 1 1",
			st.Connected, st.Reconnects, st.Disconnects, st.Peers)
	}
	if st.MsgsOut != 2 || len(st.Links) != 1 || st.Links[0].Peer != ep || st.Links[0].MsgsOut != 2 || !st.Links[0].Connected {
		t.Fatalf("out %d, links %+v: want 2 messages through the one link %s", st.MsgsOut, st.Links, ep)
	}
	push.Close()
	if ev = nextEvent(t, events); ev.Type != EventClosed {
		t.Fatalf("after Close: %v, want closed", ev.Type)
	}
	if _, ok := <-events; ok {
		t.Fatal("the channel stays open after closed")
	}
}

// TestEventsBindSide sees a bound socket accept a peer, lose it, and count
// a peer whose handshake is garbage.
func TestEventsBindSide(t *testing.T) {
	pull := newSock(t, PULL, WithName(uniqueName(t, "pull")))
	events, stop := pull.Monitor(16)
	defer stop()
	ep := bindAny(t, pull)
	if ev := nextEvent(t, events); ev.Type != EventListening || ev.Endpoint != ep {
		t.Fatalf("%v %q, want listening %q", ev.Type, ev.Endpoint, ep)
	}
	push := NewSocket(PUSH, WithLogger(quietLogger()))
	mustConnect(t, push, ep)
	ev := nextEvent(t, events)
	if ev.Type != EventAccepted || ev.Remote == "" {
		t.Fatalf("%v, want accepted", ev.Type)
	}
	push.Close()
	if ev = nextEvent(t, events); ev.Type != EventDisconnected {
		t.Fatalf("%v, want disconnected", ev.Type)
	}
	conn, err := net.Dial("tcp", strings.TrimPrefix(ep, "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	conn.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n" + strings.Repeat("x", 64)))
	if ev = nextEvent(t, events); ev.Type != EventHandshakeFailed || ev.Reason != HandshakeProtocol {
		t.Fatalf("%v (%v: %v), want handshake_failed protocol", ev.Type, ev.Reason, ev.Err)
	}
	conn.Close()
	st := pull.Stats()
	if st.Accepted != 1 || st.Disconnects != 1 || st.HandshakeFailures[HandshakeProtocol] != 1 || len(st.Links) != 0 {
		t.Fatalf("accepted %d, disconnects %d, protocol failures %d, links %v", st.Accepted, st.Disconnects, st.HandshakeFailures[HandshakeProtocol], st.Links)
	}
}

// TestHandshakeFailureAuth counts a PLAIN client with the wrong password
// as an auth failure, on both sides.
func TestHandshakeFailureAuth(t *testing.T) {
	server := newSock(t, PULL, WithName(uniqueName(t, "server")),
		WithPlainServer(func(u, p string) bool { return u == "admin" && p == "secret" }))
	client := newSock(t, PUSH, WithName(uniqueName(t, "client")), WithPlainClient("admin", "wrong"))
	events, stop := client.Monitor(16)
	defer stop()
	mustConnect(t, client, bindAny(t, server))
	for {
		ev := nextEvent(t, events)
		if ev.Type == EventHandshakeFailed {
			if ev.Reason != HandshakeAuth {
				t.Fatalf("client: reason %v (%v), want auth", ev.Reason, ev.Err)
			}
			break
		}
	}
	waitStats(t, "the server's auth failure", server.Stats, func(s SocketStats) bool { return s.HandshakeFailures[HandshakeAuth] > 0 })
}

// TestSlowMonitorNeverBlocks: a subscriber that never reads does not hold
// the socket up, and learns how many events it missed.
func TestSlowMonitorNeverBlocks(t *testing.T) {
	ctx := testCtx(t)
	pull := newSock(t, PULL, WithName(uniqueName(t, "pull")))
	events, stop := pull.Monitor(1)
	defer stop()
	ep := bindAny(t, pull) // listening: fills the buffer
	for i := 0; i < 5; i++ {
		push := NewSocket(PUSH, WithLogger(quietLogger()))
		mustConnect(t, push, ep)
		mustSend(t, ctx, push, "x")
		mustRecv(t, ctx, pull)
		push.Close()
	}
	waitStats(t, "5 disconnects", pull.Stats, func(s SocketStats) bool { return s.Disconnects == 5 })
	if ev := nextEvent(t, events); ev.Type != EventListening {
		t.Fatalf("%v, want listening", ev.Type)
	}
	pull.Close()
	ev := nextEvent(t, events)
	if ev.Type != EventClosed || ev.Missed != 10 {
		t.Fatalf("%v, missed %d; want closed having missed 10 (5 accepted, 5 disconnected)", ev.Type, ev.Missed)
	}
}

// TestRequesterCountersDeadServer: a requester whose server is dead counts
// every retry and every request it gives up, in both modes; a live one
// records its round trips.
func TestRequesterCountersDeadServer(t *testing.T) {
	for _, reopen := range []bool{true, false} {
		t.Run(fmt.Sprintf("reopen=%v", reopen), func(t *testing.T) {
			ctx := testCtx(t)
			// A REP that accepts connections and never answers: dead.
			dead := newSock(t, REP)
			ep := bindAny(t, dead)
			r, err := NewRequester([]string{ep}, Retry{Timeout: 30 * time.Millisecond, Tries: 3, Reopen: reopen},
				WithName(uniqueName(t, "client")), WithLogger(quietLogger()))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			const requests = 2
			for i := 0; i < requests; i++ {
				if _, err := r.Request(ctx, strMsg("hello")); !errors.Is(err, ErrNoReply) {
					t.Fatalf("request %d: %v, want ErrNoReply", i, err)
				}
			}
			st := r.Stats()
			if st.Retries != requests*2 || st.GiveUps != requests || st.RTTCount != 0 {
				t.Fatalf("retries %d, give-ups %d, round trips %d; want %d, %d, 0", st.Retries, st.GiveUps, st.RTTCount, requests*2, requests)
			}

			live := newSock(t, REP)
			lep := bindAny(t, live)
			go func() {
				for {
					m, err := live.Recv(context.Background())
					if err != nil {
						return
					}
					live.Send(context.Background(), m)
				}
			}()
			r2, err := NewRequester([]string{lep}, Retry{Timeout: testTimeout, Tries: 1, Reopen: reopen},
				WithName(uniqueName(t, "client")), WithLogger(quietLogger()))
			if err != nil {
				t.Fatal(err)
			}
			defer r2.Close()
			for i := 0; i < 5; i++ {
				if _, err := r2.Request(ctx, strMsg("ping")); err != nil {
					t.Fatal(err)
				}
			}
			st = r2.Stats()
			if st.RTTCount != 5 || st.RTTSum <= 0 || st.Retries != 0 || st.GiveUps != 0 || st.MsgsOut != 5 || st.MsgsIn != 5 {
				t.Fatalf("round trips %d (sum %v), retries %d, give-ups %d, out %d, in %d; want 5 round trips, 5 out, 5 in",
					st.RTTCount, st.RTTSum, st.Retries, st.GiveUps, st.MsgsOut, st.MsgsIn)
			}
		})
	}
}

// TestStatsRouterNoRouteAndUndecodable counts a ROUTER message for an
// unknown identity and a message RecvValue cannot decode.
func TestStatsRouterNoRouteAndUndecodable(t *testing.T) {
	ctx := testCtx(t)
	router := newSock(t, ROUTER, WithName(uniqueName(t, "router")))
	router.Bind("tcp://127.0.0.1:0")
	if err := router.Send(ctx, strMsg("nobody", "hi")); err != nil {
		t.Fatal(err)
	}
	if n := router.Stats().Drops[DropNoRoute]; n != 1 {
		t.Fatalf("no_route drops = %d, want 1", n)
	}
	pull, push := connected(t, PULL, PUSH, []Option{WithName(uniqueName(t, "pull"))}, nil)
	mustSend(t, ctx, push, "two", "frames")
	mustSend(t, ctx, push, "good")
	v, err := RecvValue[oneFrame](ctx, pull)
	if err != nil || string(v) != "good" {
		t.Fatalf("%q %v", v, err)
	}
	if n := pull.Stats().Drops[DropUndecodable]; n != 1 {
		t.Fatalf("undecodable drops = %d, want 1", n)
	}
}

type oneFrame string

func (f *oneFrame) UnmarshalZMQ(m Msg) error {
	s, err := DecodeString(m)
	*f = oneFrame(s)
	return err
}
