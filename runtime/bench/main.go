// Command bench measures the zmqgen runtime against go-zeromq/zmq4's own
// sockets, libzmq (through a small C peer) and pyzmq, side by side in one
// run on loopback tcp, and prints a markdown table with the ratios and
// PASS/FAIL verdicts of the runtime's speed targets (issue 3):
//
//	go run ./runtime/bench                 # everything, ~3 minutes
//	go run ./runtime/bench -quick          # one short run per cell
//	go run ./runtime/bench -scenarios push16,reqrep -impls runtime,c
//	go run ./runtime/bench -mixed          # add runtime↔libzmq interop rows
//	go run ./runtime/bench -scenarios router,fanout -runs 3
//	                                       # peer counts, ~5 minutes
//	go run ./runtime/bench -scenarios router -peers 10000 -memprofile /tmp/p
//
// The peer-count scenarios are not in the default run: router is a
// ROUTER with -peers DEALERs (1, 100, 1,000 and 10,000) and fanout a PUB
// with -fanout SUBs (1, 100 and 1,000), the DEALERs and SUBs being libzmq
// in load processes of their own, whichever server they meet; they give
// the connect storm's spread, RSS and goroutines per idle peer, and the
// aggregate rate and round trips with every peer busy (peers.go).
//
// Every end of every measurement is a process of its own, for every
// implementation: the C peer (cpeer/peer.c, compiled at start with cc and
// pkg-config into a temp dir), the Python peer (pypeer/peer.py, run with
// Debian's /usr/bin/python3) and the Go peers (this binary re-executed as
// "bench peer runtime|zmq4 MODE ENDPOINT COUNT SIZE"). So a runtime
// PUSH→PULL is two runtime processes, as a libzmq one is two libzmq
// processes, each with its own scheduler or I/O thread.
//
// Each cell is the median of -runs runs. A run's message count is found by
// calibration so that it lasts about -target (or set with -n).
package main

import (
	"os"
)

func main() {
	if isPeerProcess() || (len(os.Args) > 1 && os.Args[1] == "peer") {
		args := os.Args[1:]
		if len(args) > 0 && args[0] == "peer" {
			args = args[1:]
		}
		os.Exit(runPeer(args, os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// usage is printed for -h and for a bad command line.
const usage = `usage: go run ./runtime/bench [flags]

Measures PUSH→PULL throughput (16 B, 1 KiB; also over CURVE, runtime and
libzmq only), PUB→SUB fan-out, REQ→REP round trips and a publisher's memory
with a stalled subscriber, for the zmqgen runtime, zmq4, libzmq (C) and
pyzmq, and prints a markdown table. -scenarios router,fanout measures
peer counts instead (-peers, -fanout): a ROUTER with many DEALERs (storm,
idle memory per peer, aggregate rate) and a PUB with many SUBs, the
runtime against libzmq.

flags:
`
