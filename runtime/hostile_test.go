package runtime

// Careless and hostile peers (issue 17): each test has a peer that does
// what a careless client or an attacker would, and checks that the socket
// keeps serving a well-behaved peer throughout, and that its memory and
// its log stay within the bounds stated in the test.

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	goruntime "runtime"
	"strings"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/runtime/internal/pyzmqtest"
)

// hostileOrder is a string message, as a generated `message Order = string`.
type hostileOrder string

func (m hostileOrder) MarshalZMQ() (Msg, error) { return StringMsg(string(m)), nil }
func (m *hostileOrder) UnmarshalZMQ(msg Msg) error {
	s, err := DecodeString(msg)
	*m = hostileOrder(s)
	return err
}

// waitLog waits until the log holds n lines containing what.
func waitLog(t *testing.T, logs *logBuffer, what string, n int) {
	t.Helper()
	deadline := time.Now().Add(pyzmqtest.Timeout)
	for strings.Count(logs.String(), what) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the log has %d lines with %q, want %d:\n%s", strings.Count(logs.String(), what), what, n, logs.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// serveREP runs the loop a generated REP node runs, answering "re: " and
// the request; the loop's error, if it ends, goes to the channel. Each
// request goes to seen too, if not nil, unless it would block.
func serveREP(ctx context.Context, rep *Socket, seen ...chan<- hostileOrder) <-chan error {
	errc := make(chan error, 1)
	go func() {
		for {
			req, err := RecvValue[hostileOrder](ctx, rep)
			if err != nil {
				errc <- err
				return
			}
			for _, c := range seen {
				select {
				case c <- req:
				default:
				}
			}
			if err := SendValue(ctx, rep, hostileOrder("re: "+req)); err != nil {
				errc <- err
				return
			}
		}
	}()
	return errc
}

// A libzmq REQ sends a request of two frames where the REP expects one
// (issue 17, defect 1): the REP drops it with its envelope and serves the
// next requests. Before the fix the REP's loop ended with ErrState ("REP
// must reply before receiving the next request") and the node exited.
// Log bound: one line for the dropped request.
func TestHostileREPDropsUndecodableRequest(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	log, logs := newTestLogger()
	rep := ipSock(t, REP, WithLogger(log))
	ep := ipBind(t, rep)
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	errc := serveREP(sctx, rep)

	careless := pyzmqtest.Start(t, "REQ", "--connect", ep)
	careless.Send("What can I get", "for you?")
	waitLog(t, logs, "dropped a message that does not decode", 1)

	good := pyzmqtest.Start(t, "REQ", "--connect", ep)
	for _, order := range []string{"coffee", "tea", "cake"} {
		good.Send(order)
		if got := strs(good.Next()); len(got) != 1 || got[0] != "re: "+order {
			t.Fatalf("well-behaved REQ got %q, want [%q]", got, "re: "+order)
		}
	}
	select {
	case err := <-errc:
		t.Fatalf("the REP's serve loop ended: %v", err)
	default:
	}
	// The careless REQ sends again: the same, then a request that decodes.
	// Its REQ is still waiting for the first reply, so it needs a new socket.
	careless.Stop()
	again := pyzmqtest.Start(t, "REQ", "--connect", ep)
	again.Send("tea")
	if got := strs(again.Next()); len(got) != 1 || got[0] != "re: tea" {
		t.Fatalf("REQ got %q after a dropped request", got)
	}
	out := logs.String()
	if n := strings.Count(out, "level=WARN"); n != 1 {
		t.Errorf("%d warnings logged, want 1:\n%s", n, out)
	}
	for _, want := range []string{"frames=2", "string message has 2 frames, want 1"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "level=ERROR") {
		t.Errorf("error logged:\n%s", out)
	}
}

// A libzmq REP answers a request with two frames where the REQ expects
// one (issue 17, defect 1): RecvValue drops the reply, and the REQ waits on
// for one that decodes, as if none had come. Before the fix RecvValue
// returned ErrState ("REQ must send a request before receiving").
func TestHostileREQDropsUndecodableReply(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)

	t.Run("libzmq REP", func(t *testing.T) {
		log, logs := newTestLogger()
		rep := pyzmqtest.Start(t, "REP", "--bind", "tcp://127.0.0.1:0")
		req := ipSock(t, REQ, WithLogger(log))
		ipConnect(t, req, rep.Endpoint())
		if err := SendValue(ctx, req, hostileOrder("What can I get for you?")); err != nil {
			t.Fatal(err)
		}
		rep.Next()
		rep.Send("coffee", "and cake")
		rctx, cancel := context.WithCancel(ctx)
		errc := make(chan error, 1)
		go func() {
			_, err := RecvValue[hostileOrder](rctx, req)
			errc <- err
		}()
		waitLog(t, logs, "dropped a message that does not decode", 1)
		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Fatalf("RecvValue after an undecodable reply = %v, want context.Canceled (still waiting for the reply)", err)
		}
	})

	t.Run("libzmq ROUTER answering twice", func(t *testing.T) {
		log, logs := newTestLogger()
		router := pyzmqtest.Start(t, "ROUTER", "--bind", "tcp://127.0.0.1:0")
		req := ipSock(t, REQ, WithLogger(log))
		ipConnect(t, req, router.Endpoint())
		if err := SendValue(ctx, req, hostileOrder("order")); err != nil {
			t.Fatal(err)
		}
		m := router.Next()
		id := string(m[0])
		type result struct {
			v   hostileOrder
			err error
		}
		done := make(chan result, 1)
		go func() {
			v, err := RecvValue[hostileOrder](ctx, req)
			done <- result{v, err}
		}()
		router.Send(id, "", "coffee", "and cake")
		waitLog(t, logs, "dropped a message that does not decode", 1)
		router.Send(id, "", "tea")
		if res := <-done; res.err != nil || res.v != "tea" {
			t.Fatalf("RecvValue = %q, %v; want the reply that decodes", res.v, res.err)
		}
		// The REQ is back to its ordinary cycle.
		if err := SendValue(ctx, req, hostileOrder("more")); err != nil {
			t.Fatal(err)
		}
		m = router.Next()
		router.Send(string(m[0]), "", "cake")
		if got, err := RecvValue[hostileOrder](ctx, req); err != nil || got != "cake" {
			t.Fatalf("next request: RecvValue = %q, %v", got, err)
		}
	})
}

