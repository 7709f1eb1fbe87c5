package main

// The peer-count scenarios (issue 16): how a server's cost grows with its
// number of peers. They are not in the default run (-scenarios router,fanout
// asks for them):
//
//   - router: a ROUTER (the runtime's, or libzmq's C peer) with N DEALERs.
//     The DEALERs are all libzmq, in load processes of their own (at most
//     maxPerLoad each), so the load is the same whichever server it meets.
//     Connect storm: every DEALER connects at once and sends one request;
//     the cell is the time from the first connect to the last first reply.
//     Idle: a second later, the server's RSS (VmRSS) minus its RSS before
//     the peers came, per peer, and its goroutines (libzmq: threads) per
//     peer. Active: every DEALER keeps one request outstanding for -target;
//     aggregate round trips per second, their p50 and p99, and the server's
//     CPU time per round trip.
//   - fanout: a PUB publishing as fast as it can to N SUBs, all libzmq, in
//     load processes; the aggregate messages per second the SUBs receive,
//     and the PUB's CPU time per message received.

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Scenario names of the peer-count scenarios, which -scenarios accepts but
// the default run leaves out.
const (
	scRouter = "router"
	scFanout = "fanout"
)

const (
	// maxPerLoad is the most DEALERs or SUBs one load process holds. Each
	// libzmq socket takes two descriptors (its connection and its
	// mailbox's eventfd), and the hard RLIMIT_NOFILE may be as low as
	// 20,000 (as on the machine this was written on); and each process
	// has one I/O thread, which on a busy machine gets its share of the
	// CPU like any other thread: with 4,000 DEALERs a process, the load
	// side rather than the server set the pace of the connect storm.
	maxPerLoad = 2000
	// settle is how long the server is left alone after the storm before
	// its idle figures are read.
	settle = time.Second
	// stormTimeout bounds the connect storm of one run.
	stormTimeout = 2 * time.Minute
)

// A peerRun is what one run of a ROUTER cell measured.
type peerRun struct {
	spread    time.Duration // connect storm: first connect to the last first reply
	rssPeer   float64       // server RSS added per idle peer, bytes
	heapPeer  float64       // Go heap in use added per idle peer, bytes (runtime only)
	stackPeer float64       // goroutine stacks added per idle peer, bytes (runtime only)
	perPeer   float64       // goroutines (runtime) or threads (libzmq) added per peer
	rate      float64       // aggregate round trips per second, all DEALERs busy
	p50, p99  time.Duration // round trips
	cpu       float64       // server CPU µs per round trip
	stormCPU  time.Duration // server CPU time during the storm
	loadCPU   time.Duration // the load processes' CPU time during the storm
	drops     int64         // kernel ListenDrops during the storm (machine-wide)
	fails     int64         // kernel Tcp AttemptFails during the storm (machine-wide)
}

// A fanoutRun is what one run of a PUB fan-out cell measured.
type fanoutRun struct {
	rate float64 // messages per second, all SUBs together
	cpu  float64 // PUB CPU µs per message received
}

// startLoad starts the libzmq load processes of n DEALERs or SUBs (mode
// "dealers" or "subs") against ep and waits until each is ready. (All
// connect from 127.0.0.1: 10,000 connections are well within the ~28,000
// ephemeral ports of one address pair, and a port in TIME_WAIT from an
// earlier run is no obstacle, each run's server having a new port.)
func (p *peers) startLoad(mode, ep string, n, size int) ([]*proc, error) {
	var loads []*proc
	for n > 0 {
		k := min(n, maxPerLoad)
		n -= k
		l, err := p.start(implC, mode, ep, int64(k), size)
		if err != nil {
			killAll(loads)
			return nil, err
		}
		loads = append(loads, l)
	}
	for _, l := range loads {
		if _, err := l.expect("READY", readyTimeout, nil); err != nil {
			killAll(loads)
			return nil, err
		}
	}
	return loads, nil
}

