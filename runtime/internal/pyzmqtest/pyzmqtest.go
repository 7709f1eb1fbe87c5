// Package pyzmqtest runs libzmq peers for interop tests: a small pyzmq
// program (zpeer.py, embedded) started as a subprocess of Debian's
// /usr/bin/python3, driven over its stdin and reporting on its stdout.
//
// A test starts a peer with Start, reads the endpoint it bound with
// Endpoint, sends it commands with Do, and reads what it received with Next
// and what its socket monitor saw with WaitEvent. See zpeer.py for the
// arguments and commands. Tests are skipped, with the reason, when
// /usr/bin/python3 cannot import zmq.
package pyzmqtest

import (
	"bufio"
	"bytes"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Python is the interpreter the peers run under: Debian's, which has
// python3-zmq, rather than whatever python3 comes first in PATH.
const Python = "/usr/bin/python3"

// Timeout bounds every wait on a peer. It is generous because tests run
// under -race on two busy cores; a passing test never waits this long.
const Timeout = 30 * time.Second

//go:embed zpeer.py
var script []byte

var (
	checkOnce sync.Once
	checkErr  error
)

// Available reports whether libzmq peers can run, and why not.
func Available() error {
	checkOnce.Do(func() {
		out, err := exec.Command(Python, "-c", "import zmq").CombinedOutput()
		if err != nil {
			msg := fmt.Sprintf("%s -c 'import zmq' failed (%v)", Python, err)
			if out := bytes.TrimSpace(out); len(out) > 0 {
				msg += ": " + string(out)
			}
			checkErr = errors.New(msg + "; install python3-zmq")
		}
	})
	return checkErr
}

// Peer is a running libzmq peer.
type Peer struct {
	t        testing.TB
	name     string
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	stderr   bytes.Buffer
	endpoint []string

	msgs   chan [][]byte
	events chan string
	oks    chan string
	done   chan struct{} // closed when stdout ends

	stopOnce sync.Once
}

// Start starts a peer with a socket of type typ (e.g. "REP") and the
// zpeer.py arguments args, and waits until it is ready. The peer is stopped
// when the test ends. It skips the test when pyzmq is not available.
func Start(t testing.TB, typ string, args ...string) *Peer {
	t.Helper()
	if err := Available(); err != nil {
		t.Skipf("skipping libzmq interop test: %v", err)
	}
	p := &Peer{
		t:      t,
		name:   typ + " " + strings.Join(args, " "),
		msgs:   make(chan [][]byte, 1<<16),
		events: make(chan string, 1<<12),
		oks:    make(chan string, 64),
		done:   make(chan struct{}),
	}
	// The script is passed with -c, so nothing is written to disk.
	p.cmd = exec.Command(Python, append([]string{"-u", "-c", string(script), typ}, args...)...)
	p.cmd.Stderr = &syncWriter{w: &p.stderr}
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Stop)

	ready := make(chan struct{})
	go p.read(stdout, ready)
	select {
	case <-ready:
	case <-p.done:
		t.Fatalf("libzmq peer %s exited before it was ready: %s", p.name, p.Stderr())
	case <-time.After(Timeout):
		t.Fatalf("libzmq peer %s not ready after %v: %s", p.name, Timeout, p.Stderr())
	}
	return p
}

// read dispatches the peer's output lines until it ends.
func (p *Peer) read(r io.Reader, ready chan struct{}) {
	defer close(p.done)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		words := strings.Fields(sc.Text())
		if len(words) == 0 {
			continue
		}
		switch words[0] {
		case "ENDPOINT":
			p.endpoint = append(p.endpoint, words[1])
		case "READY":
			close(ready)
		case "MSG":
			m := make([][]byte, 0, len(words)-1)
			for _, w := range words[1:] {
				var f []byte
				if w != "-" {
					f, _ = hex.DecodeString(w)
				} else {
					f = []byte{}
				}
				m = append(m, f)
			}
			p.msgs <- m
		case "OK":
			p.oks <- words[1]
		default: // EVENT NAME VALUE, DROPPED
			p.events <- strings.Join(words, " ")
		}
	}
}

// Endpoint returns the first endpoint the peer bound, with its real port.
func (p *Peer) Endpoint() string {
	p.t.Helper()
	if len(p.endpoint) == 0 {
		p.t.Fatalf("libzmq peer %s bound nothing", p.name)
	}
	return p.endpoint[0]
}

