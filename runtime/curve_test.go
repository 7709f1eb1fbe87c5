package runtime

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/nacl/box"

	"github.com/zmqgen/zmqgen/runtime/internal/pyzmqtest"
)

func TestZ85(t *testing.T) {
	// The test vector of ZeroMQ RFC 32.
	b := []byte{0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B}
	if got := z85Encode(b); got != "HelloWorld" {
		t.Errorf("z85Encode = %q, want HelloWorld", got)
	}
	if got, err := z85Decode("HelloWorld"); err != nil || !bytes.Equal(got, b) {
		t.Errorf("z85Decode = %x, %v", got, err)
	}
	for _, bad := range []string{"Hell", "Hell\"World", "%%%%%", "####$"} {
		if _, err := z85Decode(bad); err == nil {
			t.Errorf("z85Decode(%q) succeeded", bad)
		}
	}
}

func TestCurveKeys(t *testing.T) {
	kp := mustKeyPair(t)
	if pub, err := ParseCurvePublicKey(kp.Public.String()); err != nil || pub != kp.Public {
		t.Fatalf("public key round trip: %v", err)
	}
	sec, err := ParseCurveSecretKey(kp.Secret.Z85())
	if err != nil || sec != kp.Secret {
		t.Fatalf("secret key round trip: %v", err)
	}
	for _, s := range []string{fmt.Sprint(kp.Secret), fmt.Sprintf("%v %+v %#v %s %x", kp, kp, kp, kp.Secret, kp.Secret)} {
		if strings.Contains(s, kp.Secret.Z85()) || strings.Contains(s, fmt.Sprintf("%x", kp.Secret.b[:4])) {
			t.Errorf("secret printed: %s", s)
		}
	}
	if _, err := ParseCurvePublicKey("short"); err == nil || !strings.Contains(err.Error(), "40 (Z85)") {
		t.Errorf("short key: %v", err)
	}
	_, err = ParseCurveSecretKey(strings.Repeat("#", 40))
	if err == nil || strings.Contains(err.Error(), "####") {
		t.Errorf("bad secret key error %v quotes the input or is nil", err)
	}
}

func TestCurveCertificates(t *testing.T) {
	dir := t.TempDir()
	kp := mustKeyPair(t)
	pub, sec, err := WriteCurveCertificate(dir, "worker", kp)
	if err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(sec); st.Mode().Perm() != 0o600 {
		t.Errorf("secret certificate mode %v", st.Mode().Perm())
	}
	if _, _, err := WriteCurveCertificate(dir, "worker", mustKeyPair(t)); !errors.Is(err, os.ErrExist) {
		t.Errorf("second write: %v, want ErrExist", err)
	}
	got, hasSecret, err := LoadCurveCertificate(sec)
	if err != nil || !hasSecret || got != kp {
		t.Fatalf("load secret: %v %v", hasSecret, err)
	}
	got, hasSecret, err = LoadCurveCertificate(pub)
	if err != nil || hasSecret || got.Public != kp.Public {
		t.Fatalf("load public: %v %v", hasSecret, err)
	}
	os.Chmod(sec, 0o644)
	if _, _, err := LoadCurveCertificate(sec); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("readable secret file: %v", err)
	}
	keys, err := LoadCurveAllowDir(dir)
	if err != nil || len(keys) != 1 || keys[0] != kp.Public {
		t.Errorf("allow dir: %v %v", keys, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("files left behind: %v", entries)
	}
	if _, _, err := WriteCurveCertificate(filepath.Join(dir, "missing"), "x", kp); err == nil {
		t.Error("writing into a missing directory succeeded")
	}
}