// startCell starts a server of impl in mode and, once it listens, n peers
// of the load processes in loadMode against it. On an error it kills what
// it started.
func (p *peers) startCell(impl, mode, loadMode string, n, size int) (*proc, []*proc, error) {
	srv, err := p.start(impl, mode, bindEndpoint, 0, size)
	if err != nil {
		return nil, nil, err
	}
	ep, err := srv.expect("READY", readyTimeout, nil)
	if err == nil {
		var loads []*proc
		if loads, err = p.startLoad(loadMode, ep, n, size); err == nil {
			return srv, loads, nil
		}
	}
	srv.kill()
	return nil, nil, err
}

func killAll(ps []*proc) {
	for _, pr := range ps {
		pr.kill()
	}
}

// serverStats returns the server's goroutines, Go heap in use and
// goroutine stacks (a runtime server, which prints them when asked), or
// its threads and -1, -1 (libzmq).
func serverStats(srv *proc, impl string) (g, heap, stack int64, err error) {
	if impl == implC {
		n, err := procStatus(srv.cmd.Process.Pid, "Threads:")
		return n, -1, -1, err
	}
	if err := srv.send("stats"); err != nil {
		return 0, 0, 0, err
	}
	rest, err := srv.expect("STATS", readyTimeout, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	if _, err := fmt.Sscanf(rest, "goroutines=%d heap=%d stack=%d", &g, &heap, &stack); err != nil {
		return 0, 0, 0, fmt.Errorf("%s: bad STATS line %q", srv.name, rest)
	}
	return g, heap, stack, nil
}

// routerRun runs one ROUTER cell: a server of impl with n DEALERs. If
// profile is set (a runtime server), the server writes its heap and
// goroutine profiles there once the peers are idle.
func (p *peers) routerRun(impl string, n int, dur time.Duration, size int, profile string) (peerRun, error) {
	var r peerRun
	srv, loads, err := p.startCell(impl, "router", "dealers", n, size)
	if err != nil {
		return r, err
	}
	defer srv.kill()
	defer killAll(loads)
	pid := srv.cmd.Process.Pid
	rss0, err := rssBytes(pid)
	if err != nil {
		return r, err
	}
	g0, h0, s0, err := serverStats(srv, impl)
	if err != nil {
		return r, err
	}
	k0 := tcpCounters()
	c0, err := cpuTime(pid)
	if err != nil {
		return r, err
	}
	l0 := loadCPU(loads)
	for _, l := range loads {
		if err := l.send("connect"); err != nil {
			return r, err
		}
	}
	var first, last int64
	for _, l := range loads {
		rest, err := l.expect("CONNECTED", stormTimeout, nil)
		if err != nil {
			return r, err
		}
		var f, t int64
		if _, err := fmt.Sscanf(rest, "first=%d last=%d", &f, &t); err != nil {
			return r, fmt.Errorf("%s: bad CONNECTED line %q", l.name, rest)
		}
		if first == 0 || f < first {
			first = f
		}
		last = max(last, t)
	}
	k1 := tcpCounters()
	c1, err := cpuTime(pid)
	if err != nil {
		return r, err
	}
	r.stormCPU = c1 - c0
	r.loadCPU = loadCPU(loads) - l0
	r.spread = time.Duration(last - first)
	r.drops = k1["ListenDrops"] - k0["ListenDrops"]
	r.fails = k1["AttemptFails"] - k0["AttemptFails"]
	time.Sleep(settle)
	rss1, err := rssBytes(pid)
	if err != nil {
		return r, err
	}
	g1, h1, s1, err := serverStats(srv, impl)
	if err != nil {
		return r, err
	}
	r.rssPeer = float64(rss1-rss0) / float64(n)
	r.perPeer = float64(g1-g0) / float64(n)
	r.heapPeer, r.stackPeer = -1, -1
	if h0 >= 0 {
		r.heapPeer = float64(h1-h0) / float64(n)
		r.stackPeer = float64(s1-s0) / float64(n)
	}
	if profile != "" && impl != implC {
		if err := srv.send("profile " + profile); err != nil {
			return r, err
		}
		if _, err := srv.expect("PROFILED", runTimeout, nil); err != nil {
			return r, err
		}
	}
	var p50s []float64
	r.cpu, err = runLoads(pid, loads, dur, func(l *proc, rest string) (int64, error) {
		var count, ns, p50, p99 int64
		if _, err := fmt.Sscanf(rest, "count=%d ns=%d p50=%d p99=%d", &count, &ns, &p50, &p99); err != nil || ns <= 0 {
			return 0, fmt.Errorf("%s: bad RESULT line %q", l.name, rest)
		}
		r.rate += float64(count) / time.Duration(ns).Seconds()
		p50s = append(p50s, float64(p50))
		r.p99 = max(r.p99, time.Duration(p99))
		return count, nil
	})
	if err != nil {
		return r, err
	}
	r.p50 = time.Duration(median(p50s))
	return r, nil
}

// fanoutRun runs one PUB fan-out cell: a flooding PUB of impl and n SUBs.
func (p *peers) fanoutRun(impl string, n int, dur time.Duration, size int) (fanoutRun, error) {
	var r fanoutRun
	pub, loads, err := p.startCell(impl, "flood", "subs", n, size)
	if err != nil {
		return r, err
	}
	defer pub.kill()
	defer killAll(loads)
	if err := pub.send("go"); err != nil {
		return r, err
	}
	for _, l := range loads {
		if _, err := l.expect("SUBSCRIBED", stormTimeout, nil); err != nil {
			return r, err
		}
	}
	r.cpu, err = runLoads(pub.cmd.Process.Pid, loads, dur, func(l *proc, rest string) (int64, error) {
		var count, ns int64
		if _, err := fmt.Sscanf(rest, "count=%d ns=%d", &count, &ns); err != nil || ns <= 0 {
			return 0, fmt.Errorf("%s: bad RESULT line %q", l.name, rest)
		}
		r.rate += float64(count) / time.Duration(ns).Seconds()
		return count, nil
	})
	return r, err
}

// runLoads has every load process run for dur, hands each one's RESULT
// line to result, which returns the messages it counted, and returns the
// server's (pid's) CPU time per message over the run, in µs.
func runLoads(pid int, loads []*proc, dur time.Duration, result func(l *proc, rest string) (int64, error)) (float64, error) {
	cpu0, err := cpuTime(pid)
	if err != nil {
		return 0, err
	}
	for _, l := range loads {
		if err := l.send(fmt.Sprintf("run %d", dur.Milliseconds())); err != nil {
			return 0, err
		}
	}
	var total int64
	for _, l := range loads {
		rest, err := l.expect("RESULT", runTimeout, nil)
		if err != nil {
			return 0, err
		}
		n, err := result(l, rest)
		if err != nil {
			return 0, err
		}
		total += n
	}
	cpu1, err := cpuTime(pid)
	if err != nil || total == 0 {
		return 0, err
	}
	return float64((cpu1 - cpu0).Microseconds()) / float64(total), nil
}

// loadCPU is the CPU time the load processes used so far.
func loadCPU(loads []*proc) time.Duration {
	var t time.Duration
	for _, l := range loads {
		c, _ := cpuTime(l.cmd.Process.Pid)
		t += c
	}
	return t
}

// clockTick is the unit of /proc/PID/stat's CPU times (USER_HZ, 100 on
// Linux).
const clockTick = 10 * time.Millisecond

// cpuTime is the user + system CPU time a process used so far, all its
// threads together.
func cpuTime(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: count from its ')'.
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64) // utime, field 14
	t, err2 := strconv.ParseInt(f[12], 10, 64) // stime, field 15
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bad /proc/%d/stat", pid)
	}
	return time.Duration(u+t) * clockTick, nil
}

