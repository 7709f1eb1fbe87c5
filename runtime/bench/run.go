package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Scenario names, as -scenarios takes them.
const (
	scPush16 = "push16"
	scPush1K = "push1k"
	scPubSub = "pubsub"
	scReqRep = "reqrep"
	scMemory = "mem"
	// PUSH→PULL over CURVE: the PULL is the CURVE server.
	scCurve16 = "curve16"
	scCurve1K = "curve1k"
	// PUB→SUB with one subscriber holding 1, 1,000 or 100,000
	// subscriptions, one of which matches (issue 17: a PUB's send cost
	// must not grow with the number of subscriptions).
	scTopics1    = "topics1"
	scTopics1K   = "topics1k"
	scTopics100K = "topics100k"
)

var allScenarios = []string{scPush16, scPush1K, scPubSub, scReqRep, scTopics1, scTopics1K, scTopics100K, scMemory, scCurve16, scCurve1K}

// knownScenarios are what -scenarios accepts: the default ones and the
// peer-count scenarios (peers.go), which take minutes and run only when
// asked for.
var knownScenarios = append(slices.Clone(allScenarios), scRouter, scFanout)

// topicsScenarios gives the number of subscriptions of each subscriptions
// scenario.
var topicsScenarios = map[string]int{scTopics1: 1, scTopics1K: 1000, scTopics100K: 100000}

