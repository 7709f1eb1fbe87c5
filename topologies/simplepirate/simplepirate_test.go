package simplepirate_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/topologies/internal/e2e"
)

var (
	queueRole  = e2e.Role{Pkg: "topologies/simplepirate/queue", Script: "topologies/simplepirate/py/spqueue.py"}
	workerRole = e2e.Role{Pkg: "topologies/simplepirate/worker", Script: "topologies/simplepirate/py/spworker.py"}
	// The guide's Lazy Pirate client talks to the queue as to a server.
	clientRole = e2e.Role{Pkg: "topologies/simplepirate/client", Script: "topologies/lazypirate/py/client.py"}
)

// langs says which implementation runs each role.
type langs struct {
	name                  string
	queue, worker, client e2e.Lang
}

// combos are every role generated, every role the guide's Python, and
// each role generated among Python peers.
var combos = []langs{
	{"generated", e2e.Go, e2e.Go, e2e.Go},
	{"guide", e2e.Py, e2e.Py, e2e.Py},
	{"go-queue", e2e.Go, e2e.Py, e2e.Py},
	{"go-worker", e2e.Py, e2e.Go, e2e.Py},
	{"go-client", e2e.Py, e2e.Py, e2e.Go},
}

// pirates is a running queue with its ports.
type pirates struct {
	t                 *testing.T
	l                 langs
	frontend, backend int
	queue             *e2e.Proc
}

func startQueue(t *testing.T, l langs) *pirates {
	t.Helper()
	p := &pirates{t: t, l: l, frontend: e2e.Port(t), backend: e2e.Port(t)}
	p.queue = queueRole.Start(t, l.queue, "queue",
		[]string{"-frontend.bind", e2e.Bind(p.frontend), "-backend.bind", e2e.Bind(p.backend)},
		[]string{"--frontend", e2e.Bind(p.frontend), "--backend", e2e.Bind(p.backend)})
	e2e.WaitListening(t, p.frontend)
	e2e.WaitListening(t, p.backend)
	return p
}

// worker starts a worker with its own seed, and waits until it has said
// READY.
func (p *pirates) worker(name string, seed, troubleAfter int, work, overload time.Duration) *e2e.Proc {
	p.t.Helper()
	w := workerRole.Start(p.t, p.l.worker, name,
		[]string{"-worker.connect", e2e.Connect(p.backend), "-seed", fmt.Sprint(seed),
			"-trouble_after", fmt.Sprint(troubleAfter), "-work", work.String(), "-overload", overload.String()},
		[]string{"--endpoint", e2e.Connect(p.backend), "--seed", fmt.Sprint(seed),
			"--trouble-after", fmt.Sprint(troubleAfter), "--work", fmt.Sprint(work.Seconds()),
			"--overload", fmt.Sprint(overload.Seconds())})
	w.WaitFor("READY", func(s string) bool { return strings.HasPrefix(s, "I: Worker ready\n") })
	return w
}

// client starts a client with the retry timeout of simplepirate.ztopo, or
// timeout when it is not 0.
func (p *pirates) client(name string, requests int, timeout time.Duration) *e2e.Proc {
	p.t.Helper()
	goArgs := []string{"-client.connect", e2e.Connect(p.frontend), "-requests", fmt.Sprint(requests)}
	pyArgs := []string{"--endpoint", e2e.Connect(p.frontend), "--requests", fmt.Sprint(requests)}
	if timeout != 0 {
		goArgs = append(goArgs, "-client.retry.timeout", timeout.String())
		pyArgs = append(pyArgs, "--timeout", fmt.Sprint(timeout.Milliseconds()))
	}
	return clientRole.Start(p.t, p.l.client, name, goArgs, pyArgs)
}