// tcpCounters reads the kernel's TCP counters of this network namespace
// (Tcp and TcpExt of /proc/net/snmp and /proc/net/netstat) by name. They
// count every connection on the machine, not only the benchmark's.
func tcpCounters() map[string]int64 {
	out := map[string]int64{}
	for _, file := range []string{"/proc/net/snmp", "/proc/net/netstat"} {
		data, err := os.ReadFile(file)
		if err != nil {
			continue
		}
		lines := strings.Split(string(data), "\n")
		for i := 0; i+1 < len(lines); i += 2 {
			names, values := strings.Fields(lines[i]), strings.Fields(lines[i+1])
			if len(names) != len(values) || len(names) == 0 || (names[0] != "Tcp:" && names[0] != "TcpExt:") {
				continue
			}
			for j := 1; j < len(names); j++ {
				if v, err := strconv.ParseInt(values[j], 10, 64); err == nil {
					out[names[j]] = v
				}
			}
		}
	}
	return out
}

// A peerRow is one peer count of the router or fanout scenario: every
// run of each implementation.
type peerRow struct {
	sc     string
	n      int
	router map[string][]peerRun
	fanout map[string][]fanoutRun
	err    map[string]error
}

// peerImpls are the implementations of impls the peer-count scenarios
// compare.
func peerImpls(impls []string) []string {
	var out []string
	for _, impl := range impls {
		if impl == implRuntime || impl == implC {
			out = append(out, impl)
		}
	}
	return out
}