// config is the parsed command line.
type config struct {
	scenarios  []string
	impls      []string
	runs       int
	count      int64 // fixed message count; 0 = calibrate
	target     time.Duration
	subs       []int // subscribers of the PUB→SUB rows
	pubTopics  []int // subscriptions per subscriber of the PUB→SUB rows (0: everything)
	pubRuns    int   // runs per PUB→SUB cell
	pubSizes   []int // message sizes of the PUB→SUB rows
	pubSize    int   // the first of pubSizes: the subscriptions scenarios' size
	rttSize    int
	memTime    time.Duration
	memSize    int
	stall      string
	mixed      bool
	syscalls   bool
	cpuProfile string
	verbose    bool
	peers      []int  // DEALERs of the router scenario's rows
	fanout     []int  // SUBs of the fanout scenario's rows
	memProfile string // directory for the runtime ROUTER's heap and goroutine profiles
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	c := &config{}
	scen := fs.String("scenarios", strings.Join(allScenarios, ","), "scenarios to run: "+strings.Join(allScenarios, ",")+"; also "+scRouter+","+scFanout+" (peer counts, not run by default)")
	impls := fs.String("impls", strings.Join(allImpls, ","), "implementations to measure: "+strings.Join(allImpls, ","))
	fs.IntVar(&c.runs, "runs", 3, "runs per cell; the cell is their median (PUB→SUB: 5, one short run swinging 0.7×–2×)")
	fs.Int64Var(&c.count, "n", 0, "messages (round trips) per run; 0 calibrates each cell to -target")
	fs.DurationVar(&c.target, "target", time.Second, "how long one calibrated run should last")
	subs := fs.String("subs", "4,16", "subscribers in the PUB→SUB fan-out, a row for each")
	pubTopics := fs.String("pubtopics", "0,1000,100000", "subscriptions of each subscriber in the PUB→SUB fan-out, a row for each (0: one, to everything; N: N prefixes, one matching)")
	pubSizes := fs.String("pubsize", "16,1024", "PUB→SUB message sizes, bytes, a row for each (the topics scenarios use the first)")
	fs.IntVar(&c.rttSize, "rttsize", 16, "REQ→REP message size, bytes")
	fs.DurationVar(&c.memTime, "memtime", 10*time.Second, "how long the memory scenario publishes")
	fs.IntVar(&c.memSize, "memsize", 1024, "memory scenario message size, bytes")
	fs.StringVar(&c.stall, "stall", implC, "implementation of the stalled subscriber in the memory scenario (or \"same\")")
	fs.BoolVar(&c.syscalls, "syscalls", false, "count system calls and context switches per message with perf stat (notes)")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write a CPU profile of every Go peer (runtime, zmq4) into this directory")
	fs.BoolVar(&c.mixed, "mixed", false, "also measure runtime ↔ libzmq C pairs (interop speed)")
	counters := fs.Bool("counters", false, "add a column for the runtime with its message counters off (their cost is in the notes)")
	quick := fs.Bool("quick", false, "one short run per cell (-runs 1 -target 250ms -memtime 3s)")
	fs.BoolVar(&c.verbose, "v", false, "log every run to stderr")
	peerCounts := fs.String("peers", "1,100,1000,10000", "DEALERs of the "+scRouter+" scenario, a row for each")
	fanout := fs.String("fanout", "1,100,1000", "SUBs of the "+scFanout+" scenario, a row for each")
	fs.StringVar(&c.memProfile, "memprofile", "", "write the runtime ROUTER's heap and goroutine profiles with its peers idle into this directory ("+scRouter+" scenario)")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	c.pubRuns = c.runs
	if !set["runs"] {
		c.pubRuns = 5
	}
	if *quick {
		if !set["runs"] {
			c.runs, c.pubRuns = 1, 1
		}
		if !set["target"] {
			c.target = 250 * time.Millisecond
		}
		if !set["memtime"] {
			c.memTime = 3 * time.Second
		}
	}
	var err error
	if c.scenarios, err = list(*scen, knownScenarios, "scenario"); err != nil {
		return nil, err
	}
	if c.impls, err = list(*impls, knownImpls, "implementation"); err != nil {
		return nil, err
	}
	if *counters && !slices.Contains(c.impls, implRuntimeOff) {
		c.impls = append(c.impls, implRuntimeOff)
	}
	if c.stall != "same" && !slices.Contains(allImpls, c.stall) {
		return nil, fmt.Errorf("unknown -stall %q", c.stall)
	}
	if c.subs, err = intList(*subs, "-subs", 1); err != nil {
		return nil, err
	}
	if c.pubTopics, err = intList(*pubTopics, "-pubtopics", 0); err != nil {
		return nil, err
	}
	if c.peers, err = intList(*peerCounts, "-peers", 1); err != nil {
		return nil, err
	}
	if c.fanout, err = intList(*fanout, "-fanout", 1); err != nil {
		return nil, err
	}
	if c.memProfile != "" {
		if c.memProfile, err = filepath.Abs(c.memProfile); err != nil {
			return nil, err
		}
		if err := os.MkdirAll(c.memProfile, 0o755); err != nil {
			return nil, err
		}
	}
	// A message of 1 byte would read as a probe or end marker.
	if c.pubSizes, err = intList(*pubSizes, "-pubsize", 2); err != nil {
		return nil, err
	}
	c.pubSize = c.pubSizes[0]
	if c.runs < 1 || c.memTime < 2*time.Second || c.target <= 0 {
		return nil, errors.New("-runs must be ≥ 1, -memtime ≥ 2s, -target > 0")
	}
	return c, nil
}

// list parses a comma-separated list of names from known.
func list(s string, known []string, what string) ([]string, error) {
	var out []string
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !slices.Contains(known, name) {
			return nil, fmt.Errorf("unknown %s %q (known: %s)", what, name, strings.Join(known, ","))
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no %s given", what)
	}
	return out, nil
}

// intList parses a comma-separated list of whole numbers, each at least
// least (at most a million).
func intList(s, flagName string, least int) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n < least || n > 1_000_000 {
			return nil, fmt.Errorf("%s: %q is not a number from %d to 1000000", flagName, f, least)
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no number given", flagName)
	}
	return out, nil
}

