package codegen_test

import (
	"fmt"
	"testing"

	"github.com/zmqgen/zmqgen/codegen"
	"github.com/zmqgen/zmqgen/dsl"
	"github.com/zmqgen/zmqgen/internal/testtopo"
)

// BenchmarkGenerate times codegen.Generate on a hub and 10, 100 and
// 1,000 worker nodes (testtopo.Hub); µs/node should not grow with the
// number of nodes. cmd/zmqgen's BenchmarkGenerate times the whole
// command, compile and file writes included.
func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		topo, diags := dsl.Compile("big.ztopo", testtopo.Hub(n))
		if diags.HasErrors() {
			b.Fatal(diags.Err())
		}
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			start := testtopo.CPUTime()
			for b.Loop() {
				if _, err := codegen.Generate(topo, codegen.Options{ImportPath: "example.com/big"}); err != nil {
					b.Fatal(err)
				}
			}
			testtopo.ReportPerNode(b, n, testtopo.CPUTime()-start)
		})
	}
}