// measurePeers measures the rows of a peer-count scenario, runs
// interleaved across implementations.
func (b *bench) measurePeers(sc string) []*peerRow {
	counts := b.cfg.peers
	if sc == scFanout {
		counts = b.cfg.fanout
	}
	var rows []*peerRow
	for _, n := range counts {
		pr := &peerRow{sc: sc, n: n, router: map[string][]peerRun{}, fanout: map[string][]fanoutRun{}, err: map[string]error{}}
		for i := 0; i < b.cfg.runs; i++ {
			for _, impl := range peerImpls(b.cfg.impls) {
				if pr.err[impl] != nil {
					continue
				}
				b.logf("%s ×%d: %s: run %d of %d\n", sc, n, implLabel[impl], i+1, b.cfg.runs)
				var err error
				if sc == scRouter {
					profile := ""
					if b.cfg.memProfile != "" {
						profile = filepath.Join(b.cfg.memProfile, fmt.Sprintf("router-%d", n))
					}
					var r peerRun
					r, err = b.peers.routerRun(impl, n, b.cfg.target, b.cfg.rttSize, profile)
					if err == nil {
						pr.router[impl] = append(pr.router[impl], r)
						if b.cfg.verbose {
							b.logf("  %+v\n", r)
						}
					}
				} else {
					var r fanoutRun
					r, err = b.peers.fanoutRun(impl, n, b.cfg.target, b.cfg.pubSize)
					if err == nil {
						pr.fanout[impl] = append(pr.fanout[impl], r)
					}
				}
				if err != nil {
					b.logf("  %v\n", err)
					pr.err[impl] = err
				}
			}
		}
		rows = append(rows, pr)
	}
	return rows
}

// medianOf is the median of f over runs.
func medianOf[T any](runs []T, f func(T) float64) float64 {
	xs := make([]float64, len(runs))
	for i, r := range runs {
		xs[i] = f(r)
	}
	return median(xs)
}

// Targets of issue 16, checked at these peer counts.
const (
	idleTargetPeers   = 10000
	activeTargetPeers = 1000
	idleTarget        = 1.5 // runtime RSS per idle peer ≤ 1.5× libzmq's
	activeTarget      = 1.0 // runtime aggregate ROUTER rate ≥ 1.0× libzmq's
	stormTarget       = 2 * time.Second
)

