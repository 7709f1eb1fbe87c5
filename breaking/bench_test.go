package breaking

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

// bigTopology is a pipeline of n nodes: each node i > 0 binds a PULL that
// node i-1 pushes to, and publishes a JSON status that node 0 follows.
func bigTopology(n int, extraField bool) []byte {
	var b strings.Builder
	b.WriteString("topology big\n\nmessage Work = json {\n    id int\n    body string\n")
	if extraField {
		b.WriteString("    note string\n")
	}
	b.WriteString("}\n\nmessage Status = multipart {\n    node string\n    load float\n}\n\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "node n%d {\n    param weight int = %d\n", i, i)
		if i > 0 {
			fmt.Fprintf(&b, "    socket in PULL {\n        bind \"tcp://*:%d\"\n        recv Work\n    }\n", 10000+i)
			fmt.Fprintf(&b, "    socket status PUB {\n        bind \"tcp://*:%d\"\n        send Status\n    }\n", 20000+i)
		} else {
			b.WriteString("    socket watch SUB {\n")
			for j := 1; j < n; j++ {
				fmt.Fprintf(&b, "        connect n%d.status\n", j)
			}
			b.WriteString("        subscribe \"\"\n        recv Status\n    }\n")
		}
		if i < n-1 {
			fmt.Fprintf(&b, "    socket out PUSH {\n        connect n%d.in\n        send Work\n    }\n", i+1)
		}
		b.WriteString("}\n\n")
	}
	return []byte(b.String())
}

// BenchmarkBreaking1000Nodes is zmqgen breaking's work on a 1,000-node
// topology: compiling both versions with their indexes, and comparing
// them (the new version adds an optional field, so nothing is reported
// and every edge is checked in full).
func BenchmarkBreaking1000Nodes(b *testing.B) {
	oldSrc, newSrc := bigTopology(1000, false), bigTopology(1000, true)
	b.SetBytes(int64(len(oldSrc) + len(newSrc)))
	cpu0 := cpuTime()
	for b.Loop() {
		old, new, d1, d2 := CompileVersions("old.ztopo", oldSrc, "new.ztopo", newSrc)
		if d1.HasErrors() || d2.HasErrors() {
			b.Fatal(d1.Err(), d2.Err())
		}
		if diags := Compare(old, new); len(diags) > 0 {
			b.Fatal(diags.Err())
		}
	}
	// On a shared machine the wall time includes waiting for a core; the
	// CPU time is what the work costs.
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
}

// cpuTime is the CPU time (user and system) the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestBigTopologyBreaks: the benchmark's topology is reported when it
// does break, so the benchmark measures real work.
func TestBigTopologyBreaks(t *testing.T) {
	oldSrc := bigTopology(50, false)
	newSrc := []byte(strings.Replace(string(oldSrc), "    load float\n", "    load int\n", 1))
	diags := Compare(compileVersion(t, "old.ztopo", oldSrc), compileVersion(t, "new.ztopo", newSrc))
	if len(diags) != 1 || RuleOf(diags[0]) != FrameTypeChanged {
		t.Errorf("got %v", diags)
	}
}
