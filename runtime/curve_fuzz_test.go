package runtime

// FuzzCurve drives the engine's CURVE side, server or client, through the
// handshake and the data phase, with input it does not control:
//
//   - raw mode: after a valid greeting, the fuzzer's bytes as they are;
//   - relay mode: a well-behaved CURVE peer (the same mechanism, the other
//     role) talks to it through a relay that the fuzzer's script tells to
//     flip bytes, drop, repeat or truncate frames, so that mutations reach
//     every handshake command and the encrypted data phase.
//
// It checks that nothing panics or hangs, and that authentication holds:
// the frames the engine delivers are a subsequence of the frames the peer
// sent (a frame may be lost with its connection, never altered, replayed
// or invented). Seeds live in testdata/fuzz/FuzzCurve and run in go test;
// run it longer with
//
//	go test ./runtime -run '^$' -fuzz FuzzCurve -fuzztime 10m -timeout 15m

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/go-zeromq/zmq4"
)

// fuzzKeyPair derives a fixed key pair, so that recorded inputs replay.
func fuzzKeyPair(tb testing.TB, seed byte) CurveKeyPair {
	var kp CurveKeyPair
	for i := range kp.Secret.b {
		kp.Secret.b[i] = seed + byte(i)*7
	}
	pub, err := kp.Secret.Public()
	if err != nil {
		tb.Fatal(err)
	}
	kp.Public = pub
	return kp
}

// fuzzFrames is what the well-behaved peer sends after its handshake.
var fuzzFrames = []struct {
	m   Msg
	cmd bool
}{
	{m: Msg{[]byte("a")}},
	{m: Msg{[]byte("x"), []byte(""), []byte("y")}},
	{m: Msg{bytes.Repeat([]byte("L"), 300)}},
	{m: Msg{[]byte("\x04PING\x00\x0ahi")}, cmd: true},
	{m: Msg{[]byte("z")}},
}

func FuzzCurve(f *testing.F) {
	f.Add(uint8(0), []byte{})                    // relay, our server, untouched
	f.Add(uint8(1), []byte{})                    // relay, our client, untouched
	f.Add(uint8(0), []byte{0, 0, 10, 1})         // flip a byte of HELLO
	f.Add(uint8(1), []byte{0, 0, 10, 1})         // flip a byte of WELCOME
	f.Add(uint8(0), []byte{2, 1, 0, 0})          // drop INITIATE
	f.Add(uint8(0), []byte{4, 2, 30, 0x80})      // flip a byte of the first MESSAGE
	f.Add(uint8(1), []byte{4, 3, 0, 0})          // repeat a MESSAGE
	f.Add(uint8(0), []byte{2, 3, 0, 0})          // drop a MESSAGE
	f.Add(uint8(0), []byte{6, 4, 9, 0})          // truncate a MESSAGE
	f.Add(uint8(2), []byte("\x04\xc8\x05HELLO")) // raw, short HELLO
	f.Add(uint8(3), []byte("\x06\x00\x00\x00\x00\x00\x00\xff\xff"))
	server, client := fuzzKeyPair(f, 1), fuzzKeyPair(f, 2)
	f.Fuzz(func(t *testing.T, mode uint8, script []byte) {
		ourServer := mode&1 == 0
		raw := mode&2 != 0
		if len(script) > 4096 {
			return
		}
		fuzzCurveRun(t, server, client, ourServer, raw, script)
	})
}