// writePeers prints the peer-count tables, their targets and notes.
func writePeers(w io.Writer, rows []*peerRow, impls []string) {
	var notes []string
	header := false
	for _, pr := range rows {
		if pr.sc != scRouter {
			continue
		}
		if !header {
			fmt.Fprint(w, "\nROUTER with N DEALERs (libzmq DEALERs in separate processes; medians):\n\n")
			fmt.Fprint(w, "| DEALERs | Server | connect storm s | idle RSS KiB/peer | idle Go heap KiB/peer | goroutines (C: threads)/peer | active msgs/s | p50 ms | p99 ms | server CPU µs/msg |\n")
			fmt.Fprint(w, "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
			header = true
		}
		med := map[string]map[string]float64{}
		for _, impl := range impls {
			runs := pr.router[impl]
			if err := pr.err[impl]; err != nil {
				notes = append(notes, fmt.Sprintf("ROUTER ×%s, %s: %s", thousands(pr.n), implLabel[impl], oneLine(err.Error())))
			}
			if len(runs) == 0 {
				fmt.Fprintf(w, "| %s | %s | error | | | | | | | |\n", thousands(pr.n), implLabel[impl])
				continue
			}
			m := map[string]float64{
				"spread": medianOf(runs, func(r peerRun) float64 { return r.spread.Seconds() }),
				"rss":    medianOf(runs, func(r peerRun) float64 { return r.rssPeer / 1024 }),
				"heap":   medianOf(runs, func(r peerRun) float64 { return r.heapPeer / 1024 }),
				"per":    medianOf(runs, func(r peerRun) float64 { return r.perPeer }),
				"rate":   medianOf(runs, func(r peerRun) float64 { return r.rate }),
				"p50":    medianOf(runs, func(r peerRun) float64 { return float64(r.p50) / 1e6 }),
				"p99":    medianOf(runs, func(r peerRun) float64 { return float64(r.p99) / 1e6 }),
				"cpu":    medianOf(runs, func(r peerRun) float64 { return r.cpu }),
			}
			med[impl] = m
			heap := "—"
			if m["heap"] >= 0 {
				heap = fmt.Sprintf("%.1f", m["heap"])
			}
			fmt.Fprintf(w, "| %s | %s | %.2f | %.1f | %s | %.3f | %s | %.2f | %.2f | %.1f |\n", thousands(pr.n), implLabel[impl],
				m["spread"], m["rss"], heap, m["per"], rateText(m["rate"]), m["p50"], m["p99"], m["cpu"])
			var parts []string
			for _, r := range runs {
				mem := fmt.Sprintf("%.1f KiB/peer", r.rssPeer/1024)
				if r.stackPeer >= 0 {
					mem += fmt.Sprintf(" (Go heap %.1f, stacks %.1f)", r.heapPeer/1024, r.stackPeer/1024)
				}
				parts = append(parts, fmt.Sprintf("storm %.2f s (CPU: server %.2f s, DEALERs %.2f s; listen drops %d, failed attempts %d), %s, %s msgs/s, p50/p99 %.2f/%.2f ms, %.1f µs CPU/msg",
					r.spread.Seconds(), r.stormCPU.Seconds(), r.loadCPU.Seconds(), r.drops, r.fails, mem, rateText(r.rate), float64(r.p50)/1e6, float64(r.p99)/1e6, r.cpu))
			}
			notes = append(notes, fmt.Sprintf("ROUTER ×%s, %s, every run: %s", thousands(pr.n), implLabel[impl], strings.Join(parts, "; ")))
		}
		a, b := med[implRuntime], med[implC]
		if a == nil || b == nil {
			continue
		}
		ratio := func(k string) string {
			if b[k] <= 0 || a[k] < 0 {
				return "—"
			}
			return fmt.Sprintf("%.2f×", a[k]/b[k])
		}
		fmt.Fprintf(w, "| %s | runtime / C | %s | %s | — | — | %s | %s | %s | %s |\n", thousands(pr.n),
			ratio("spread"), ratio("rss"), ratio("rate"), ratio("p50"), ratio("p99"), ratio("cpu"))
		verdict := func(ok bool) string {
			if ok {
				return "PASS"
			}
			return "FAIL"
		}
		if pr.n == idleTargetPeers && b["rss"] > 0 {
			notes = append(notes, fmt.Sprintf("Target, %s idle peers: runtime RSS per peer ≤ %.1f× libzmq's: %.2f×, %s",
				thousands(pr.n), idleTarget, a["rss"]/b["rss"], verdict(a["rss"] <= idleTarget*b["rss"])))
			notes = append(notes, fmt.Sprintf("Target, %s peers connecting at once: within %v of each other: runtime %.2f s, %s (libzmq %.2f s)",
				thousands(pr.n), stormTarget, a["spread"], verdict(a["spread"] <= stormTarget.Seconds()), b["spread"]))
		}
		if pr.n == activeTargetPeers && b["rate"] > 0 {
			notes = append(notes, fmt.Sprintf("Target, %s active peers: runtime aggregate ROUTER throughput ≥ %.1f× libzmq's: %.2f×, %s",
				thousands(pr.n), activeTarget, a["rate"]/b["rate"], verdict(a["rate"] >= activeTarget*b["rate"])))
		}
	}
	header = false
	for _, pr := range rows {
		if pr.sc != scFanout {
			continue
		}
		if !header {
			fmt.Fprint(w, "\nPUB with N SUBs (libzmq SUBs in separate processes; the PUB publishes as fast as it can; medians):\n\n")
			fmt.Fprint(w, "| SUBs | PUB | msgs/s received, all SUBs | PUB CPU µs/msg received |\n|---:|---|---:|---:|\n")
			header = true
		}
		med := map[string][2]float64{}
		for _, impl := range impls {
			runs := pr.fanout[impl]
			if err := pr.err[impl]; err != nil {
				notes = append(notes, fmt.Sprintf("PUB ×%s, %s: %s", thousands(pr.n), implLabel[impl], oneLine(err.Error())))
			}
			if len(runs) == 0 {
				fmt.Fprintf(w, "| %s | %s | error | |\n", thousands(pr.n), implLabel[impl])
				continue
			}
			m := [2]float64{medianOf(runs, func(r fanoutRun) float64 { return r.rate }), medianOf(runs, func(r fanoutRun) float64 { return r.cpu })}
			med[impl] = m
			fmt.Fprintf(w, "| %s | %s | %s | %.3f |\n", thousands(pr.n), implLabel[impl], rateText(m[0]), m[1])
		}
		if a, ok := med[implRuntime]; ok {
			if b, ok := med[implC]; ok && b[0] > 0 && b[1] > 0 {
				fmt.Fprintf(w, "| %s | runtime / C | %.2f× | %.2f× |\n", thousands(pr.n), a[0]/b[0], a[1]/b[1])
			}
		}
	}
	if header || len(notes) > 0 {
		fmt.Fprint(w, "\nMethod: the server's RSS is VmRSS of /proc/PID/status a second after the storm minus its VmRSS before any peer connected, over the peers; each DEALER has made one round trip by then (as a worker announcing itself), so what stays is what an idle peer costs after traffic. Goroutines are the runtime's count, threads libzmq's. Active: every DEALER keeps one request outstanding, so the round trip is mostly waiting behind the other DEALERs' requests (≈ DEALERs ÷ rate); p50 is the median of the load processes' p50s, p99 the largest of their p99s. CPU is the server's user + system time over the active phase (10 ms ticks) per round trip. Listen drops and failed attempts are the kernel's machine-wide TcpExt ListenDrops and Tcp AttemptFails during the storm.\n")
	}
	if len(notes) > 0 {
		fmt.Fprintln(w, "\nPeer-count notes:")
		for _, n := range notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
}

// peerScenario reports whether sc is a peer-count scenario.
func peerScenario(sc string) bool { return slices.Contains([]string{scRouter, scFanout}, sc) }
