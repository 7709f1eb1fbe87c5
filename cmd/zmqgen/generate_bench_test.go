package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/internal/testtopo"
)

// BenchmarkGenerate times zmqgen generate, as a user runs it, on a hub
// and 10, 100 and 1,000 worker nodes (testtopo.Hub) in a module of their
// own: reading and compiling the .ztopo, generating, and writing every
// file into a tree where none exists yet. µs/node should not grow with
// the number of nodes.
func BenchmarkGenerate(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/big\n\ngo 1.26\n"), 0o644); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "big.ztopo"), testtopo.Hub(n), 0o644); err != nil {
				b.Fatal(err)
			}
			var cpu time.Duration
			for b.Loop() {
				b.StopTimer()
				out := filepath.Join(dir, "out")
				if err := os.RemoveAll(out); err != nil {
					b.Fatal(err)
				}
				if err := os.Mkdir(out, 0o755); err != nil {
					b.Fatal(err)
				}
				if err := os.Rename(filepath.Join(dir, "big.ztopo"), filepath.Join(out, "big.ztopo")); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				start := testtopo.CPUTime()
				if code := run([]string{"generate", filepath.Join(out, "big.ztopo")}, nil, io.Discard, io.Discard); code != 0 {
					b.Fatalf("zmqgen generate: exit %d", code)
				}
				cpu += testtopo.CPUTime() - start
				b.StopTimer()
				if err := os.Rename(filepath.Join(out, "big.ztopo"), filepath.Join(dir, "big.ztopo")); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			testtopo.ReportPerNode(b, n, cpu)
		})
	}
}

// BenchmarkCheck times zmqgen check on the topologies BenchmarkGenerate
// generates.
func BenchmarkCheck(b *testing.B) {
	for _, n := range []int{10, 100, 1000} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			file := filepath.Join(b.TempDir(), "big.ztopo")
			if err := os.WriteFile(file, testtopo.Hub(n), 0o644); err != nil {
				b.Fatal(err)
			}
			start := testtopo.CPUTime()
			for b.Loop() {
				if code := run([]string{"check", file}, nil, io.Discard, io.Discard); code != 0 {
					b.Fatalf("zmqgen check: exit %d", code)
				}
			}
			testtopo.ReportPerNode(b, n, testtopo.CPUTime()-start)
		})
	}
}