func fuzzCurveRun(t *testing.T, server, client CurveKeyPair, ourServer, raw bool, script []byte) {
	defer crashIfHung(fmt.Sprintf("FuzzCurve: run hung (raw %v, our server %v, script %x)", raw, ourServer, script))()
	ourOpt := WithCurveServer(server)
	peerCfg := &curveConfig{kp: client, serverKey: server.Public}
	if !ourServer {
		ourOpt = WithCurveClient(client, server.Public)
		peerCfg = &curveConfig{server: true, kp: server}
	}
	s := NewSocket(PAIR, WithLogger(quietLogger()), ourOpt, WithMaxMsgSize(1<<16))
	defer s.Close()

	ours, relayOurs := net.Pipe()
	theirs, relayTheirs := net.Pipe()
	var wg sync.WaitGroup
	defer wg.Wait()
	defer ours.Close()
	defer theirs.Close()

	// The engine under test.
	wg.Add(1)
	go func() {
		defer wg.Done()
		serveFuzz(s, ours, ourServer)
	}()
	// What it writes is read and thrown away, or forwarded to the peer.
	wg.Add(1)
	go func() {
		defer wg.Done()
		if raw {
			io.Copy(io.Discard, relayOurs)
		} else {
			io.Copy(relayTheirs, relayOurs)
		}
		relayTheirs.Close()
	}()

	var sent [][]byte
	if raw {
		g := greetingFor(!ourServer)
		relayOurs.Write(append(g, script...))
		relayOurs.Close()
	} else {
		// The well-behaved peer.
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer theirs.Close()
			sec := &curveSecurity{cfg: peerCfg, log: quietLogger()}
			if _, err := zmq4.Open(theirs, sec, zmq4.Pair, nil, !ourServer, nil); err != nil {
				return
			}
			var b []byte
			for _, f := range fuzzFrames {
				if f.cmd {
					b = sec.cipher.appendSealed(b, f.m[0], false, true)
					continue
				}
				for j, fr := range f.m {
					b = sec.cipher.appendSealed(b, fr, j < len(f.m)-1, false)
				}
			}
			theirs.Write(b)
		}()
		for _, f := range fuzzFrames {
			if !f.cmd {
				sent = append(sent, f.m...)
			}
		}
		relayFuzzed(relayTheirs, relayOurs, script)
		relayOurs.Close()
	}
	wg.Wait()

	// Authentication: what was delivered is a subsequence of what was sent.
	var got [][]byte
	for {
		im, _, err := s.c.next(context.Background(), false)
		if err != nil || im.m == nil {
			break
		}
		got = append(got, im.m...)
	}
	if !raw && len(script) == 0 && len(got) != len(sent) {
		t.Fatalf("untouched run delivered %q, want %q", got, sent)
	}
	i := 0
	for _, g := range got {
		for i < len(sent) && !bytes.Equal(sent[i], g) {
			i++
		}
		if i == len(sent) {
			t.Fatalf("delivered frames %q are not a subsequence of the frames sent", got)
		}
		i++
	}
}

// greetingFor is a ZMTP 3.0 greeting for the CURVE mechanism.
func greetingFor(asServer bool) []byte {
	g := make([]byte, 64)
	g[0], g[9], g[10], g[11] = 0xff, 0x7f, 3, 0
	copy(g[12:], "CURVE")
	if asServer {
		g[32] = 1
	}
	return g
}

// relayFuzzed copies ZMTP frames from src to dst, applying the script's
// operations: each is 4 bytes (op, frame index, position, value); op%8 is
// 0 flip a byte (xor value), 2 drop the frame (from the third, the data
// phase), 4 repeat it, 6 truncate its
// body to position bytes (the size header says so), odd ops do nothing.
func relayFuzzed(src, dst net.Conn, script []byte) {
	g := make([]byte, 64)
	if _, err := io.ReadFull(src, g); err != nil {
		return
	}
	if _, err := dst.Write(g); err != nil {
		return
	}
	for idx := 0; ; idx++ {
		flags, body, err := readWireFrame(src)
		if err != nil {
			return
		}
		copies := 1
		for k := 0; k+4 <= len(script); k += 4 {
			op, at, pos, val := script[k], int(script[k+1]), int(script[k+2]), script[k+3]
			if at != idx {
				continue
			}
			switch op % 8 {
			case 0:
				if len(body) > 0 {
					body[pos%len(body)] ^= val | 1
				}
			case 2:
				// Only data frames: a lost handshake command leaves
				// both sides waiting for each other until the 30 s
				// handshake timeout, which a fuzz run cannot afford.
				if idx >= 2 {
					copies = 0
				}
			case 4:
				copies = 2
			case 6:
				if pos < len(body) {
					body = body[:pos]
				}
			}
		}
		frame := rawFrame(flags&^flagLong, body)
		for c := 0; c < copies; c++ {
			if _, err := dst.Write(frame); err != nil {
				return
			}
		}
	}
}
