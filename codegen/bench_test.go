package codegen_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/codegen"
	"github.com/zmqgen/zmqgen/dsl"
)

// hubTopology is a topology of n nodes around a hub: each node pulls jobs
// from the hub's PUSH socket and pushes results to its PULL socket.
func hubTopology(n int) []byte {
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

// BenchmarkCompile and BenchmarkGenerate time what zmqgen check and zmqgen
// generate do with a topology of 10, 100 and 1,000 nodes: the time per
// node should not grow with the number of nodes.
func BenchmarkCompile(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		src := hubTopology(n)
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, diags := dsl.Compile("big.ztopo", src); diags.HasErrors() {
					b.Fatal(diags.Err())
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n+1), "µs/node")
		})
	}
}

func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		topo, diags := dsl.Compile("big.ztopo", hubTopology(n))
		if diags.HasErrors() {
			b.Fatal(diags.Err())
		}
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := codegen.Generate(topo, codegen.Options{ImportPath: "example.com/big"}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n+1), "µs/node")
		})
	}
}
