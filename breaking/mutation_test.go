package breaking

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/dsl"
)

var allMutations = flag.Bool("mutations", false, "run every mutation of the shipped topologies (several hundred), not a sample")

// TestMutations makes single-edit mutations of the shipped topologies (of
// every rule's kind of edit and every safe kind), runs old and new nodes
// mixed on real sockets (wiresim_test.go), and checks that Compare
// reports every mutation that loses, duplicates or misreads a message,
// and that at most 2% of the WIRE reports are harmless. CODE findings are
// about handlers' Go code, not the wire, and are counted apart. The
// normal run takes a sample; -mutations runs them all and prints the
// table by rule.
func TestMutations(t *testing.T) {
	files, err := filepath.Glob("../topologies/*/*.ztopo")
	if err != nil || len(files) == 0 {
		t.Fatalf("no shipped topologies: %v", err)
	}
	var muts []mutation
	olds := map[string]Version{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(f), ".ztopo")
		old := compileVersion(t, "old.ztopo", src)
		olds[name] = old
		muts = append(muts, mutate(name, src, old.Topology)...)
	}
	type row struct{ total, harmful, reported, reportedHarmless, missed int }
	byRule := map[string]*row{}
	byKind := map[string]*row{}
	var compiled, harmful, reportedHarmful, missed, wireReported, wireHarmless, codeOnly int
	var misses, falseAlarms []string
	step := 1
	if !*allMutations {
		step = 12
	}
	for i, m := range muts {
		if i%step != 0 {
			continue
		}
		topo, ix, diags := dsl.CompileIndex("new.ztopo", m.src)
		if diags.HasErrors() {
			continue // not a valid edit of the language
		}
		compiled++
		old := olds[m.topo]
		found := Compare(old, Version{topo, ix})
		var v verdict
		if m.timing {
			if timingHarm(old.Topology, topo, m.ids) {
				v = verdict{true, "timing"}
			}
		} else {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			v = simulate(ctx, old.Topology, topo, m.ids)
			cancel()
		}
		wire := map[string]bool{}
		for _, d := range found {
			r := RuleOf(d)
			if strings.HasPrefix(r, "WIRE_") {
				wire[r] = true
			}
		}
		kr := byKind[m.kind]
		if kr == nil {
			kr = &row{}
			byKind[m.kind] = kr
		}
		kr.total++
		if v.harmful {
			harmful++
			kr.harmful++
			if len(wire) == 0 {
				missed++
				kr.missed++
				misses = append(misses, fmt.Sprintf("%s (%s): %s", m, m.kind, v.what))
			} else {
				reportedHarmful++
			}
		}
		if len(wire) > 0 {
			wireReported++
			kr.reported++
			if !v.harmful {
				wireHarmless++
				kr.reportedHarmless++
				falseAlarms = append(falseAlarms, fmt.Sprintf("%s (%s): %v", m, m.kind, found))
			}
		} else if len(found) > 0 {
			codeOnly++
		}
		if m.kind == "type changed" && os.Getenv("SHOWTYPES") != "" {
			t.Logf("type: %s harmful=%v %s found=%v", m, v.harmful, v.what, found)
		}
		for r := range wire {
			rr := byRule[r]
			if rr == nil {
				rr = &row{}
				byRule[r] = rr
			}
			rr.total++
			if v.harmful {
				rr.harmful++
			} else {
				rr.reportedHarmless++
			}
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d mutations made, %d valid (compile), run; %d lose, duplicate or misread a message; %d of them reported (%d missed)\n",
		len(muts)/step, compiled, harmful, reportedHarmful, missed)
	fmt.Fprintf(&b, "%d reported by WIRE rules, %d of them harmless (%.1f%%); %d reported by CODE rules only\n",
		wireReported, wireHarmless, pct(wireHarmless, wireReported), codeOnly)
	fmt.Fprintf(&b, "\n%-30s %6s %8s %9s\n", "WIRE rule", "fired", "harmful", "harmless")
	for _, r := range sortedKeys(byRule) {
		x := byRule[r]
		fmt.Fprintf(&b, "%-30s %6d %8d %9d\n", r, x.total, x.harmful, x.reportedHarmless)
	}
	fmt.Fprintf(&b, "\n%-30s %6s %8s %9s %7s %9s\n", "kind of edit", "valid", "harmful", "reported", "missed", "harmless reported")
	for _, k := range sortedKeys(byKind) {
		x := byKind[k]
		fmt.Fprintf(&b, "%-30s %6d %8d %9d %7d %9d\n", k, x.total, x.harmful, x.reported, x.missed, x.reportedHarmless)
	}
	t.Log("\n" + b.String())
	for _, m := range misses {
		t.Errorf("missed: %s", m)
	}
	if wireReported > 0 && pct(wireHarmless, wireReported) > 2 {
		t.Errorf("%d of %d WIRE reports are harmless (over 2%%):\n%s", wireHarmless, wireReported, strings.Join(falseAlarms, "\n"))
	} else {
		for _, f := range falseAlarms {
			t.Logf("harmless but reported: %s", f)
		}
	}
	if *allMutations && compiled < 300 {
		t.Errorf("%d valid mutations, want at least 300", compiled)
	}
}

func pct(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
