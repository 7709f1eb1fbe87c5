package breaking

import (
	"bytes"
	"flag"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/zmqgen/zmqgen/dsl"
	"github.com/zmqgen/zmqgen/internal/goldentest"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// TestGolden runs each golden/breaking/*.txtar case: old.ztopo and
// new.ztopo are two versions of a topology, "diagnostics" what Compare
// reports, in the compact form. Cases named safe_* are edits that must not
// be reported; every other case must be reported, and together they cover
// every rule.
func TestGolden(t *testing.T) {
	covered := map[string]bool{}
	safe := 0
	goldentest.Each(t, "../golden/breaking/*.txtar", func(t *testing.T, name, file string, ar *txtar.Archive) {
		sections := map[string]int{}
		for i, f := range ar.Files {
			sections[f.Name] = i
		}
		oi, ok1 := sections["old.ztopo"]
		ni, ok2 := sections["new.ztopo"]
		di, ok3 := sections["diagnostics"]
		if !ok1 || !ok2 || !ok3 {
			t.Fatalf("%s needs old.ztopo, new.ztopo and diagnostics sections", file)
		}
		old := compileVersion(t, "old.ztopo", ar.Files[oi].Data)
		new := compileVersion(t, "new.ztopo", ar.Files[ni].Data)
		diags := Compare(old, new)
		var buf bytes.Buffer
		diags.WriteCompact(&buf)
		got := buf.String()
		if strings.HasPrefix(name, "safe_") {
			safe++
			if len(diags) > 0 {
				t.Errorf("a safe edit is reported:\n%s", got)
			}
		} else if len(diags) == 0 {
			t.Errorf("a breaking edit is not reported")
		}
		for _, d := range diags {
			if _, ok := RuleByID(RuleOf(d)); !ok {
				t.Errorf("diagnostic without a known rule: %s", d)
			}
			covered[RuleOf(d)] = true
			if d.Range.File != "new.ztopo" {
				t.Errorf("diagnostic not positioned in the new file: %s", d)
			}
		}
		goldentest.Check(t, file, ar, di, got, *update, "run go test ./breaking -run Golden -update")
	})
	for _, r := range Rules {
		if !covered[r.ID] {
			t.Errorf("rule %s has no golden case", r.ID)
		}
	}
	if safe < 8 {
		t.Errorf("%d safe cases, want at least 8", safe)
	}
}

func compileVersion(t testing.TB, name string, src []byte) Version {
	t.Helper()
	topo, ix, diags := dsl.CompileIndex(name, src)
	if diags.HasErrors() {
		t.Fatalf("%s does not compile:\n%v", name, diags.Err())
	}
	return Version{Topology: topo, Index: ix}
}