// TestEcho runs three clients and two workers that never misbehave: every
// request of every client is answered with its own echo at the first try,
// and the workers share the work.
func TestEcho(t *testing.T) {
	const clients, requests = 3, 10
	for _, l := range combos {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			p := startQueue(t, l)
			var ws []*e2e.Proc
			for i := range 2 {
				ws = append(ws, p.worker(fmt.Sprintf("worker%d", i+1), 1+i, 1<<30, 10*time.Millisecond, 0))
			}
			var cs []*e2e.Proc
			for i := range clients {
				cs = append(cs, p.client(fmt.Sprintf("client%d", i+1), requests, 0))
			}
			want := []string{"I: Connecting to server…"}
			for i := 1; i <= requests; i++ {
				want = append(want, fmt.Sprintf("I: Sending (b'%d')", i), fmt.Sprintf("I: Server replied OK (b'%d')", i))
			}
			for _, c := range cs {
				c.WaitOK()
				if got := strings.Join(e2e.Lines(c.Stdout()), "\n"); got != strings.Join(want, "\n") {
					t.Errorf("%s printed:\n%s\nwant:\n%s", c.Name, got, strings.Join(want, "\n"))
				}
			}
			replies := 0
			for _, w := range ws {
				w.Stop()
				lines := e2e.Lines(w.Stdout())
				for _, line := range lines[1:] {
					if line != "I: Normal reply" {
						t.Errorf("%s printed %q", w.Name, line)
					}
				}
				replies += len(lines) - 1
			}
			if replies != clients*requests {
				t.Errorf("workers replied %d times, want %d", replies, clients*requests)
			}
			{
				e2e.Golden(t, "golden/transcripts/simplepirate-echo.txt",
					fmt.Sprintf("What the simplepirate example prints (simplepirate_test.go, TestEcho): %d\n"+
						"clients of %d requests each, 2 workers that never misbehave. Every\n"+
						"client prints the same; how the replies split between workers varies,\n"+
						"so they are counted. Every combination of generated and Python nodes\n"+
						"is checked against the same lines.", clients, requests),
					e2e.Section{Name: "each client", Text: cs[0].Stdout()},
					e2e.Section{Name: "workers (replies counted)", Text: fmt.Sprintf("I: Worker ready (each)\n%d times I: Normal reply\n", replies)})
			}
		})
	}
}

// TestKillWorker kills one of two workers while two clients are busy. The
// clients must not notice more than a retry: every request is answered
// with its own echo, none is abandoned.
//
// The clients wait 1 s for a reply instead of the .ztopo's 2.5 s, so that
// the retry of the request the dead worker held comes sooner. A request
// loses at most two tries (the one the dead worker held and, if the queue
// still had it in line, the next), and a reply from the live worker takes
// 20 ms of work, so a third try always finds it; a try that is merely
// slow is retried, which the test allows.
func TestKillWorker(t *testing.T) {
	const requests = 20
	const timeout = time.Second
	for _, l := range []langs{combos[0], combos[1], combos[2], combos[3]} {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			p := startQueue(t, l)
			victim := p.worker("worker1", 1, 1<<30, 20*time.Millisecond, 0)
			p.worker("worker2", 2, 1<<30, 20*time.Millisecond, 0)
			c1, c2 := p.client("client1", requests, timeout), p.client("client2", requests, timeout)

			// Mid-run: both workers have served, and requests are flowing.
			victim.WaitFor("a few replies", func(s string) bool { return strings.Count(s, "I: Normal reply") >= 3 })
			victim.Kill()

			retries := 0
			for _, c := range []*e2e.Proc{c1, c2} {
				c.WaitOK()
				retries += checkAnswered(t, c, requests)
			}
			// The dead worker held a request, or was next in line for one:
			// some client lost a request and retried it.
			if retries == 0 {
				t.Errorf("no client retried a request, yet a worker was killed with work to do")
			}
		})
	}
}