func mustKeyPair(t testing.TB) CurveKeyPair {
	t.Helper()
	kp, err := GenerateCurveKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

// TestCurveBetweenOurSockets runs PUSH→PULL and REQ→REP over CURVE with the
// server binding and with the server connecting.
func TestCurveBetweenOurSockets(t *testing.T) {
	server, client := mustKeyPair(t), mustKeyPair(t)
	for _, serverBinds := range []bool{true, false} {
		t.Run(fmt.Sprint("server binds ", serverBinds), func(t *testing.T) {
			ctx := testCtx(t)
			sopt := WithCurveServer(server)
			copt := WithCurveClient(client, server.Public)
			var pull, push *Socket
			if serverBinds {
				pull, push = connected(t, PULL, PUSH, []Option{sopt}, []Option{copt})
			} else {
				pull, push = connected(t, PULL, PUSH, []Option{copt}, []Option{sopt})
			}
			big := strings.Repeat("x", 70000)
			mustSend(t, ctx, push, "a", "", "c")
			mustSend(t, ctx, push, big)
			for i := 0; i < 500; i++ {
				mustSend(t, ctx, push, fmt.Sprint(i))
			}
			if got := mustRecv(t, ctx, pull); !slices.Equal(got, []string{"a", "", "c"}) {
				t.Errorf("got %q", got)
			}
			if got := mustRecv(t, ctx, pull); len(got) != 1 || got[0] != big {
				t.Errorf("big message garbled")
			}
			for i := 0; i < 500; i++ {
				if got := mustRecv(t, ctx, pull); got[0] != fmt.Sprint(i) {
					t.Fatalf("got %q, want %d", got, i)
				}
			}
			rep, req := connected(t, REP, REQ, []Option{sopt}, []Option{copt})
			for i := 0; i < 20; i++ {
				mustSend(t, ctx, req, fmt.Sprint("q", i))
				mustRecv(t, ctx, rep)
				mustSend(t, ctx, rep, fmt.Sprint("a", i))
				if got := mustRecv(t, ctx, req); got[0] != fmt.Sprint("a", i) {
					t.Fatalf("got %q", got)
				}
			}
		})
	}
}

func TestCurveRefusals(t *testing.T) {
	server, client, other := mustKeyPair(t), mustKeyPair(t), mustKeyPair(t)
	t.Run("unknown client key", func(t *testing.T) {
		log, logs := newTestLogger()
		pull := newSock(t, PULL, WithName("sink.in"), WithLogger(log), WithCurveServer(server), WithAllowKeys(client.Public))
		ep := bindAny(t, pull)
		intruder := newSock(t, PUSH, WithCurveClient(other, server.Public))
		mustConnect(t, intruder, ep)
		friend := newSock(t, PUSH, WithCurveClient(client, server.Public))
		mustConnect(t, friend, ep)
		ctx := testCtx(t)
		mustSend(t, ctx, friend, "hello")
		if got := mustRecv(t, ctx, pull); got[0] != "hello" {
			t.Errorf("got %q", got)
		}
		waitLog(t, logs, "client key not allowed", 1)
		out := logs.String()
		if !strings.Contains(out, other.Public.String()) || !strings.Contains(out, other.Public.Fingerprint()) {
			t.Errorf("refusal does not name the key: %s", out)
		}
		for _, kp := range []CurveKeyPair{server, client, other} {
			if strings.Contains(out, kp.Secret.Z85()) {
				t.Errorf("a secret key was logged: %s", out)
			}
		}
		if intruder.c.peerCount() != 0 {
			t.Error("the refused client is connected")
		}
	})
	t.Run("wrong server key", func(t *testing.T) {
		pull := newSock(t, PULL, WithCurveServer(server))
		ep := bindAny(t, pull)
		log, logs := newTestLogger()
		push := newSock(t, PUSH, WithLogger(log), WithCurveClient(client, other.Public))
		mustConnect(t, push, ep)
		waitLog(t, logs, "handshake failed", 1)
		if pull.c.peerCount() != 0 || push.c.peerCount() != 0 {
			t.Error("connected with the wrong server key")
		}
	})
}

// TestAllowAddrs: a source-address allow-list refuses peers from elsewhere
// with every mechanism, and a libzmq client sees an authentication failure.
func TestAllowAddrs(t *testing.T) {
	server, client := mustKeyPair(t), mustKeyPair(t)
	elsewhere := netip.MustParsePrefix("10.0.0.0/8")
	loopback := netip.MustParsePrefix("127.0.0.0/8")
	check := func(u, p string) bool { return u == "u" && p == "p" }
	mechs := []struct {
		name     string
		srv, cli Option
	}{
		{"NULL", WithName("null"), WithName("null")},
		{"PLAIN", WithPlainServer(check), WithPlainClient("u", "p")},
		{"CURVE", WithCurveServer(server), WithCurveClient(client, server.Public)},
	}
	for _, m := range mechs {
		t.Run(m.name, func(t *testing.T) {
			ctx := testCtx(t)
			log, logs := newTestLogger()
			refusing := newSock(t, PULL, WithLogger(log), m.srv, WithAllowAddrs(elsewhere))
			push := newSock(t, PUSH, m.cli)
			mustConnect(t, push, bindAny(t, refusing))
			waitLog(t, logs, "not allowed, connection refused", 1)
			if refusing.c.peerCount() != 0 {
				t.Error("a peer from outside the allow-list is connected")
			}
			allowing := newSock(t, PULL, m.srv, WithAllowAddrs(elsewhere, loopback))
			push2 := newSock(t, PUSH, m.cli)
			mustConnect(t, push2, bindAny(t, allowing))
			mustSend(t, ctx, push2, "in")
			if got := mustRecv(t, ctx, allowing); got[0] != "in" {
				t.Errorf("got %q", got)
			}
		})
	}
	t.Run("libzmq client", func(t *testing.T) {
		log, logs := newTestLogger()
		pull := newSock(t, PULL, WithLogger(log), WithCurveServer(server), WithAllowAddrs(elsewhere))
		peer := pyzmqtest.Start(t, "PUSH", append(curveClientArgs(client, server.Public), "--connect", bindAny(t, pull), "--monitor")...)
		if ev, _ := peer.WaitEvent("EVENT HANDSHAKE_"); ev != "EVENT HANDSHAKE_FAILED_AUTH 400" {
			t.Errorf("libzmq client reported %q", ev)
		}
		waitLog(t, logs, "client address not allowed", 1)
	})
}

// TestCurveHeartbeats: PING and PONG travel encrypted (as command frames
// inside MESSAGE) and never reach the application.
func TestCurveHeartbeats(t *testing.T) {
	ctx := testCtx(t)
	server, client := mustKeyPair(t), mustKeyPair(t)
	pair := newSock(t, PAIR, WithCurveServer(server), WithHeartbeat(Heartbeat{Interval: 20 * time.Millisecond, Liveness: 50}))
	peer := pyzmqtest.Start(t, "PAIR", append(curveClientArgs(client, server.Public), "--connect", bindAny(t, pair), "--opt", "heartbeat_ivl=20", "--opt", "heartbeat_timeout=5000", "--echo", "re:")...)
	for i := 0; i < 5; i++ {
		mustSend(t, ctx, pair, fmt.Sprint("m", i))
		if got := mustRecv(t, ctx, pair); got[0] != fmt.Sprint("re:m", i) {
			t.Fatalf("got %q", got)
		}
		time.Sleep(30 * time.Millisecond) // let heartbeats pass both ways
	}
	if got := peer.Pending(); len(got) != 5 {
		t.Errorf("libzmq received %d messages, want 5 (a PING or PONG reached it?)", len(got))
	}
}

// TestCurveBoxInPlace checks that the data phase's boxes, sealed and
// opened in place with a per-connection subkey (curveCipher), are NaCl's:
// what box.OpenAfterPrecomputation opens and box.SealAfterPrecomputation
// makes, at every size around Salsa20's 32-byte head and 64-byte blocks.
func TestCurveBoxInPlace(t *testing.T) {
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		t.Fatal(err)
	}
	sizes := []int{0, 1, 15, 30, 31, 32, 33, 62, 63, 64, 65, 127, 128, 129, 222, 223, 224, 254, 255, 256, 257, 1023, 1024, 4097, 70000}
	client := newCurveCipher(&key, false, 3, 1)
	server := newCurveCipher(&key, true, 2, 2)
	for _, size := range sizes {
		f := make([]byte, size)
		rand.Read(f)
		for _, more := range []bool{false, true} {
			// Ours sealed, NaCl's box opened.
			n := client.sendNonce
			frame := client.appendSealed([]byte("prefix"), f, more, false)[len("prefix"):]
			body := frame[2:]
			if frame[0]&flagLong != 0 {
				body = frame[9:]
			}
			if len(frame) != sealedSize(size) || string(body[:8]) != curveMsgCmdName || binary.BigEndian.Uint64(body[8:16]) != n {
				t.Fatalf("%d bytes: frame of %d bytes, header %q", size, len(frame), body[:16])
			}
			pt, ok := box.OpenAfterPrecomputation(nil, body[16:], shortNonce("CurveZMQMESSAGEC", n), &key)
			wantFlags := byte(0)
			if more {
				wantFlags = curveInnerMore
			}
			if !ok || pt[0] != wantFlags || !bytes.Equal(pt[1:], f) {
				t.Fatalf("%d bytes: box.Open of our box: ok %v", size, ok)
			}
			// Ours opened in place.
			fl, got, err := server.open(body)
			if err != nil || !bytes.Equal(got, f) || (fl&flagMore != 0) != more {
				t.Fatalf("%d bytes: open: %v, flags %#x", size, err, fl)
			}
		}
		// NaCl's box sealed (from the server, its nonces), ours opened;
		// then every byte of the box tampered with in turn is refused
		// and leaves the box as it was.
		n := server.sendNonce
		server.sendNonce++
		msg := append([]byte{curveInnerCommand}, f...)
		body := append([]byte(curveMsgCmdName), binary.BigEndian.AppendUint64(nil, n)...)
		body = box.SealAfterPrecomputation(body, msg, shortNonce("CurveZMQMESSAGES", n), &key)
		if size <= 64 {
			for i := curveMsgHeader; i < len(body); i++ {
				bad := bytes.Clone(body)
				bad[i] ^= 1
				if _, _, err := client.open(bad); !errors.Is(err, errCurveCrypto) {
					t.Fatalf("%d bytes, byte %d tampered: %v", size, i, err)
				}
				if bad[i]^1 != body[i] || !bytes.Equal(bad[:i], body[:i]) || !bytes.Equal(bad[i+1:], body[i+1:]) {
					t.Fatalf("%d bytes: a refused box was changed", size)
				}
			}
		}
		replay := bytes.Clone(body)
		fl, got, err := client.open(body)
		if err != nil || !bytes.Equal(got, f) || fl != flagCommand {
			t.Fatalf("%d bytes: open of box.Seal's box: %v, flags %#x", size, err, fl)
		}
		if _, _, err := client.open(replay); !errors.Is(err, errCurveNonce) {
			t.Fatalf("%d bytes: the same box twice: %v", size, err)
		}
	}
}

