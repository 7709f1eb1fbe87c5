package main

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zmqgen/zmqgen/dsl/model"
)

const upUsage = `usage: zmqgen up [flags] FILE|DIR [-- flags for every node]

Up builds the node programs generated beside a topology (FILE is its .ztopo
file; DIR a directory holding exactly one) and runs every node as its own
process, each replica too, the way docker compose runs services:

  - nodes that bind start first, and the nodes that only connect once
    those say that they listen (or after 5s: ZeroMQ reconnects anyway;
    the order spares early connect retries, so that a REQ socket's first
    requests are shared among its servers). A node says so on a pipe up
    gives it, whatever its log level: $ZMQGEN_READY_FD names the pipe's
    descriptor, and the node writes a JSON line per socket that listens
    ({"event":"listening","socket":"server1.rep","addrs":[...]}; see the
    runtime's ReadyFDEnv);
  - every line a node prints, on stdout or stderr, is shown on up's
    stdout after the node's name ("server1    | ...", "consumer.1 | ..."
    for replica 1), coloured when stdout is a terminal;
  - Ctrl-C or SIGTERM stops every node: each gets SIGTERM, and one that has
    not exited after the grace period is killed; up then exits 0. A second
    Ctrl-C kills at once;
  - a node that exits with an error stops the whole run: up says which
    node failed, stops the others and exits 1. With -restart, up restarts
    the failed node instead, waiting 1s, then twice as long after every
    further failure, up to 30s (a node that ran for 10s starts over at
    1s);
  - a node that exits 0 has finished its work (a client that made its
    requests): the others keep running until Ctrl-C, and when every node
    has exited 0, up exits 0.

The programs are built with "go build" from the node directories
(<DIR>/<node>, package main) into a temporary directory; run
"zmqgen generate" first. Up's own messages go to stderr.

Flags:

	-only NODE,...          run only these nodes
	-replicas NODE=N,...    run N copies of NODE instead of what the
	                        topology says (repeatable); each copy of a
	                        node declared with replicas gets -replicas=N
	                        and -replica=i, i from 0 to N-1 (the copies
	                        of another node run alike)
	-set NODE.NAME=VALUE    pass -NAME=VALUE to every copy of NODE: a
	                        parameter (-set server1.drink=tea), a
	                        socket's endpoints, comma-separated, in place
	                        of the topology's (-set server1.rep.bind=
	                        tcp://*:7000, -set client.req.connect=
	                        tcp://host1:5000,tcp://host2:6000), any
	                        other flag of the node's program (-set
	                        worker.worker.heartbeat.interval=250ms;
	                        see its -h), or log-level (repeatable)
	-keys DIR               pass -keys DIR to every node with a socket
	                        secured with curve: the directory of CURVE
	                        certificates that zmqgen keys wrote
	-restart                restart a node that fails, with backoff
	-stdin NODE             give up's standard input to NODE (NODE.i for
	                        a replica), for a node that waits for Enter,
	                        as the guide's producers do; the other nodes
	                        read nothing. up then reads the terminal, so
	                        run it in the foreground
	-ui ADDR                serve a live picture of the running topology
	                        at http://ADDR/ (e.g. 127.0.0.1:8080): its
	                        graph with each edge's messages per second,
	                        drops and queue depth, each node's replicas,
	                        restarts and state, from the nodes' metrics
	                        endpoints (up passes them -metrics.addr)
	-grace DURATION         how long a node may take to stop after SIGTERM
	                        before it is killed (default 10s)
	-color auto|always|never
	                        colour the names (default auto: when stdout
	                        is a terminal and NO_COLOR is not set)

Flags after "--" go to every node unchanged, after those above. The
nodes inherit up's environment, so the variables a node program reads
($SERVER1_DRINK, $CLIENT_REQ_CONNECT; see its -h) work too.

Exit status: 0 when stopped by a signal or when every node exited 0; 1
when the topology has errors, a build fails or a node fails; 2 on a wrong
command line.
`

// upOptions is the parsed command line of zmqgen up.
type upOptions struct {
	path     string
	only     []string
	replicas map[string]int
	sets     []string
	restart  bool
	grace    time.Duration
	color    string
	nodeArgs []string
	keys     string    // -keys: the CURVE certificates' directory
	ui       string    // -ui: where to serve the live page
	stdin    string    // -stdin: the process that gets stdinSrc
	stdinSrc io.Reader // up's standard input
}

// replicasFlag collects -replicas NODE=N[,NODE=N...].
type replicasFlag map[string]int

func (f replicasFlag) String() string { return "" }

func (f replicasFlag) Set(v string) error {
	for _, kv := range strings.Split(v, ",") {
		name, n, ok := strings.Cut(kv, "=")
		count, err := strconv.Atoi(n)
		if !ok || name == "" || err != nil || count < 0 {
			return fmt.Errorf("want NODE=N with N ≥ 0, got %q", kv)
		}
		f[name] = count
	}
	return nil
}

// listFlag collects a repeatable flag; with split, each value may also
// be a comma-separated list.
type listFlag struct {
	values *[]string
	split  bool
}

