package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"syscall"
	"time"
)

// bindEndpoint is where binding peers listen: loopback tcp, port chosen by
// the kernel and read back from the peer's READY line.
const bindEndpoint = "tcp://127.0.0.1:0"

// Timeouts of one run. Generous: the machine is shared, and a hung peer
// must cost a cell, not the whole benchmark.
const (
	readyTimeout = 15 * time.Second
	runTimeout   = 60 * time.Second
)

// A pair names the implementations at the two ends of a measurement.
type pair struct{ send, recv string }

func (p pair) same() bool { return p.send == p.recv }

func (p pair) String() string {
	if p.same() {
		return implLabel[p.send]
	}
	return implLabel[p.send] + " → " + implLabel[p.recv]
}

// pushPull measures PUSH→PULL throughput: the PULL binds, the PUSH
// connects and sends count messages; the PULL times its first to its last
// message. It returns messages per second.
func (p *peers) pushPull(ends pair, count int64, size int) (float64, time.Duration, string, error) {
	return p.pushPullModes(ends, count, size, "")
}

// pushPullModes is pushPull with a prefix to the peers' modes ("curve":
// the PULL is the CURVE server, the PUSH its client).
func (p *peers) pushPullModes(ends pair, count int64, size int, prefix string) (float64, time.Duration, string, error) {
	pull, err := p.start(ends.recv, prefix+"pull", bindEndpoint, count, size)
	if err != nil {
		return 0, 0, "", err
	}
	defer pull.kill()
	ep, err := pull.expect("READY", readyTimeout, nil)
	if err != nil {
		return 0, 0, "", err
	}
	push, err := p.start(ends.send, prefix+"push", ep, count, size)
	if err != nil {
		return 0, 0, "", err
	}
	defer push.kill()
	// A sender that fails (n/a) would leave the receiver waiting: watch it.
	failed := make(chan error, 1)
	go func() {
		if err := push.wait(runTimeout); err != nil {
			failed <- err
		}
	}()
	type res struct {
		n   int64
		d   time.Duration
		err error
	}
	got := make(chan res, 1)
	go func() {
		n, d, err := pull.result(runTimeout)
		got <- res{n, d, err}
	}()
	select {
	case err := <-failed:
		return 0, 0, "", err
	case r := <-got:
		push.stdin.Close() // a zmq4 PUSH waits for this before closing
		if r.err != nil {
			return 0, 0, "", r.err
		}
		if r.n < 2 || r.d <= 0 {
			return 0, 0, "", fmt.Errorf("pull measured %d messages in %v", r.n, r.d)
		}
		select {
		case err := <-failed:
			return 0, 0, "", err
		case <-push.done:
		}
		if err := pull.wait(runTimeout); err != nil {
			return 0, 0, "", err
		}
		note := p.perMessage(count, map[string]*proc{"PUSH": push, "PULL": pull})
		return float64(r.n-1) / r.d.Seconds(), r.d, note, nil
	}
}

// pubPerDelivered is the role under which pubSub records the PUB's CPU
// time per message its subscribers received (lastCPU).
const pubPerDelivered = "PUB per delivered"

