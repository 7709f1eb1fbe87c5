package paranoidpirate_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/topologies/internal/e2e"
)

var (
	queueRole  = e2e.Role{Pkg: "topologies/paranoidpirate/queue", Script: "topologies/paranoidpirate/py/ppqueue.py"}
	workerRole = e2e.Role{Pkg: "topologies/paranoidpirate/worker", Script: "topologies/paranoidpirate/py/ppworker.py"}
	// The guide's Lazy Pirate client talks to the queue as to a server.
	clientRole = e2e.Role{Pkg: "topologies/paranoidpirate/client", Script: "topologies/lazypirate/py/client.py"}
)

// langs says which implementation runs each role.
type langs struct {
	name                  string
	queue, worker, client e2e.Lang
}

var (
	generated = langs{"generated", e2e.Go, e2e.Go, e2e.Go}
	guide     = langs{"guide", e2e.Py, e2e.Py, e2e.Py}
	goQueue   = langs{"go-queue", e2e.Go, e2e.Py, e2e.Py}
	goWorker  = langs{"go-worker", e2e.Py, e2e.Go, e2e.Py}
	goClient  = langs{"go-client", e2e.Py, e2e.Py, e2e.Go}
)

// beat is a heartbeat setting: the interval and liveness of the
// heartbeats (for the generated nodes, the backend's and the worker's
// socket policies, which give both the protocol's heartbeats and ZMTP's),
// and the worker's reconnect backoff.
type beat struct {
	interval         time.Duration
	liveness         int
	initial, maximum time.Duration
}

// zguide is the zguide's setting, which paranoidpirate.ztopo declares.
var zguide = beat{time.Second, 3, time.Second, 32 * time.Second}

// pirates is a test's running queue, with its ports and settings.
type pirates struct {
	t                 *testing.T
	l                 langs
	b                 beat
	frontend, backend int
	queue             *e2e.Proc
}

func newPirates(t *testing.T, l langs, b beat) *pirates {
	return &pirates{t: t, l: l, b: b, frontend: e2e.Port(t), backend: e2e.Port(t)}
}

// startQueue starts the queue (again, after a kill: on the same ports)
// and waits until it listens.
func (p *pirates) startQueue(name string) *e2e.Proc {
	p.t.Helper()
	p.queue = queueRole.Start(p.t, p.l.queue, name,
		[]string{"-frontend.bind", e2e.Bind(p.frontend), "-backend.bind", e2e.Bind(p.backend),
			"-backend.heartbeat.interval", p.b.interval.String(), "-backend.heartbeat.liveness", fmt.Sprint(p.b.liveness)},
		[]string{"--frontend", e2e.Bind(p.frontend), "--backend", e2e.Bind(p.backend),
			"--interval", fmt.Sprint(p.b.interval.Seconds()), "--liveness", fmt.Sprint(p.b.liveness)})
	e2e.WaitListening(p.t, p.frontend)
	e2e.WaitListening(p.t, p.backend)
	return p.queue
}

// worker starts a worker with its own seed.
func (p *pirates) worker(name string, seed, troubleAfter int, work, overload time.Duration) *e2e.Proc {
	p.t.Helper()
	return workerRole.Start(p.t, p.l.worker, name,
		[]string{"-worker.connect", e2e.Connect(p.backend), "-seed", fmt.Sprint(seed),
			"-trouble_after", fmt.Sprint(troubleAfter), "-work", work.String(), "-overload", overload.String(),
			"-worker.heartbeat.interval", p.b.interval.String(), "-worker.heartbeat.liveness", fmt.Sprint(p.b.liveness),
			"-worker.reconnect.initial", p.b.initial.String(), "-worker.reconnect.max", p.b.maximum.String()},
		[]string{"--endpoint", e2e.Connect(p.backend), "--seed", fmt.Sprint(seed),
			"--trouble-after", fmt.Sprint(troubleAfter), "--work", fmt.Sprint(work.Seconds()),
			"--overload", fmt.Sprint(overload.Seconds()),
			"--interval", fmt.Sprint(p.b.interval.Seconds()), "--liveness", fmt.Sprint(p.b.liveness),
			"--reconnect-initial", fmt.Sprint(p.b.initial.Seconds()), "--reconnect-max", fmt.Sprint(p.b.maximum.Seconds())})
}

func (p *pirates) client(name string, requests int) *e2e.Proc {
	p.t.Helper()
	return clientRole.Start(p.t, p.l.client, name,
		[]string{"-client.connect", e2e.Connect(p.frontend), "-requests", fmt.Sprint(requests)},
		[]string{"--endpoint", e2e.Connect(p.frontend), "--requests", fmt.Sprint(requests)})
}