// run is the benchmark command; it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 2
	}
	var verbose io.Writer
	if c.verbose {
		verbose = stderr
	}
	need := slices.Clone(c.impls)
	if c.mixed {
		need = append(need, implC)
	}
	if slices.Contains(c.scenarios, scMemory) && c.stall != "same" {
		need = append(need, c.stall)
	}
	if slices.Contains(c.scenarios, scRouter) || slices.Contains(c.scenarios, scFanout) {
		need = append(need, implC) // the load processes
	}
	p, err := newPeers(need, verbose)
	if err != nil {
		fmt.Fprintf(stderr, "bench: %v\n", err)
		return 1
	}
	defer p.cleanup()
	if c.syscalls {
		// perf must exist and be allowed to read the syscall tracepoint.
		if out, err := exec.Command("perf", "stat", "-x", ",", "-e", "raw_syscalls:sys_enter", "--", "true").CombinedOutput(); err != nil {
			fmt.Fprintf(stderr, "bench: warning: -syscalls needs perf with tracepoint access: %v %s\n", err, strings.TrimSpace(string(out)))
		} else {
			p.countSyscalls = true
		}
	}
	if c.cpuProfile != "" {
		if err := os.MkdirAll(c.cpuProfile, 0o755); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
		if p.profileDir, err = filepath.Abs(c.cpuProfile); err != nil {
			fmt.Fprintf(stderr, "bench: %v\n", err)
			return 1
		}
	}
	for _, e := range []error{p.cErr, p.pyErr} {
		if e != nil {
			fmt.Fprintf(stderr, "bench: warning: %v\n", e)
		}
	}
	b := &bench{cfg: c, peers: p, progress: stderr}
	rep := b.measureAll()
	rep.write(stdout, c, p)
	return 0
}

// bench runs the measurements of one invocation.
type bench struct {
	cfg      *config
	peers    *peers
	progress io.Writer
}

// A row is one scenario's line in the table.
type row struct {
	sc            string // the scenario's name, as -scenarios takes it
	scenario      string
	subs, topics  int // PUB→SUB rows: subscribers, subscriptions each
	size          int // PUB→SUB rows: message size
	unit          string
	lowerIsBetter bool
	cells         map[string]measurement // by implementation
	mem           map[string][]memSample // memory scenario only
	mixed         []mixedCell
}

// A mixedCell is a measurement between a runtime and a libzmq C peer.
type mixedCell struct {
	ends pair
	m    measurement
}

// report is everything measured.
type report struct {
	rows               []*row
	peerRows           []*peerRow // peer-count scenarios (peers.go)
	start              time.Time
	took               time.Duration
	loadStart, loadEnd string // 1-minute load average
}

// loadAvg returns the 1-minute load average, which tells how much the
// other work on the machine may have disturbed the figures.
func loadAvg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(data)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

func (b *bench) measureAll() *report {
	rep := &report{start: time.Now(), loadStart: loadAvg()}
	for _, sc := range b.cfg.scenarios {
		if peerScenario(sc) {
			rep.peerRows = append(rep.peerRows, b.measurePeers(sc)...)
			continue
		}
		if sc != scPubSub {
			rep.rows = append(rep.rows, b.measureScenario(&row{sc: sc}))
			continue
		}
		for _, size := range b.cfg.pubSizes {
			for _, subs := range b.cfg.subs {
				for _, topics := range b.cfg.pubTopics {
					rep.rows = append(rep.rows, b.measureScenario(&row{sc: sc, subs: subs, topics: topics, size: size}))
				}
			}
		}
	}
	rep.took = time.Since(rep.start)
	rep.loadEnd = loadAvg()
	return rep
}

func (b *bench) logf(format string, args ...any) {
	fmt.Fprintf(b.progress, format, args...)
}