// pubSub measures PUB→SUB fan-out: nsubs SUBs connect to a PUB and
// subscribe to everything; once all are up the PUB publishes count
// messages, then end markers. Each SUB times its first message to its
// last 256th (reading the clock per message would slow it down). It returns the mean over the subscribers of messages per second
// delivered to one subscriber, and the smallest fraction of the published
// messages that a subscriber received (a PUB drops for a full subscriber).
func (p *peers) pubSub(ends pair, nsubs int, count int64, size int) (rate, delivered float64, d time.Duration, note string, err error) {
	pub, err := p.start(ends.send, "pub", bindEndpoint, count, size)
	if err != nil {
		return 0, 0, 0, "", err
	}
	defer pub.kill()
	ep, err := pub.expect("READY", readyTimeout, nil)
	if err != nil {
		return 0, 0, 0, "", err
	}
	subs := make([]*proc, nsubs)
	for i := range subs {
		if subs[i], err = p.start(ends.recv, "sub", ep, count, size); err != nil {
			return 0, 0, 0, "", err
		}
		defer subs[i].kill()
	}
	// READY means connect and subscribe were called; the subscription
	// still has to travel to the PUB, and a message published before it
	// arrives is not delivered. The PUB publishes empty probes until "go",
	// and a SUB says SUBSCRIBED at the first it gets: once all have, every
	// message of the run reaches every subscriber's queue.
	for _, s := range subs {
		if _, err := s.expect("READY", readyTimeout, nil); err != nil {
			return 0, 0, 0, "", err
		}
		if _, err := s.expect("SUBSCRIBED", readyTimeout, nil); err != nil {
			return 0, 0, 0, "", err
		}
	}
	if err := pub.send("go"); err != nil {
		return 0, 0, 0, "", err
	}
	start := time.Now()
	delivered = 1
	var n0 int64    // received by the first subscriber
	var total int64 // received by all
	for _, s := range subs {
		n, el, received, err := s.subResult(runTimeout)
		if err != nil {
			return 0, 0, 0, "", err
		}
		if received < 0 {
			received = n
		}
		if n < 2 || el <= 0 {
			return 0, 0, 0, "", fmt.Errorf("sub measured %d messages in %v", n, el)
		}
		rate += float64(n-1) / el.Seconds() / float64(nsubs)
		delivered = min(delivered, float64(received)/float64(count))
		total += received
		if s == subs[0] {
			n0 = received
		}
	}
	// The run is timed from "go" to the last result, which every
	// subscriber's own time (first to last message) falls within. A
	// subscriber times only what it received, which on a busy machine can be the few
	// thousand messages that fill its queue while the publisher, dropping
	// the rest, takes the CPU: the same whatever the count, so calibrating
	// on it alone grew the count to its maximum, runs of a minute or more
	// each (a ×16, 100,000 subscriptions cell that seemed to hang in
	// calibration). Timing the whole run grows with the count.
	d = time.Since(start)
	// Every subscriber has its result: the publisher's end markers can stop.
	pub.kill()
	if err := subs[0].wait(runTimeout); err != nil {
		return 0, 0, 0, "", err
	}
	note = p.perMessage(count, map[string]*proc{"PUB": pub})
	pubCPU := p.lastCPU["PUB"]
	note += "; " + p.perMessage(n0, map[string]*proc{"SUB": subs[0]})
	p.lastCPU["PUB"] = pubCPU // both ends
	// What the PUB spent per message it got to a subscriber: a PUB that
	// drops less publishes fewer messages for the same CPU time, each of
	// them delivered more often.
	if total > 0 {
		p.lastCPU[pubPerDelivered] = pubCPU * float64(count) / float64(total)
	}
	return rate, delivered, d, note, nil
}

// reqRep measures REQ→REP round trips: the REP binds and echoes, the REQ
// makes untimed warm-up round trips, then count timed ones. It returns the
// mean round trip.
func (p *peers) reqRep(ends pair, count int64, size int) (time.Duration, time.Duration, string, error) {
	rep, err := p.start(ends.recv, "rep", bindEndpoint, count, size)
	if err != nil {
		return 0, 0, "", err
	}
	defer rep.kill()
	ep, err := rep.expect("READY", readyTimeout, nil)
	if err != nil {
		return 0, 0, "", err
	}
	req, err := p.start(ends.send, "req", ep, count, size)
	if err != nil {
		return 0, 0, "", err
	}
	defer req.kill()
	n, d, err := req.result(runTimeout)
	if err != nil {
		// The REP may be the one that failed (n/a): say so.
		select {
		case <-rep.done:
			return 0, 0, "", rep.failure("exited")
		default:
		}
		return 0, 0, "", err
	}
	if n < 1 || d <= 0 {
		return 0, 0, "", fmt.Errorf("req measured %d round trips in %v", n, d)
	}
	if err := req.wait(runTimeout); err != nil {
		return 0, 0, "", err
	}
	rep.kill()
	note := p.perMessage(count, map[string]*proc{"REQ": req, "REP": rep})
	return d / time.Duration(n), d, note, nil
}