var readyLine = regexp.MustCompile(`(?m)^I: Worker ([0-9a-f]+) is ready$`)

// waitReady waits until the queue has printed n READY lines and returns
// the identity of the nth worker.
func waitReady(q *e2e.Proc, n int) string {
	q.WaitFor(fmt.Sprintf("%d workers ready", n), func(s string) bool { return len(readyLine.FindAllString(s, -1)) >= n })
	return readyLine.FindAllStringSubmatch(q.Stdout(), -1)[n-1][1]
}

// withoutHeartbeats drops the lines about heartbeats, whose number
// depends on timing, from a worker's output.
func withoutHeartbeats(s string) string {
	var keep []string
	for _, line := range e2e.Lines(s) {
		if line != "I: Queue heartbeat" && line != "I: Worker heartbeat" {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n") + "\n"
}

// TestEcho runs three clients and two workers that never misbehave, with
// the zguide's heartbeats: every request of every client is answered with
// its own echo at the first try.
func TestEcho(t *testing.T) {
	const clients, requests = 3, 10
	for _, l := range []langs{generated, guide, goQueue, goWorker, goClient} {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			p := newPirates(t, l, zguide)
			q := p.startQueue("queue")
			w1 := p.worker("worker1", 1, 1<<30, 10*time.Millisecond, 0)
			waitReady(q, 1)
			w2 := p.worker("worker2", 2, 1<<30, 10*time.Millisecond, 0)
			waitReady(q, 2)
			var cs []*e2e.Proc
			for i := range clients {
				cs = append(cs, p.client(fmt.Sprintf("client%d", i+1), requests))
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
			for _, w := range []*e2e.Proc{w1, w2} {
				w.Stop()
				lines := e2e.Lines(withoutHeartbeats(w.Stdout()))
				if len(lines) == 0 || lines[0] != "I: Worker ready" {
					t.Errorf("%s did not start with READY:\n%s", w.Name, w.Stdout())
					continue
				}
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
		})
	}
}

// The crash story: one worker, seeded so that the zguide's dice
// (CPython's random, which the Go worker reproduces) overload it on its
// fourth cycle and crash it on its sixth, as in simplepirate.
const (
	crashSeed = 6
	// Longer than the client's 2.5 s timeout, so the fourth request is
	// retried, and shorter than two timeouts, so that the retry is
	// answered: 1.25 s of margin on either side.
	crashOverload = 3750 * time.Millisecond
	crashWork     = 10 * time.Millisecond
)

// TestCrash runs the crash story with the zguide's heartbeats: the
// overloaded request is answered at its second try, and once the only
// worker has crashed the client gives up as the guide's does. Every
// combination of generated and Python nodes prints the golden transcript
// (heartbeat lines aside).
func TestCrash(t *testing.T) {
	for _, l := range []langs{generated, guide, goQueue, goWorker, goClient} {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			p := newPirates(t, l, zguide)
			q := p.startQueue("queue")
			w := p.worker("worker", crashSeed, 3, crashWork, crashOverload)
			waitReady(q, 1)
			c := p.client("client", 0)
			c.WaitOK()
			// The worker crashed, and ended normally, as the zguide's does.
			if code := w.Wait(); code != 0 {
				t.Errorf("worker exited with status %d after its crash, want 0", code)
			}
			q.Stop()

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
			e2e.Golden(t, "golden/transcripts/paranoidpirate.txt",
				fmt.Sprintf("What the paranoidpirate example prints (paranoidpirate_test.go, TestCrash):\n"+
					"one worker with -seed %d (trouble after 3 requests, overload %v, work\n"+
					"%v), the zguide's heartbeats (1s, liveness 3), one client with the\n"+
					"policy of paranoidpirate.ztopo (2.5s, 3 tries, reopen). The worker's\n"+
					"heartbeat lines, whose number depends on timing, are left out. The\n"+
					"generated nodes, the guide's and every mix print the same.", crashSeed, crashOverload, crashWork),
				e2e.Section{Name: "client", Text: c.Stdout()},
				e2e.Section{Name: "worker (heartbeat lines left out)", Text: withoutHeartbeats(w.Stdout())})
		})
	}
}

