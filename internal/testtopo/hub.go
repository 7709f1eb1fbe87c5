// Package testtopo writes topologies of any size for benchmarks, and
// reports what they cost per node.
package testtopo

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Hub returns the source of topology "big": a hub node and n worker
// nodes w0, w1, ..., each of which pulls jobs from the hub's PUSH socket
// and pushes results to its PULL socket.
func Hub(n int) []byte {
	var b strings.Builder
	b.WriteString("topology big\n\nmessage Job = string\n\n")
	b.WriteString("node hub {\n    socket jobs PUSH {\n        bind \"tcp://*:5000\"\n        send Job\n    }\n" +
		"    socket results PULL {\n        bind \"tcp://*:5001\"\n        recv Job\n    }\n}\n")
	for i := range n {
		fmt.Fprintf(&b, "\nnode w%d {\n    socket in PULL {\n        connect hub.jobs\n        recv Job\n    }\n"+
			"    socket out PUSH {\n        connect hub.results\n        send Job\n    }\n}\n", i)
	}
	return []byte(b.String())
}

// ReportPerNode reports, besides ns/op, the CPU time (user and system, of
// every thread) per op, which a busy machine changes less than the time
// on the clock, and both per node of a topology of nodes+1 nodes: neither
// should grow with the number of nodes.
func ReportPerNode(b *testing.B, nodes int, cpu time.Duration) {
	perOp := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(b.N) }
	b.ReportMetric(perOp(cpu)/1000, "cpu-ms/op")
	b.ReportMetric(perOp(b.Elapsed())/float64(nodes+1), "µs/node")
	b.ReportMetric(perOp(cpu)/float64(nodes+1), "cpu-µs/node")
}

// CPUTime is the process's CPU time so far, user and system.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