// perMessage formats, per message (or round trip), the CPU time of
// exited processes (by role; whole process, start-up included) and, with
// -syscalls, their system calls and context switches. CPU time depends
// far less than throughput on what else the machine runs.
func (p *peers) perMessage(n int64, procs map[string]*proc) string {
	var parts []string
	p.lastCPU = map[string]float64{}
	for _, role := range []string{"PUSH", "PULL", "PUB", "SUB", "REQ", "REP"} {
		pr, ok := procs[role]
		if !ok || pr.cmd.ProcessState == nil {
			continue
		}
		ps := pr.cmd.ProcessState
		cpu := ps.UserTime() + ps.SystemTime()
		p.lastCPU[role] = float64(cpu.Nanoseconds()) / 1000 / float64(n)
		part := fmt.Sprintf("%s %.2f µs CPU", role, float64(cpu.Nanoseconds())/1000/float64(n))
		if ru, ok := ps.SysUsage().(*syscall.Rusage); ok && pr.statFile == "" {
			// Linux reports the peak RSS in KiB. (Under perf stat it
			// would be perf's own.)
			part += fmt.Sprintf(", peak RSS %.1f MiB", float64(ru.Maxrss)/1024)
		}
		if p.countSyscalls && pr.statFile != "" {
			if sys, cs, err := pr.stats(); err != nil {
				part += fmt.Sprintf(" (%v)", err)
			} else {
				part += fmt.Sprintf(", %.3f syscalls, %.3f context switches", float64(sys)/float64(n), float64(cs)/float64(n))
			}
		}
		parts = append(parts, part)
	}
	return strings.Join(parts, "; ")
}

// memSample is one sample of a flooding publisher's memory.
type memSample struct {
	at   time.Duration
	rss  int64
	heap int64 // Go peers only; -1 otherwise
}

// pubMemory starts a publisher of impl that publishes size-byte messages
// as fast as it can to one subscriber (of stallImpl) that never reads, and
// samples the publisher's RSS (and Go heap) every second for dur.
func (p *peers) pubMemory(impl, stallImpl string, dur time.Duration, size int) ([]memSample, error) {
	pub, err := p.start(impl, "flood", bindEndpoint, 0, size)
	if err != nil {
		return nil, err
	}
	defer pub.kill()
	ep, err := pub.expect("READY", readyTimeout, nil)
	if err != nil {
		return nil, err
	}
	stall, err := p.start(stallImpl, "stall", ep, 0, size)
	if err != nil {
		return nil, err
	}
	defer stall.kill()
	if _, err := stall.expect("READY", readyTimeout, nil); err != nil {
		return nil, err
	}
	time.Sleep(200 * time.Millisecond) // let the subscription reach the PUB
	if err := pub.send("go"); err != nil {
		return nil, err
	}
	heap := int64(-1)
	var samples []memSample
	start := time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for len(samples) < int(dur/time.Second) {
		select {
		case line, ok := <-pub.lines:
			if !ok {
				<-pub.done
				return nil, pub.failure("exited")
			}
			if rest, found := strings.CutPrefix(line, "HEAP bytes="); found {
				fmt.Sscan(rest, &heap)
			}
		case <-tick.C:
			rss, err := rssBytes(pub.cmd.Process.Pid)
			if err != nil {
				return nil, err
			}
			samples = append(samples, memSample{at: time.Since(start), rss: rss, heap: heap})
		}
	}
	return samples, nil
}

// A measurement is the outcome of one cell: the median of several runs.
type measurement struct {
	value float64 // msgs/s, or µs for round trips
	runs  []float64
	note  string // e.g. the fraction delivered
	// delivered is, per run, the smallest fraction of the published
	// messages a subscriber received (PUB→SUB rows).
	delivered []float64
	err       error
	cpu       map[string][]float64 // CPU µs per message of each role, per run
}

func (m measurement) na() bool { return errors.Is(m.err, errNA) }

// median returns the median of xs (the mean of the middle two for an even
// count).
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n == 0 {
		return 0
	}
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// calibrate finds a message count for which one run takes about target:
// it runs pilot counts, growing them until a run lasts at least target/4,
// then scales. measure returns how long a run of n messages took.
func calibrate(pilot, maxCount int64, target time.Duration, measure func(n int64) (time.Duration, error)) (int64, error) {
	n := pilot
	for {
		d, err := measure(n)
		if err != nil {
			return 0, err
		}
		if d <= 0 {
			d = time.Microsecond
		}
		if d >= target/4 || n >= maxCount {
			want := int64(float64(n) * float64(target) / float64(d))
			return min(max(want, pilot), maxCount), nil
		}
		n = min(max(2*n, int64(float64(n)*float64(target)/float64(d)/2)), maxCount)
	}
}