// TestPurge kills one of two idle workers. The queue must purge it once
// it has missed its heartbeats, and only it; from then on no request goes
// to it, so a client is served at the first try every time.
func TestPurge(t *testing.T) {
	// The zguide's heartbeats: a live worker on a busy machine must never
	// miss three in a row, or the queue would rightly purge it too.
	b := zguide
	for _, l := range []langs{generated, guide, goQueue, goWorker} {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			p := newPirates(t, l, b)
			q := p.startQueue("queue")
			victim := p.worker("worker1", 1, 1<<30, 10*time.Millisecond, 0)
			victimID := waitReady(q, 1)
			p.worker("worker2", 2, 1<<30, 10*time.Millisecond, 0)
			survivorID := waitReady(q, 2)

			victim.Kill()
			killed := time.Now()
			purged := fmt.Sprintf("W: Worker %s expired, purged\n", victimID)
			q.WaitFor("the dead worker purged", func(s string) bool { return strings.Contains(s, purged) })
			// For the record, not an assertion: it depends on the machine.
			t.Logf("purged %v after the kill (heartbeat %v, liveness %d)",
				time.Since(killed).Round(10*time.Millisecond), b.interval, b.liveness)

			const requests = 10
			c := p.client("client", requests)
			c.WaitOK()
			want := []string{"I: Connecting to server…"}
			for i := 1; i <= requests; i++ {
				want = append(want, fmt.Sprintf("I: Sending (b'%d')", i), fmt.Sprintf("I: Server replied OK (b'%d')", i))
			}
			if got := strings.Join(e2e.Lines(c.Stdout()), "\n"); got != strings.Join(want, "\n") {
				t.Errorf("after the purge, the client printed:\n%s\nwant every request answered at once:\n%s", got, strings.Join(want, "\n"))
			}
			if strings.Contains(q.Stdout(), fmt.Sprintf("W: Worker %s expired", survivorID)) {
				t.Errorf("the queue purged the live worker %s:\n%s", survivorID, q.Stdout())
			}
		})
	}
}

var reconnectLine = regexp.MustCompile(`(?m)^W: Reconnecting in (\d+\.\d\d)s…$`)

// TestQueueRestart kills the queue under a worker and starts a new one on
// the same ports after the worker has tried three times to get back. The
// worker must say so with a doubling wait, capped, and serve again once
// the queue is back.
func TestQueueRestart(t *testing.T) {
	b := beat{250 * time.Millisecond, 3, 250 * time.Millisecond, time.Second}
	for _, l := range []langs{generated, guide, goQueue, goWorker} {
		t.Run(l.name, func(t *testing.T) {
			t.Parallel()
			p := newPirates(t, l, b)
			q := p.startQueue("queue")
			w := p.worker("worker", 1, 1<<30, 10*time.Millisecond, 0)
			waitReady(q, 1)

			// The backoff starts over once the worker hears from the queue.
			w.WaitFor("a heartbeat from the queue", func(s string) bool { return strings.Contains(s, "I: Queue heartbeat\n") })
			killMark := len(w.Stdout())
			q.Kill()
			w.WaitFor("three reconnects", func(s string) bool { return len(reconnectLine.FindAllString(s[killMark:], -1)) >= 3 })
			mark := len(w.Stdout())
			p.startQueue("queue2")
			// Back: the new queue is talking to the worker.
			w.WaitFor("a heartbeat from the new queue", func(s string) bool {
				return strings.Contains(s[mark:], "I: Queue heartbeat\n")
			})
			// The worker's attempts while the queue was away, up to the new
			// queue's first heartbeat (a few more may come after the three).
			out := w.Stdout()
			away := out[killMark : mark+strings.Index(out[mark:], "I: Queue heartbeat\n")]

			const requests = 5
			c := p.client("client", requests)
			c.WaitOK()
			if got := strings.Count(c.Stdout(), "I: Server replied OK"); got != requests {
				t.Errorf("after the restart, %d of %d requests answered:\n%s", got, requests, c.Stdout())
			}
			w.Stop()

			// 0.25 s, then doubling up to 1 s while the queue stays away.
			waits := reconnectLine.FindAllStringSubmatch(away, -1)
			want := []string{"0.25", "0.50", "1.00"}
			var got []string
			for i, m := range waits {
				got = append(got, m[1])
				exp := "1.00"
				if i < len(want) {
					exp = want[i]
				}
				if m[1] != exp {
					t.Errorf("reconnect wait %d is %ss, want %ss; worker, from the kill on:\n%s", i+1, m[1], exp, withoutHeartbeats(away))
					break
				}
			}
			t.Logf("reconnect waits while the queue was away: %v", got)
			// Each wait follows a heartbeat failure, as in the zguide.
			lines := e2e.Lines(withoutHeartbeats(w.Stdout()))
			for i, line := range lines {
				if reconnectLine.MatchString(line) && (i == 0 || lines[i-1] != "W: Heartbeat failure, can't reach queue") {
					t.Errorf("line %d, %q, does not follow a heartbeat failure:\n%s", i+1, line, strings.Join(lines, "\n"))
				}
			}
			if !strings.Contains(w.Stdout()[mark:], "I: Normal reply") {
				t.Errorf("the worker served nothing after the restart:\n%s", withoutHeartbeats(w.Stdout()))
			}
		})
	}
}