// TestCurveRefusalStorm: clients that redial every millisecond with an
// unknown key or the wrong server key, and connections whose every
// MESSAGE is tampered with or replayed, make a bounded number of
// warnings on the server (one per kind and logInterval, the rest at
// Debug), while a good client is served.
func TestCurveRefusalStorm(t *testing.T) {
	ctx := testCtx(t)
	server, good, stranger, other := mustKeyPair(t), mustKeyPair(t), mustKeyPair(t), mustKeyPair(t)
	log, logs := newTestLogger()
	pull := newSock(t, PULL, WithLogger(log), WithCurveServer(server), WithAllowKeys(good.Public))
	ep := bindAny(t, pull)
	start := time.Now()
	fast := WithReconnect(Backoff{Initial: time.Millisecond})
	for range 3 {
		mustConnect(t, newSock(t, PUSH, fast, WithCurveClient(stranger, server.Public)), ep)
		mustConnect(t, newSock(t, PUSH, fast, WithCurveClient(good, other.Public)), ep)
	}
	tamper, replay := newMITM(t, ep), newMITM(t, ep)
	tamper.tamperAll.Store(true)
	replay.replayAll.Store(true)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, proxy := range []*mitm{tamper, replay} {
		push := newSock(t, PUSH, fast, WithCurveClient(good, server.Public))
		mustConnect(t, push, proxy.endpoint())
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				sctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
				push.Send(sctx, Msg{[]byte("through the proxy")})
				cancel()
			}
		})
	}
	// Each kind of refusal happens many times (the Debug lines count
	// them all).
	for _, kind := range []string{"CURVE client key not allowed", "the client has the wrong server key", "CURVE box does not open", "CURVE nonce not increasing"} {
		waitLog(t, logs, kind, 30)
	}
	close(stop)
	wg.Wait()

	client := newSock(t, PUSH, WithCurveClient(good, server.Public))
	mustConnect(t, client, ep)
	if err := client.Send(ctx, Msg{[]byte("served")}); err != nil {
		t.Fatal(err)
	}
	for {
		m, err := pull.Recv(ctx)
		if err != nil {
			t.Fatalf("the good client was not served: %v", err)
		}
		if string(m[0]) == "served" {
			break
		}
	}

	// Three limited kinds: refusals (the socket's, unknown keys), failed
	// handshakes (wrong server key), refused frames (tampered, replayed).
	// Counted before the time they may have taken: a client still
	// redialling may log in a window that began after start.
	warns := warnLines(logs)
	allowed := 3 * (1 + int(time.Since(start)/logInterval))
	t.Logf("%d warnings, %d allowed; %d lines in all", warns, allowed, strings.Count(logs.String(), "\n"))
	if warns > allowed {
		t.Errorf("%d warnings, want at most %d:\n%.3000s", warns, allowed, logs.String())
	}
	for _, want := range []string{`level=WARN msg="zmq: CURVE client key not allowed`, `level=WARN msg="zmq: handshake failed"`, `level=WARN msg="zmq: disconnecting peer: CURVE frame refused"`} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no warning %s", want)
		}
	}
	for _, kp := range []CurveKeyPair{server, good, stranger, other} {
		if strings.Contains(logs.String(), kp.Secret.Z85()) {
			t.Fatal("a secret key was logged")
		}
	}
}