func (b *bench) measureScenario(r *row) *row {
	sc := r.sc
	r.cells = map[string]measurement{}
	runs := b.cfg.runs
	// runOnce runs one measurement of n messages between ends: its figure,
	// how long it measured, and a note.
	var runOnce func(ends pair, n int64) (float64, time.Duration, string, error)
	var pilot int64 = 20000
	switch sc {
	case scPush16, scPush1K:
		size := 16
		r.scenario = "PUSH→PULL 16 B"
		if sc == scPush1K {
			size = 1024
			r.scenario = "PUSH→PULL 1 KiB"
		}
		r.unit = "msgs/s"
		runOnce = func(ends pair, n int64) (float64, time.Duration, string, error) {
			return b.peers.pushPull(ends, n, size)
		}
	case scCurve16, scCurve1K:
		size := 16
		r.scenario = "PUSH→PULL 16 B, CURVE"
		if sc == scCurve1K {
			size = 1024
			r.scenario = "PUSH→PULL 1 KiB, CURVE"
		}
		r.unit = "msgs/s"
		runOnce = func(ends pair, n int64) (float64, time.Duration, string, error) {
			return b.peers.pushPullModes(ends, n, size, "curve")
		}
	case scPubSub:
		r.scenario = fmt.Sprintf("PUB→SUB ×%d, %s", r.subs, sizeText(r.size))
		if r.topics > 0 {
			r.scenario += fmt.Sprintf(", %s subscriptions each", thousands(r.topics))
		}
		r.unit = "msgs/s per sub (delivered)"
		runs = b.cfg.pubRuns
		runOnce = func(ends pair, n int64) (float64, time.Duration, string, error) {
			b.peers.topics = r.topics
			defer func() { b.peers.topics = 0 }()
			rate, deliv, d, sys, err := b.peers.pubSub(ends, r.subs, n, r.size)
			b.peers.lastDelivered = deliv
			return rate, d, joinNotes(fmt.Sprintf("%.0f%% delivered", deliv*100), sys), err
		}
	case scReqRep:
		r.scenario = fmt.Sprintf("REQ→REP %d B", b.cfg.rttSize)
		r.unit = "µs round trip"
		r.lowerIsBetter = true
		pilot = 2000
		runOnce = func(ends pair, n int64) (float64, time.Duration, string, error) {
			rtt, d, sys, err := b.peers.reqRep(ends, n, b.cfg.rttSize)
			return float64(rtt.Nanoseconds()) / 1000, d, sys, err
		}
	case scTopics1, scTopics1K, scTopics100K:
		topics := topicsScenarios[sc]
		r.scenario = fmt.Sprintf("PUB %d B, a SUB with %d subscription(s)", b.cfg.pubSize, topics)
		// What the subscriptions cost is the publisher's matching: its
		// CPU per message published, the SUB's rate being bounded by the
		// SUB (the PUB drops what it cannot take).
		r.unit = "ns PUB CPU/msg"
		r.lowerIsBetter = true
		runOnce = func(ends pair, n int64) (float64, time.Duration, string, error) {
			b.peers.topics = topics
			defer func() { b.peers.topics = 0 }()
			rate, deliv, d, sys, err := b.peers.pubSub(ends, 1, n, b.cfg.pubSize)
			cpu := b.peers.lastCPU["PUB"] * 1000 // µs → ns
			if err == nil && cpu <= 0 {
				err = fmt.Errorf("no PUB CPU time measured")
			}
			return cpu, d, joinNotes(fmt.Sprintf("SUB received %.3g msgs/s, %.0f%% delivered", rate, deliv*100), sys), err
		}
	case scMemory:
		b.measureMemory(r)
		return r
	}

	// Every cell is calibrated first, then the runs are interleaved (run 1
	// of every cell, then run 2…), so that a change in the machine's load
	// during the scenario weighs on every column alike.
	type job struct {
		ends pair
		n    int64
		m    measurement
	}
	var jobs []*job
	for _, impl := range b.cfg.impls {
		if topicsScenarios[sc] > 0 && impl != implRuntime && impl != implC {
			// Only the runtime and libzmq peers subscribe to many topics.
			r.cells[impl] = measurement{err: fmt.Errorf("%w: subscriptions scenarios compare the runtime with libzmq only", errNA)}
			continue
		}
		if sc == scPubSub && r.topics > 0 && impl == implZmq4 {
			// Its SUB never says SUBSCRIBED: each cell waited 15 s for it.
			r.cells[impl] = measurement{err: fmt.Errorf("%w: the zmq4 peer subscribes to everything only", errNA)}
			continue
		}
		jobs = append(jobs, &job{ends: pair{impl, impl}})
	}
	if b.cfg.mixed && sc != scPubSub && topicsScenarios[sc] == 0 {
		jobs = append(jobs, &job{ends: pair{implRuntime, implC}}, &job{ends: pair{implC, implRuntime}})
	}
	for _, j := range jobs {
		j.n = b.cfg.count
		if j.n > 0 {
			continue
		}
		b.logf("%s: %s: calibrating\n", r.scenario, j.ends)
		j.n, j.m.err = calibrate(pilot, 200_000_000, b.cfg.target, func(n int64) (time.Duration, error) {
			_, d, _, err := runOnce(j.ends, n)
			return d, err
		})
		if j.m.err != nil {
			b.logf("  %v\n", j.m.err)
		}
	}
	for i := 0; i < runs; i++ {
		for _, j := range jobs {
			if j.m.err != nil {
				continue
			}
			b.logf("%s: %s: run %d of %d, %d messages\n", r.scenario, j.ends, i+1, runs, j.n)
			b.peers.lastDelivered = -1
			v, d, note, err := runOnce(j.ends, j.n)
			if err != nil {
				b.logf("  %v\n", err)
				j.m.err = err
				continue
			}
			if b.cfg.verbose {
				b.logf("  %.4g in %v %s\n", v, d.Round(time.Millisecond), note)
			}
			j.m.runs = append(j.m.runs, v)
			if b.peers.lastDelivered >= 0 {
				j.m.delivered = append(j.m.delivered, b.peers.lastDelivered)
			}
			j.m.note = note
			for role, us := range b.peers.lastCPU {
				if j.m.cpu == nil {
					j.m.cpu = map[string][]float64{}
				}
				j.m.cpu[role] = append(j.m.cpu[role], us)
			}
			// A pilot on a busy machine can be far off: resize the next
			// runs to the target from this one (each run is a rate, so
			// runs of different counts share one median).
			if b.cfg.count == 0 && d > 0 && (d < b.cfg.target/2 || d > 2*b.cfg.target) {
				j.n = min(max(int64(float64(j.n)*float64(b.cfg.target)/float64(d)), pilot), 200_000_000)
			}
		}
	}
	for _, j := range jobs {
		if j.m.err == nil {
			j.m.value = median(j.m.runs)
		}
		if j.ends.same() {
			r.cells[j.ends.send] = j.m
		} else {
			r.mixed = append(r.mixed, mixedCell{j.ends, j.m})
		}
	}
	return r
}