// checkAnswered checks that client c got every one of its requests
// answered with its own echo, in order, possibly after retries, and
// abandoned none. It returns the number of retries.
func checkAnswered(t *testing.T, c *e2e.Proc, requests int) (retries int) {
	t.Helper()
	lines := e2e.Lines(c.Stdout())
	if len(lines) == 0 || lines[0] != "I: Connecting to server…" {
		t.Errorf("%s did not start with \"I: Connecting to server…\":\n%s", c.Name, c.Stdout())
		return 0
	}
	i := 1
	for n := 1; n <= requests; n++ {
		seq := fmt.Sprintf("(b'%d')", n)
		next := func(want string) bool {
			if i < len(lines) && lines[i] == want {
				i++
				return true
			}
			return false
		}
		if !next("I: Sending " + seq) {
			t.Errorf("%s: line %d is not \"I: Sending %s\":\n%s", c.Name, i+1, seq, c.Stdout())
			return retries
		}
		for next("W: No response from server, retrying…") {
			if !next("I: Reconnecting and resending " + seq) {
				t.Errorf("%s: request %d abandoned or garbled at line %d:\n%s", c.Name, n, i+1, c.Stdout())
				return retries
			}
			retries++
		}
		if !next("I: Server replied OK " + seq) {
			t.Errorf("%s: line %d is not \"I: Server replied OK %s\":\n%s", c.Name, i+1, seq, c.Stdout())
			return retries
		}
	}
	if i != len(lines) {
		t.Errorf("%s printed more than its %d requests:\n%s", c.Name, requests, c.Stdout())
	}
	return retries
}

// The crash story: one worker, seeded so that the zguide's dice
// (CPython's random, which the Go worker reproduces) overload it on its
// fourth cycle and crash it on its sixth.
const (
	crashSeed = 6
	// Longer than the client's 2.5 s timeout, so the fourth request is
	// retried, and shorter than two timeouts, so that the retry, which
	// waits at the queue until the worker is free, is answered: 1.25 s of
	// margin on either side.
	crashOverload = 3750 * time.Millisecond
	crashWork     = 10 * time.Millisecond
)

// TestCrash runs the crash story through the queue: the overloaded
// request is answered at its second try, and once the only worker has
// crashed the client gives up as the guide's does. Every combination of
// generated and Python nodes prints the golden transcript.
func TestCrash(t *testing.T) {
	for _, l := range combos {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			p := startQueue(t, l)
			w := p.worker("worker", crashSeed, 3, crashWork, crashOverload)
			// The .ztopo's 2.5 s timeout: the overload sits between one
			// and two timeouts with 1.25 s on either side, which a shorter
			// timeout would narrow.
			c := p.client("client", 0, 0)
			c.WaitOK()
			// The worker crashed, and ended normally, as the zguide's does.
			if code := w.Wait(); code != 0 {
				t.Errorf("worker exited with status %d after its crash, want 0", code)
			}
			p.queue.Stop()

			lines := e2e.Lines(c.Stdout())
			tail := []string{
				"W: No response from server, retrying…",
				"I: Reconnecting and resending (b'5')",
				"W: No response from server, retrying…",
				"I: Reconnecting and resending (b'5')",
				"W: No response from server, retrying…",
				"E: Server seems to be offline, abandoning",
			}
			if len(lines) < len(tail) || strings.Join(lines[len(lines)-len(tail):], "\n") != strings.Join(tail, "\n") {
				t.Errorf("client's last lines:\n%s\nwant:\n%s", c.Stdout(), strings.Join(tail, "\n"))
			}
			e2e.Golden(t, "golden/transcripts/simplepirate.txt",
				fmt.Sprintf("What the simplepirate example prints (simplepirate_test.go, TestCrash): one\n"+
					"worker with -seed %d (trouble after 3 requests, overload %v, work %v),\n"+
					"one client with the policy of simplepirate.ztopo (2.5s, 3 tries, reopen).\n"+
					"The queue prints nothing. The generated nodes, the guide's and every\n"+
					"mix print the same.", crashSeed, crashOverload, crashWork),
				e2e.Section{Name: "client", Text: c.Stdout()},
				e2e.Section{Name: "worker", Text: w.Stdout()})
		})
	}
}