// A Requester (Lazy Pirate) whose server answers with a reply that does
// not decode: the reply counts as no reply, the try times out and the
// retry policy resends. Before RequestValue the generated client decoded
// after Request returned, so the error ended the node.
func TestHostileRequesterRetriesAfterUndecodableReply(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	log, logs := newTestLogger()
	router := pyzmqtest.Start(t, "ROUTER", "--bind", "tcp://127.0.0.1:0")
	retries := make(chan int, 16)
	r, err := NewRequester([]string{router.Endpoint()},
		Retry{Timeout: 300 * time.Millisecond, Tries: 20, Reopen: true, OnRetry: func(left int) { retries <- left }},
		WithLogger(log), WithName("client"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	type result struct {
		v   hostileOrder
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := RequestValue[hostileOrder](ctx, r, hostileOrder("1"))
		done <- result{v, err}
	}()
	// The first try gets a reply of two frames; every later one a good one.
	m := router.Next()
	router.Send(string(m[0]), "", "1", "and cake")
	waitLog(t, logs, "dropped a reply that does not decode", 1)
	for {
		select {
		case res := <-done:
			if res.err != nil || res.v != "1" {
				t.Fatalf("RequestValue = %q, %v; want \"1\"", res.v, res.err)
			}
			if len(retries) == 0 {
				t.Error("no retry after the undecodable reply")
			}
			return
		default:
		}
		if m, ok := router.NextWithin(50 * time.Millisecond); ok {
			router.Send(string(m[0]), "", string(m[len(m)-1]))
		}
	}
}

// nullGreeting is a ZMTP 3.0 greeting offering NULL, as a client.
func nullGreeting() []byte {
	g := make([]byte, 64)
	g[0], g[9], g[10] = 0xff, 0x7f, 3
	copy(g[12:], "NULL")
	return g
}

// readyCmd is a READY command announcing socket type typ.
func readyCmd(typ string) []byte {
	b := []byte("\x05READY\x0bSocket-Type")
	b = binary.BigEndian.AppendUint32(b, uint32(len(typ)))
	return rawFrame(flagCommand, append(b, typ...))
}

// liveHeap is the heap in use after a collection.
func liveHeap() uint64 {
	goruntime.GC()
	var m goruntime.MemStats
	goruntime.ReadMemStats(&m)
	return m.HeapAlloc
}

// growth is how far the live heap grew from before, in MB (0 if it shrank).
func growth(before uint64) float64 {
	now := liveHeap()
	if now < before {
		return 0
	}
	return float64(now-before) / (1 << 20)
}

// rawDial connects to a tcp:// endpoint with plain TCP.
func rawDial(t *testing.T, ep string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(ep, "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// flood writes frame n times to conn in large writes, stopping at the
// first error (the other side closed); it returns the bytes written.
func flood(conn net.Conn, frame []byte, n int) int64 {
	per := max(1, (1<<20)/len(frame))
	buf := make([]byte, 0, per*len(frame))
	var sent int64
	for n > 0 {
		k := min(n, per)
		buf = buf[:0]
		for range k {
			buf = append(buf, frame...)
		}
		w, err := conn.Write(buf)
		sent += int64(w)
		if err != nil {
			return sent
		}
		n -= k
	}
	return sent
}

// waitClosed waits until the other side closes conn (EOF or a reset),
// discarding what it sends; it reports false if d passes first.
func waitClosed(conn net.Conn, d time.Duration) bool {
	conn.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// goodRequests makes n requests of a well-behaved REQ connected to ep and
// checks each reply.
func goodRequests(t *testing.T, ctx context.Context, req *Socket, n int) {
	t.Helper()
	for i := range n {
		order := hostileOrder(fmt.Sprint("order ", i))
		if err := SendValue(ctx, req, order); err != nil {
			t.Fatal(err)
		}
		got, err := RecvValue[hostileOrder](ctx, req)
		if err != nil || got != "re: "+order {
			t.Fatalf("well-behaved REQ got %q, %v; want %q", got, err, "re: "+order)
		}
	}
}

// Issue 17, defect 2: after a NULL greeting, frames with MORE set kept
// zmq4's handshake appending them for the whole 30 s handshake timeout
// (server1 went from 6 MB to 106 MB RSS with 1,536 frames of 64 KiB, and
// empty frames cost 25 times what was sent). Now the handshake is bounded
// as a whole and a frame that is not a lone command closes the connection
// at its header, as libzmq does. Bounds: the live heap grows by less than
// 16 MB; one warning per attacking connection; the REP serves a
// well-behaved REQ before and after. Not parallel: it measures the heap.
func TestHostileHandshakeFlood(t *testing.T) {
	big := append([]byte{flagMore | flagLong}, binary.BigEndian.AppendUint64(nil, 64<<10)...)
	big = append(big, make([]byte, 64<<10)...)
	for _, tc := range []struct {
		name  string
		frame []byte
		n     int
	}{
		{"64 KiB frames with MORE", big, 800},                    // 50 MB
		{"empty frames with MORE", []byte{flagMore, 0}, 2 << 20}, // 4 MB
		{"64 KiB commands", rawFrame(flagCommand, make([]byte, 64<<10)), 800},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testCtx(t)
			log, logs := newTestLogger()
			rep := newSock(t, REP, WithLogger(log))
			ep := bindAny(t, rep)
			sctx, stop := context.WithCancel(context.Background())
			defer stop()
			serveREP(sctx, rep)
			req := newSock(t, REQ)
			mustConnect(t, req, ep)
			goodRequests(t, ctx, req, 3)

			before := liveHeap()
			conn := rawDial(t, ep)
			conn.Write(nullGreeting())
			sent := flood(conn, tc.frame, tc.n)
			grown := growth(before)
			closed := waitClosed(conn, handshakeTimeout*2/3)
			warns := strings.Count(logs.String(), "level=WARN")
			t.Logf("sent %.1f MB of %.1f MB; live heap +%.1f MB; closed before the handshake timeout: %v; %d warnings",
				float64(sent)/(1<<20), float64(len(tc.frame)*tc.n)/(1<<20), grown, closed, warns)
			goodRequests(t, testCtx(t), req, 3)
			if !closed {
				t.Errorf("the connection was still open after %v", handshakeTimeout*2/3)
			}
			if grown > 16 {
				t.Errorf("live heap grew by %.1f MB, want < 16 MB", grown)
			}
			if warns > 1 {
				t.Errorf("%d warnings, want at most 1:\n%s", warns, logs.String())
			}
		})
	}
}

// Issue 17, defect 3: each PING queued a PONG regardless of the
// high-water mark, so a peer sending PINGs without reading grew the heap
// without limit (server1: 6 MB to 228 MB RSS with 1.4 M PINGs). Now at most
// one PONG waits, as in libzmq. Bounds: the live heap grows by less than
// 16 MB over 1 M PINGs (25 MB sent); nothing logged; a well-behaved REQ is
// served throughout. Not parallel: it measures the heap.
func TestHostilePingFlood(t *testing.T) {
	ctx := testCtx(t)
	log, logs := newTestLogger()
	rep := newSock(t, REP, WithLogger(log))
	ep := bindAny(t, rep)
	seen := make(chan hostileOrder, 16)
	sctx, stop := context.WithCancel(context.Background())
	defer stop()
	errc := serveREP(sctx, rep, seen)
	req := newSock(t, REQ)
	mustConnect(t, req, ep)
	goodRequests(t, ctx, req, 3)

	before := liveHeap()
	conn := rawDial(t, ep)
	conn.Write(append(nullGreeting(), readyCmd("REQ")...))
	ping := rawFrame(flagCommand, []byte("\x04PING\x00\x64context-16-bytes"))
	const n = 1 << 20
	sent := make(chan int64, 1)
	go func() {
		s := flood(conn, ping, n)
		// A request after the PINGs: when the REP has it, it has read them.
		conn.Write(append(rawFrame(flagMore, nil), rawFrame(0, []byte("flood over"))...))
		sent <- s
	}()
	// The well-behaved REQ is served while the flood goes on.
	done := false
	for !done {
		goodRequests(t, ctx, req, 1)
		select {
		case r := <-seen:
			done = r == "flood over"
		case err := <-errc:
			t.Fatalf("the REP's serve loop ended: %v", err)
		default:
		}
	}
	grown := growth(before)
	s := <-sent
	goodRequests(t, ctx, req, 3)
	warns := strings.Count(logs.String(), "level=WARN")
	t.Logf("%d PINGs (%.1f MB) sent, never reading: live heap +%.1f MB; %d warnings", n, float64(s)/(1<<20), grown, warns)
	if s != int64(n*len(ping)) {
		t.Fatalf("sent %d bytes of %d", s, n*len(ping))
	}
	if grown > 16 {
		t.Errorf("live heap grew by %.1f MB, want < 16 MB", grown)
	}
	if warns > 0 {
		t.Errorf("%d warnings, want none:\n%s", warns, logs.String())
	}
}

// Issue 17, defect 4: a subscriber with 100,000 subscriptions made every
// send of the PUB walk them all (1.3 k sends/s instead of 3.3 M). The
// subscriptions now live in a trie (trie.go), where matching costs the
// length of the message's prefix; the send rate is for runtime/bench
// (scenarios topics1, topics1k, topics100k) to measure, not this test.
// This test has a raw TCP peer subscribe to 100,000 topics and checks
// that a well-behaved SUB still gets what it subscribed to, the
// attacker only what matches its subscriptions, the live heap grows by
// less than 64 MB, and nothing is logged.
func TestHostileManySubscriptions(t *testing.T) {
	ctx := testCtx(t)
	log, logs := newTestLogger()
	pub := newSock(t, PUB, WithLogger(log), WithSendHWM(100000))
	ep := bindAny(t, pub)
	before := liveHeap()

	conn := rawDial(t, ep)
	var subs []byte
	subs = append(subs, nullGreeting()...)
	subs = append(subs, readyCmd("SUB")...)
	const n = 100000
	for i := range n {
		subs = append(subs, rawFrame(0, fmt.Appendf([]byte{1}, "topic-%07d", i))...)
	}
	subs = append(subs, rawFrame(0, []byte("\x01zz"))...)
	if _, err := conn.Write(subs); err != nil {
		t.Fatal(err)
	}
	sub := newSock(t, SUB, WithSubscribe("weather", "zz"))
	mustConnect(t, sub, ep)
	attacker := newFrameReader(conn)
	skipHandshake(t, attacker)
	frames := make(chan string, 4096)
	go func() {
		defer close(frames)
		for {
			if _, err := attacker.readByte(); err != nil {
				return
			}
			size, err := attacker.readByte()
			if err != nil {
				return
			}
			b, err := attacker.next(int(size))
			if err != nil {
				return
			}
			frames <- string(b)
		}
	}()
	subGot := make(chan []string, 4096)
	go func() {
		for {
			m, err := sub.Recv(ctx)
			if err != nil {
				close(subGot)
				return
			}
			subGot <- strs(m)
		}
	}()
	// Publish probes until both have their subscriptions in: the SUB's
	// and the attacker's last one ("zz"), which came after its 100,000
	// topics.
	for subIn, attackerIn := false, false; !subIn || !attackerIn; {
		mustSend(t, ctx, pub, "zz probe")
		select {
		case <-subGot:
			subIn = true
		case <-frames:
			attackerIn = true
		case <-time.After(5 * time.Millisecond):
		}
	}
	grown := growth(before)
	for i := range 1000 {
		mustSend(t, ctx, pub, fmt.Sprint("weather ", i))
		mustSend(t, ctx, pub, fmt.Sprintf("topic-%07d %d", i*97, i))
	}
	mustSend(t, ctx, pub, "zz end")
	next := func(c chan []string) []string {
		for {
			select {
			case m := <-c:
				if !eq(m, "zz probe") {
					return m
				}
			case <-ctx.Done():
				t.Fatal(ctx.Err())
			}
		}
	}
	for i := range 1000 {
		if m := next(subGot); !eq(m, fmt.Sprint("weather ", i)) {
			t.Fatalf("SUB got %q, want weather %d", m, i)
		}
	}
	if m := next(subGot); !eq(m, "zz end") {
		t.Fatalf("SUB got %q, want the end", m)
	}
	attackerGot := make(chan []string, 4096)
	go func() {
		for f := range frames {
			attackerGot <- []string{f}
		}
	}()
	for i := range 1000 {
		if m := next(attackerGot); !eq(m, fmt.Sprintf("topic-%07d %d", i*97, i)) {
			t.Fatalf("attacker got %q", m)
		}
	}
	if m := next(attackerGot); !eq(m, "zz end") {
		t.Fatalf("attacker got %q, want the end", m)
	}
	t.Logf("%d subscriptions from one peer: live heap +%.1f MB", n, grown)
	if grown > 64 {
		t.Errorf("live heap grew by %.1f MB, want < 64 MB", grown)
	}
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("warnings logged:\n%s", logs.String())
	}
}

// skipHandshake reads the other side's greeting and READY.
func skipHandshake(t *testing.T, r *frameReader) {
	t.Helper()
	if _, err := r.next(64); err != nil {
		t.Fatal(err)
	}
	if _, err := r.readByte(); err != nil {
		t.Fatal(err)
	}
	size, err := r.readByte()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.next(int(size)); err != nil {
		t.Fatal(err)
	}
}

// warnLines counts the WARN lines of a log.
func warnLines(logs *logBuffer) int { return strings.Count(logs.String(), "level=WARN") }

// Issue 17, defect 5: conditions a careless or hostile peer repeats
// thousands of times a second are logged when they start and when they
// end, with counts, at most one pair per logInterval. Before, each probe,
// dropped reply and refusal was a warning of its own (10,000 probes made
// 10,000 lines; a REQ that never reads made server1 write 180,858 in 2 s).
func TestHostileLogFloods(t *testing.T) {
	t.Run("probes that reset before the greeting", func(t *testing.T) {
		ctx := testCtx(t)
		log, logs := newTestLogger()
		rep := newSock(t, REP, WithLogger(log))
		ep := bindAny(t, rep)
		serveREP(ctx, rep)
		const probes = 300
		for range probes {
			conn := rawDial(t, ep)
			conn.(*net.TCPConn).SetLinger(0) // close with a reset
			conn.Close()
		}
		waitStats(t, "failed handshakes", rep.Stats, func(st SocketStats) bool {
			n := uint64(0)
			for _, v := range st.HandshakeFailures {
				n += v
			}
			return n >= probes
		})
		req := newSock(t, REQ)
		mustConnect(t, req, ep)
		goodRequests(t, ctx, req, 3)
		t.Logf("%d probes: %d warnings", probes, warnLines(logs))
		if n := warnLines(logs); n > 0 {
			t.Errorf("%d warnings for %d probes, want none:\n%.2000s", n, probes, logs.String())
		}
	})

	t.Run("replies to a requester that never reads", func(t *testing.T) {
		ctx := testCtx(t)
		log, logs := newTestLogger()
		rep := newSock(t, REP, WithLogger(log), WithSendHWM(10))
		ep := bindAny(t, rep)
		big := make([]byte, 64<<10) // a few replies fill the kernel's buffers
		last := make(chan struct{})
		go func() {
			for {
				m, err := rep.Recv(ctx)
				if err != nil {
					return
				}
				if string(m[0]) == "last" {
					close(last)
				}
				if rep.Send(ctx, Msg{big}) != nil {
					return
				}
			}
		}()
		start := time.Now()
		conn := rawDial(t, ep)
		conn.Write(append(nullGreeting(), readyCmd("DEALER")...))
		const n = 2000
		req := append(rawFrame(flagMore, nil), rawFrame(0, []byte("x"))...)
		flood(conn, req, n)
		conn.Write(append(rawFrame(flagMore, nil), rawFrame(0, []byte("last"))...))
		<-last
		good := newSock(t, REQ)
		mustConnect(t, good, ep)
		for range 3 {
			mustSend(t, ctx, good, "ok")
			mustRecv(t, ctx, good)
		}
		drops := rep.Stats().Drops
		total := uint64(0)
		for _, v := range drops {
			total += v
		}
		t.Logf("%d requests never read: %d replies dropped, %d warnings", n, total, warnLines(logs))
		if total < n/2 {
			t.Fatalf("only %d replies dropped: the test did not fill the requester's queue", total)
		}
		if w := warnLines(logs); w > allowedRuns(start) {
			t.Errorf("%d warnings, want at most %d (a run's start and end per %v):\n%.2000s", w, allowedRuns(start), logInterval, logs.String())
		}
	})

	t.Run("PLAIN clients with a wrong password", func(t *testing.T) {
		ctx := testCtx(t)
		log, logs := newTestLogger()
		rep := newSock(t, REP, WithLogger(log), WithPlainServer(func(u, p string) bool { return u == "admin" && p == "secret" }))
		ep := bindAny(t, rep)
		serveREP(ctx, rep)
		for range 5 {
			bad := newSock(t, REQ, WithPlainClient("admin", "guess"), WithReconnect(Backoff{Initial: time.Millisecond}))
			mustConnect(t, bad, ep)
		}
		const refusals = 100
		waitStats(t, "refusals", rep.Stats, func(st SocketStats) bool {
			n := uint64(0)
			for _, v := range st.HandshakeFailures {
				n += v
			}
			return n >= refusals
		})
		good := newSock(t, REQ, WithPlainClient("admin", "secret"))
		mustConnect(t, good, ep)
		goodRequests(t, ctx, good, 3)
		lines := strings.Count(logs.String(), "PLAIN authentication failed")
		t.Logf("%d+ refusals: %d warnings, %d lines naming the refusal", refusals, warnLines(logs), lines)
		if w := warnLines(logs); w > 2 || lines < 1 {
			t.Errorf("%d warnings (%d refusal lines), want 1 or 2 (a refusal, and one more per %v):\n%.2000s", w, lines, logInterval, logs.String())
		}
		if strings.Contains(logs.String(), "guess") {
			t.Error("the password was logged")
		}
	})

	t.Run("a subscriber at the edge of its high-water mark", func(t *testing.T) {
		ctx := testCtx(t)
		log, logs := newTestLogger()
		pub := newSock(t, PUB, WithLogger(log), WithSendHWM(5))
		ep := bindAny(t, pub)
		sub := newSock(t, SUB, WithSubscribe(""), WithRecvHWM(5))
		mustConnect(t, sub, ep)
		got := make(chan struct{})
		go func() {
			for {
				if _, err := sub.Recv(ctx); err != nil {
					return
				}
				select {
				case got <- struct{}{}:
				default:
				}
			}
		}()
		for waiting := true; waiting; {
			mustSend(t, ctx, pub, "probe")
			select {
			case <-got:
				waiting = false
			case <-time.After(5 * time.Millisecond):
			}
		}
		start := time.Now()
		const n = 200000
		for range n {
			mustSend(t, ctx, pub, "tick")
		}
		st := pub.Stats()
		t.Logf("%d messages published, %d dropped for the subscriber: %d warnings", n, st.Drops[DropSubscriberFull], warnLines(logs))
		if w := warnLines(logs); w > allowedRuns(start) {
			t.Errorf("%d warnings, want at most %d (a run's start and end per %v):\n%.2000s", w, allowedRuns(start), logInterval, logs.String())
		}
	})
}

// allowedRuns is the most lines a run of drops may log since start: its
// start and its end, once per logInterval begun.
func allowedRuns(start time.Time) int {
	return 2 * (1 + int(time.Since(start)/logInterval))
}

// Issue 17, "also": the maximum message size counted bytes, not frames,
// so one message of millions of empty frames (2 bytes each on the wire)
// cost about 30 times what was sent. Messages now have at most 1024 frames
// by default (WithMaxFrames): the peer is disconnected at the first frame
// too many. Bounds: the live heap grows by less than 16 MB while 4 M empty
// frames (8 MB) are sent; one warning; a well-behaved PUSH is served.
// Not parallel: it measures the heap.
func TestHostileManyFrames(t *testing.T) {
	ctx := testCtx(t)
	log, logs := newTestLogger()
	pull := newSock(t, PULL, WithLogger(log))
	ep := bindAny(t, pull)
	push := newSock(t, PUSH)
	mustConnect(t, push, ep)
	mustSend(t, ctx, push, "before")
	if m := mustRecv(t, ctx, pull); !eq(m, "before") {
		t.Fatalf("got %q", m)
	}
	before := liveHeap()
	conn := rawDial(t, ep)
	conn.Write(append(nullGreeting(), readyCmd("PUSH")...))
	const n = 4 << 20
	sent := flood(conn, []byte{flagMore, 0}, n)
	conn.Write(rawFrame(0, []byte("end"))) // fails once the PULL has hung up
	// Without the bound the message is whole now, and may come first.
	mustSend(t, ctx, push, "after")
	var frames int
	var grown float64
	for {
		m := mustRecv(t, ctx, pull)
		if eq(m, "after") {
			break
		}
		frames = len(m)
		grown = growth(before)
		goruntime.KeepAlive(m)
	}
	if frames == 0 {
		grown = growth(before)
	}
	closed := waitClosed(conn, testTimeout/2)
	t.Logf("%d empty frames in one message: %.1f MB sent, live heap +%.1f MB, delivered with %d frames, closed: %v, %d warnings",
		n, float64(sent)/(1<<20), grown, frames, closed, warnLines(logs))
	if !closed {
		t.Error("the connection is still open")
	}
	if grown > 16 {
		t.Errorf("live heap grew by %.1f MB, want < 16 MB", grown)
	}
	if w := warnLines(logs); w != 1 || !strings.Contains(logs.String(), "more than 1024 frames") {
		t.Errorf("%d warnings, want 1 about the frames:\n%s", w, logs.String())
	}
}

// TestIdleConnectionHeap reports what an idle connection costs a bound
// socket (issue 17: about 212 KB of heap each, most of it never touched).
// It is a measurement, printed with -v; the bound it checks is loose
// (1 MB per connection), so that only a leak fails it.
func TestIdleConnectionHeap(t *testing.T) {
	pull := newSock(t, PULL)
	ep := bindAny(t, pull)
	before := liveHeap()
	const n = 200
	for range n {
		conn := rawDial(t, ep)
		conn.Write(append(nullGreeting(), readyCmd("PUSH")...))
	}
	waitStats(t, "connections", pull.Stats, func(st SocketStats) bool { return st.Peers >= n })
	per := growth(before) * (1 << 20) / n
	t.Logf("%d idle connections: %.1f KB of live heap each", n, per/1024)
	if per > 1<<20 {
		t.Errorf("%.0f KB per idle connection", per/1024)
	}
}