// measureMemory runs the memory scenario for every implementation.
func (b *bench) measureMemory(r *row) {
	r.scenario = fmt.Sprintf("PUB memory, stalled SUB, %d B, %v", b.cfg.memSize, b.cfg.memTime)
	r.unit = "RSS MiB start → end"
	r.lowerIsBetter = true
	r.mem = map[string][]memSample{}
	for _, impl := range b.cfg.impls {
		stall := b.cfg.stall
		if stall == "same" || (stall == implC && b.peers.cpeer == "") {
			stall = impl
		}
		b.logf("%s: %s (stalled subscriber: %s)\n", r.scenario, implLabel[impl], implLabel[stall])
		samples, err := b.peers.pubMemory(impl, stall, b.cfg.memTime, b.cfg.memSize)
		m := measurement{err: err}
		if err == nil {
			r.mem[impl] = samples
			m.value = float64(samples[len(samples)-1].rss)
		} else {
			b.logf("  %v\n", err)
		}
		r.cells[impl] = m
	}
}

// thousands formats n with commas: 100,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// sizeText formats a message size: 16 B, 1 KiB.
func sizeText(n int) string {
	if n >= 1024 && n%1024 == 0 {
		return fmt.Sprintf("%d KiB", n/1024)
	}
	return fmt.Sprintf("%d B", n)
}

func joinNotes(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + "; " + b
}

// goEnv describes the machine in the report header.
func goEnv() string {
	return fmt.Sprintf("%s %s/%s, %d CPUs", goruntime.Version(), goruntime.GOOS, goruntime.GOARCH, goruntime.NumCPU())
}