// Do sends the peer a command line and waits for its acknowledgement.
func (p *Peer) Do(command string) {
	p.t.Helper()
	if _, err := io.WriteString(p.stdin, command+"\n"); err != nil {
		p.t.Fatalf("libzmq peer %s: writing %q: %v", p.name, command, err)
	}
	select {
	case <-p.oks:
	case <-p.done:
		p.t.Fatalf("libzmq peer %s exited during %q: %s", p.name, command, p.Stderr())
	case <-time.After(Timeout):
		p.t.Fatalf("libzmq peer %s: no acknowledgement of %q after %v", p.name, command, Timeout)
	}
}

// Send makes the peer send one message with the given frames, waiting
// while libzmq cannot queue it.
func (p *Peer) Send(frames ...string) {
	p.t.Helper()
	p.send("send", frames)
}

// TrySend makes the peer send one message with the given frames if libzmq
// can queue it at once (ZMQ_DONTWAIT), and drop it otherwise.
func (p *Peer) TrySend(frames ...string) {
	p.t.Helper()
	p.send("trysend", frames)
}

func (p *Peer) send(cmd string, frames []string) {
	p.t.Helper()
	words := []string{cmd}
	for _, f := range frames {
		if f == "" {
			words = append(words, "-")
		} else {
			words = append(words, hex.EncodeToString([]byte(f)))
		}
	}
	p.Do(strings.Join(words, " "))
}

// Next returns the next message the peer received, failing the test after
// Timeout.
func (p *Peer) Next() [][]byte {
	p.t.Helper()
	m, ok := p.NextWithin(Timeout)
	if !ok {
		p.t.Fatalf("libzmq peer %s received nothing in %v: %s", p.name, Timeout, p.Stderr())
	}
	return m
}

// NextWithin returns the next message the peer received within d, if any.
func (p *Peer) NextWithin(d time.Duration) ([][]byte, bool) {
	select {
	case m := <-p.msgs:
		return m, true
	case <-time.After(d):
		return nil, false
	}
}

// Pending returns the messages received and not yet read, without waiting.
func (p *Peer) Pending() [][][]byte {
	var ms [][][]byte
	for {
		select {
		case m := <-p.msgs:
			ms = append(ms, m)
		default:
			return ms
		}
	}
}

// WaitEvent waits for an output line starting with prefix (for example
// "EVENT HANDSHAKE_SUCCEEDED" or "DROPPED") and returns it; the lines
// skipped on the way are returned too, in order.
func (p *Peer) WaitEvent(prefix string) (line string, skipped []string) {
	p.t.Helper()
	deadline := time.After(Timeout)
	for {
		select {
		case e := <-p.events:
			if strings.HasPrefix(e, prefix) {
				return e, skipped
			}
			skipped = append(skipped, e)
		case <-deadline:
			p.t.Fatalf("libzmq peer %s: no %q in %v (saw %q): %s", p.name, prefix, Timeout, skipped, p.Stderr())
			return "", skipped
		}
	}
}

// Events returns the event lines seen and not yet read, without waiting.
func (p *Peer) Events() []string {
	var es []string
	for {
		select {
		case e := <-p.events:
			es = append(es, e)
		default:
			return es
		}
	}
}

// Pause stops the peer's process (SIGSTOP): its libzmq threads stop too,
// so it answers nothing, as a hung or unreachable peer.
func (p *Peer) Pause() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		p.t.Fatal(err)
	}
}

// Resume continues a paused peer (SIGCONT).
func (p *Peer) Resume() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		p.t.Fatal(err)
	}
}

// Stderr returns what the peer wrote on stderr so far.
func (p *Peer) Stderr() string {
	w := p.cmd.Stderr.(*syncWriter)
	w.mu.Lock()
	defer w.mu.Unlock()
	return p.stderr.String()
}

// Stop makes the peer quit (closing its stdin) and waits for it, killing it
// if it does not exit in time. Start arranges for it to run at cleanup.
func (p *Peer) Stop() {
	p.stopOnce.Do(func() {
		p.cmd.Process.Signal(syscall.SIGCONT) // in case it was paused
		p.stdin.Close()
		// Wait must not run before stdout is read to its end (os/exec).
		select {
		case <-p.done:
			if err := p.cmd.Wait(); err != nil && !p.t.Failed() {
				p.t.Errorf("libzmq peer %s: %v: %s", p.name, err, p.Stderr())
			}
		case <-time.After(Timeout):
			p.cmd.Process.Kill()
			<-p.done
			p.cmd.Wait()
			p.t.Errorf("libzmq peer %s did not exit; killed", p.name)
		}
		if p.t.Failed() {
			p.t.Logf("libzmq peer %s stderr: %s", p.name, p.Stderr())
		}
	})
}

// syncWriter serialises writes to w, which Stderr reads concurrently.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *syncWriter) Write(b []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(b)
}
