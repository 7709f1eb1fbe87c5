package runtime

import (
	"context"
	"errors"
	goruntime "runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/runtime/internal/pyzmqtest"
)

// tryTimeout is the Lazy Pirate timeout of the tests: an unanswered try
// costs this much, and an answered one (a reconnect and a round trip on
// loopback) must fit in it many times over, even under -race on busy cores.
const tryTimeout = 1500 * time.Millisecond

// flakyREP is a REP server on 127.0.0.1 that answers "re:" + the request,
// except that it loses the first drops requests it receives: it closes its
// socket without replying and binds a new one on the same address, like a
// server that crashed and came back.
type flakyREP struct {
	addr     string
	arrivals atomic.Int32
	stop     context.CancelFunc
	done     chan struct{}
}

func startFlakyREP(t *testing.T, drops int) *flakyREP {
	t.Helper()
	s := NewSocket(REP)
	if err := s.Bind("tcp://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	f := &flakyREP{addr: s.Addrs()[0], stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(f.done)
		defer func() { s.Close() }()
		for {
			m, err := s.Recv(ctx)
			if err != nil {
				return
			}
			if int(f.arrivals.Add(1)) <= drops {
				s.Close()
				s = NewSocket(REP)
				for s.Bind(f.addr) != nil { // the port was just released
					if ctx.Err() != nil {
						return
					}
					time.Sleep(10 * time.Millisecond)
				}
				continue
			}
			if err := s.Send(ctx, Msg{append([]byte("re:"), m[0]...)}); err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() { cancel(); <-f.done })
	return f
}

// retries records the OnRetry calls.
type retries struct {
	mu    sync.Mutex
	lefts []int
}

func (r *retries) on(left int) { r.mu.Lock(); r.lefts = append(r.lefts, left); r.mu.Unlock() }
func (r *retries) got() []int  { r.mu.Lock(); defer r.mu.Unlock(); return slices.Clone(r.lefts) }

func TestRequesterRetriesAgainstGoREP(t *testing.T) {
	t.Parallel()
	for _, reopen := range []bool{true, false} {
		name := map[bool]string{true: "reopen", false: "same socket"}[reopen]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := startFlakyREP(t, 2)
			var rs retries
			log, logs := newTestLogger()
			r, err := NewRequester([]string{srv.addr}, Retry{Timeout: tryTimeout, Tries: 3, Reopen: reopen, OnRetry: rs.on},
				WithName("client.server"), WithLogger(log))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			reply, err := r.Request(testCtx(t), Msg{[]byte("hello")})
			if err != nil {
				t.Fatalf("Request: %v (server saw %d tries)", err, srv.arrivals.Load())
			}
			if len(reply) != 1 || string(reply[0]) != "re:hello" {
				t.Errorf("reply %q, want re:hello", reply)
			}
			if n := srv.arrivals.Load(); n != 3 {
				t.Errorf("server received %d tries, want 3", n)
			}
			if got := rs.got(); !slices.Equal(got, []int{2, 1}) {
				t.Errorf("OnRetry calls %v, want [2 1]", got)
			}
			if n := strings.Count(logs.String(), "no reply, retrying"); n != 2 {
				t.Errorf("logged %d retries, want 2: %s", n, logs)
			}

			// The next request goes through at the first try.
			reply, err = r.Request(testCtx(t), Msg{[]byte("again")})
			if err != nil || string(reply[0]) != "re:again" {
				t.Errorf("second Request = %q, %v", reply, err)
			}
			if n := srv.arrivals.Load(); n != 4 {
				t.Errorf("server received %d tries in all, want 4", n)
			}
		})
	}
}

