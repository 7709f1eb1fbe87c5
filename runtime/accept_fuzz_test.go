package runtime

// FuzzAccept drives the accept path as a hostile peer would: one stream of
// bytes from the first byte of the greeting, through the handshake, into
// the data phase, on a socket of each type. A run must neither panic nor
// hang, and what a run delivers must fit in what it sent. Its seeds (below
// and under testdata/fuzz/FuzzAccept) run with go test; a long run:
//
//	go test ./runtime -run '^$' -fuzz FuzzAccept -fuzztime 10m

import (
	"context"
	"fmt"
	"io"
	"net"
	goruntime "runtime"
	"sync"
	"testing"
	"time"
)

// acceptTypes are the socket types FuzzAccept serves, with the type a
// well-behaved peer of each announces.
var acceptTypes = []struct {
	typ  Type
	peer string
}{
	{PULL, "PUSH"}, {REP, "REQ"}, {ROUTER, "DEALER"}, {PUB, "SUB"},
	{SUB, "PUB"}, {XPUB, "XSUB"}, {PAIR, "PAIR"}, {DEALER, "ROUTER"},
}

// acceptPrefix is a well-behaved peer's greeting and READY for socket type
// i of acceptTypes, so that the fuzzer can start in the data phase.
func acceptPrefix(i int) []byte {
	return append(nullGreeting(), readyCmd(acceptTypes[i].peer)...)
}

func FuzzAccept(f *testing.F) {
	msg := func(frames ...string) []byte {
		var b []byte
		for i, fr := range frames {
			fl := byte(0)
			if i < len(frames)-1 {
				fl = flagMore
			}
			b = append(b, rawFrame(fl, []byte(fr))...)
		}
		return b
	}
	cmd := func(body string) []byte { return rawFrame(flagCommand, []byte(body)) }
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	// mode: the low bits pick the socket type; 0x80 puts a well-behaved
	// greeting and READY before the stream; 0x40 sets a maximum message
	// size of 64 KiB.
	f.Add(uint8(0x80), cat(msg("task 1"), msg("task 2", "more")))
	f.Add(uint8(0x80|1), cat(msg("", "What can I get", "for you?"), msg("no delimiter")))
	f.Add(uint8(0x80|2), cat(msg("", "hello"), cmd("\x04PING\x00\x0ahello")))
	f.Add(uint8(0x80|3), cat(msg("\x01weather"), cmd("\x09SUBSCRIBE"), cmd("\x06CANCELx"), msg("\x00weather")))
	f.Add(uint8(0x80|4), cat(msg("anything"), cmd("\x05ERROR\x03bye")))
	f.Add(uint8(0x80|5), cat(msg("\x01a"), msg("\x01b"), msg("\x00a")))
	f.Add(uint8(0xc0|6), cat(rawFrame(flagLong, nil), []byte{0, 0, 0, 0, 0, 1, 0, 1}))
	f.Add(uint8(0x80|7), cat(cmd("\x04PING\x00\x00"), cmd("\x04PONG")))
	f.Add(uint8(0), []byte("GET / HTTP/1.1\r\n\r\n"))
	f.Add(uint8(1), cat(nullGreeting(), []byte{flagMore | flagLong, 0, 0, 0, 0, 0, 1, 0, 0}))
	f.Add(uint8(2), cat(nullGreeting(), readyCmd("FOO")))
	f.Add(uint8(3), cat(nullGreeting(), []byte{flagMore, 0, flagMore, 0, flagMore, 0}))
	f.Add(uint8(0x80), cat(msg("a"), []byte{flagMore, 0, flagMore, 0, 0, 0}))
	f.Fuzz(func(t *testing.T, mode uint8, stream []byte) {
		if len(stream) > 1<<16 {
			return
		}
		fuzzAcceptRun(t, mode, stream)
	})
}

func fuzzAcceptRun(t *testing.T, mode uint8, stream []byte) {
	defer crashIfHung(fmt.Sprintf("FuzzAccept: run hung (mode %#x, stream %q)", mode, stream))()
	i := int(mode&0x3f) % len(acceptTypes)
	opts := []Option{WithLogger(quietLogger()), WithRecvHWM(0), WithLinger(0)}
	if mode&0x40 != 0 {
		opts = append(opts, WithMaxMsgSize(64<<10))
	}
	s := NewSocket(acceptTypes[i].typ, opts...)
	defer s.Close()
	if mode&0x80 != 0 {
		stream = append(acceptPrefix(i), stream...)
	}

	ours, theirs := net.Pipe()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		serveFuzz(s, ours, true)
	}()
	go func() {
		defer wg.Done()
		io.Copy(io.Discard, theirs)
	}()
	theirs.Write(stream)
	theirs.Close()
	wg.Wait()

	// What was delivered came from the stream: never more frame bytes
	// than it held (a ROUTER's identity frames aside; an XPUB makes up the
	// cancellations of a peer that leaves, so it is not counted).
	var n int
	for {
		im, ok, err := s.c.next(context.Background(), false)
		if err != nil || !ok {
			break
		}
		m := im.m
		if acceptTypes[i].typ == ROUTER {
			m = m[1:]
		}
		for _, fr := range m {
			n += len(fr)
		}
	}
	if acceptTypes[i].typ != XPUB && n > len(stream) {
		t.Fatalf("delivered %d bytes from a stream of %d", n, len(stream))
	}
}

// crashIfHung is a fuzz run's watchdog: a run takes milliseconds, and one
// still going after 20 s is hung, so it crashes with what and every
// goroutine's stack, and the fuzzer keeps the input. The run calls what
// it returns when it ends.
func crashIfHung(what string) (finished func()) {
	done := make(chan struct{})
	go func() {
		timer := time.NewTimer(20 * time.Second)
		defer timer.Stop()
		select {
		case <-done:
		case <-timer.C:
			buf := make([]byte, 1<<20)
			panic(fmt.Sprintf("%s:\n%s", what, buf[:goruntime.Stack(buf, true)]))
		}
	}()
	return func() { close(done) }
}

// serveFuzz runs the engine's side of conn, as an accepted (server) or
// dialled connection: the handshake, then the peer until the connection
// ends.
func serveFuzz(s *Socket, conn net.Conn, server bool) {
	p, err := s.c.handshake(conn, server, "fuzz")
	if err != nil {
		return
	}
	s.c.runPeer(p, "fuzz")
}