func (f listFlag) String() string { return "" }

func (f listFlag) Set(v string) error {
	if f.split {
		for _, s := range strings.Split(v, ",") {
			if s != "" {
				*f.values = append(*f.values, s)
			}
		}
		return nil
	}
	*f.values = append(*f.values, v)
	return nil
}

// parseUpArgs parses up's command line. Flags may come before or after
// FILE|DIR, as in the usage line; everything after "--" is for the nodes.
func parseUpArgs(args []string, stdout, stderr io.Writer) (opts *upOptions, code int, done bool) {
	opts = &upOptions{replicas: make(map[string]int)}
	if i := slices.Index(args, "--"); i >= 0 {
		args, opts.nodeArgs = args[:i], args[i+1:]
	}
	fl := newFlagSet("up")
	fl.Var(listFlag{&opts.only, true}, "only", "")
	fl.Var(replicasFlag(opts.replicas), "replicas", "")
	fl.Var(listFlag{&opts.sets, false}, "set", "")
	fl.BoolVar(&opts.restart, "restart", false, "")
	fl.DurationVar(&opts.grace, "grace", 10*time.Second, "")
	fl.StringVar(&opts.color, "color", "auto", "")
	fl.StringVar(&opts.stdin, "stdin", "", "")
	fl.StringVar(&opts.keys, "keys", "", "")
	fl.StringVar(&opts.ui, "ui", "", "")
	positional, code, done := parseInterleaved(fl, args, upUsage, stdout, stderr)
	if done {
		return nil, code, true
	}
	switch {
	case len(positional) != 1:
		return nil, usageError(stderr, "up", upUsage, "want one FILE or DIR"), true
	case opts.color != "auto" && opts.color != "always" && opts.color != "never":
		return nil, usageError(stderr, "up", upUsage, "-color %q: want auto, always or never", opts.color), true
	case opts.grace < 0:
		return nil, usageError(stderr, "up", upUsage, "-grace %v: must not be negative", opts.grace), true
	}
	opts.path = positional[0]
	return opts, 0, false
}

func runUp(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	// Listen before building, so that a Ctrl-C during the build does not
	// kill up with a temporary directory left behind.
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	return up(args, stdin, sig, stdout, stderr)
}

// up is runUp with the signals it obeys as a channel, so that tests can
// stop it in-process.
func up(args []string, stdin io.Reader, interrupt <-chan os.Signal, stdout, stderr io.Writer) int {
	opts, code, done := parseUpArgs(args, stdout, stderr)
	if done {
		return code
	}
	opts.stdinSrc = stdin
	file, topo, ok := loadOne("up", opts.path, stderr)
	if !ok {
		return exitFail
	}
	warnStale(file, topo, stderr)
	return upTopology(topo, filepath.Dir(file), opts, interrupt, stdout, stderr)
}

// warnStale warns when the generated code beside file, whose topology is
// topo, is not what zmqgen generate would write now: the programs up runs
// would not be the topology's (their flags, say, would not be what -set
// checks against). It warns rather than fails, as a user may be trying a
// change on purpose; when the code cannot be generated at all (no go.mod),
// building the nodes will say so.
func warnStale(file string, topo *model.Topology, stderr io.Writer) {
	_, changes, err := generateChanges(file, topo)
	if err != nil {
		return
	}
	var stale []string
	for _, c := range changes {
		if c.changed() {
			stale = append(stale, filepath.ToSlash(c.path))
		}
	}
	if len(stale) > 0 {
		fmt.Fprintf(stderr, "zmqgen up: warning: generated code is not current, run zmqgen generate %s: %s\n", file, strings.Join(stale, ", "))
	}
}

// upTopology runs the nodes of topo, whose generated programs are in
// topoDir.
func upTopology(topo *model.Topology, topoDir string, opts *upOptions, interrupt <-chan os.Signal, stdout, stderr io.Writer) int {
	plan, err := planUp(topo, opts)
	if err != nil {
		// One line: the command line was fine as such, a value in it
		// does not fit this topology.
		fmt.Fprintf(stderr, "zmqgen up: %v\n", err)
		return exitUsage
	}
	if len(plan) == 0 {
		fmt.Fprintln(stderr, "zmqgen up: no node to run")
		return exitOK
	}
	bin, err := os.MkdirTemp("", "zmqgen-up-")
	if err != nil {
		fmt.Fprintf(stderr, "zmqgen up: %v\n", err)
		return exitFail
	}
	defer os.RemoveAll(bin)
	if err := buildNodes(topoDir, plan, bin, interrupt, stderr); err != nil {
		fmt.Fprintf(stderr, "zmqgen up: %v\n", err)
		return exitFail
	}
	if opts.ui != "" {
		ui, err := startUI(opts.ui, topo, plan, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "zmqgen up: %v\n", err)
			return exitFail
		}
		defer ui.Close()
	}
	color := opts.color == "always" || opts.color == "auto" && isTerminal(stdout)
	s := newSupervisor(plan, stdout, stderr, color)
	s.restart = opts.restart
	s.grace = opts.grace
	s.stdin = opts.stdinSrc
	return s.run(interrupt)
}