func TestRequesterAbandons(t *testing.T) {
	t.Parallel()
	srv := startFlakyREP(t, 2)
	var rs retries
	r, err := NewRequester([]string{srv.addr}, Retry{Timeout: tryTimeout, Tries: 2, Reopen: true, OnRetry: rs.on}, WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	start := time.Now()
	_, err = r.Request(testCtx(t), Msg{[]byte("lost")})
	if !errors.Is(err, ErrNoReply) {
		t.Fatalf("Request error %v, want one wrapping ErrNoReply", err)
	}
	if d := time.Since(start); d < 2*tryTimeout {
		t.Errorf("abandoned after %v, before 2 timeouts of %v", d, tryTimeout)
	}
	if n := srv.arrivals.Load(); n != 2 {
		t.Errorf("server received %d tries, want 2", n)
	}
	if got := rs.got(); !slices.Equal(got, []int{1, 0}) {
		t.Errorf("OnRetry calls %v, want [1 0]", got)
	}
	// The server is back: the Requester works again (a new REQ socket).
	reply, err := r.Request(testCtx(t), Msg{[]byte("back")})
	if err != nil || string(reply[0]) != "re:back" {
		t.Errorf("Request after abandoning = %q, %v", reply, err)
	}
}

func TestRequesterDiscardsStaleReply(t *testing.T) {
	t.Parallel()
	// A REP server whose replies the test releases: the reply to an
	// abandoned request arrives while the next request waits, and must not
	// be taken for its reply.
	s := NewSocket(REP)
	defer s.Close()
	if err := s.Bind("tcp://127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	got := make(chan string, 4)
	release := make(chan struct{})
	ctx := testCtx(t)
	go func() {
		for {
			m, err := s.Recv(ctx)
			if err != nil {
				return
			}
			got <- string(m[0])
			if string(m[0]) == "A" {
				select {
				case <-release:
				case <-ctx.Done():
					return
				}
			}
			if s.Send(ctx, Msg{append([]byte("re:"), m[0]...)}) != nil {
				return
			}
		}
	}()

	r, err := NewRequester([]string{s.Addrs()[0]}, Retry{Timeout: tryTimeout, Tries: 1}, WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Request(ctx, Msg{[]byte("A")}); !errors.Is(err, ErrNoReply) {
		t.Fatalf("request A: %v, want ErrNoReply", err)
	}
	if g := <-got; g != "A" {
		t.Fatalf("server got %q first", g)
	}
	close(release) // "re:A" now travels ahead of B's reply
	reply, err := r.Request(ctx, Msg{[]byte("B")})
	if err != nil {
		t.Fatalf("request B: %v", err)
	}
	if string(reply[0]) != "re:B" {
		t.Errorf("request B got %q, want re:B", reply)
	}
}

func TestRequesterCloseInterruptsRequest(t *testing.T) {
	t.Parallel()
	srv := startFlakyREP(t, 1<<30) // never answers
	r, err := NewRequester([]string{srv.addr}, Retry{Timeout: time.Minute, Tries: 3, Reopen: true}, WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		_, err := r.Request(context.Background(), Msg{[]byte("x")})
		errc <- err
	}()
	for srv.arrivals.Load() == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	r.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, ErrClosed) {
			t.Errorf("Request error %v, want ErrClosed", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not interrupt Request")
	}
	if _, err := r.Request(context.Background(), Msg{[]byte("y")}); !errors.Is(err, ErrClosed) {
		t.Errorf("Request after Close: %v, want ErrClosed", err)
	}
}

func TestRequesterContextCancel(t *testing.T) {
	t.Parallel()
	srv := startFlakyREP(t, 1)
	var rs retries
	r, err := NewRequester([]string{srv.addr}, Retry{Timeout: time.Minute, Tries: 3, Reopen: true, OnRetry: rs.on}, WithLogger(quietLogger()))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for srv.arrivals.Load() == 0 {
			time.Sleep(5 * time.Millisecond)
		}
		cancel()
	}()
	if _, err := r.Request(ctx, Msg{[]byte("x")}); !errors.Is(err, context.Canceled) {
		t.Errorf("Request error %v, want context.Canceled", err)
	}
	if len(rs.got()) != 0 {
		t.Errorf("OnRetry called %v on cancellation", rs.got())
	}
	// The REQ socket waited for a reply when cancelled; the next request
	// gets a fresh one.
	reply, err := r.Request(testCtx(t), Msg{[]byte("y")})
	if err != nil || string(reply[0]) != "re:y" {
		t.Errorf("Request after cancel = %q, %v", reply, err)
	}
}

func TestRequesterRetriesAgainstLibzmqREP(t *testing.T) {
	t.Parallel()
	for _, reopen := range []bool{true, false} {
		name := map[bool]string{true: "reopen", false: "same socket"}[reopen]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			peer := pyzmqtest.Start(t, "REP", "--bind", "tcp://127.0.0.1:0", "--echo", "re:", "--drop", "2")
			var rs retries
			r, err := NewRequester([]string{peer.Endpoint()}, Retry{Timeout: tryTimeout, Tries: 3, Reopen: reopen, OnRetry: rs.on}, WithLogger(quietLogger()))
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			reply, err := r.Request(testCtx(t), Msg{[]byte("hello")})
			if err != nil {
				t.Fatalf("Request: %v", err)
			}
			if len(reply) != 1 || string(reply[0]) != "re:hello" {
				t.Errorf("reply %q, want re:hello", reply)
			}
			if got := rs.got(); !slices.Equal(got, []int{2, 1}) {
				t.Errorf("OnRetry calls %v, want [2 1]", got)
			}
			for i := 0; i < 3; i++ {
				m := peer.Next()
				if string(m[len(m)-1]) != "hello" {
					t.Errorf("libzmq REP received %q", m)
				}
			}
			if extra := peer.Pending(); len(extra) != 0 {
				t.Errorf("libzmq REP received %d more tries: %q", len(extra), extra)
			}
		})
	}
}

func TestRequesterLeavesNoGoroutines(t *testing.T) {
	before := goruntime.NumGoroutine()
	func() {
		srv := startFlakyREP(t, 1)
		for _, reopen := range []bool{true, false} {
			r, err := NewRequester([]string{srv.addr}, Retry{Timeout: tryTimeout, Tries: 2, Reopen: reopen}, WithLogger(quietLogger()))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := r.Request(testCtx(t), Msg{[]byte("x")}); err != nil {
				t.Fatal(err)
			}
			r.Close()
		}
		srv.stop()
		<-srv.done
	}()
	waitGoroutines(t, before)
}
