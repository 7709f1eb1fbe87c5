package dsl

import (
	"bytes"
	"flag"
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/internal/goldentest"
	"golang.org/x/tools/txtar"
)

var update = flag.Bool("update", false, "rewrite golden files with the current output")

// TestDiagnosticsGolden compiles each golden/diagnostics/*.txtar case: its
// .ztopo section is the input, its "diagnostics" section the expected
// compact diagnostics. The comment at the top says what the case is about.
func TestDiagnosticsGolden(t *testing.T) {
	n := goldentest.Each(t, "../golden/diagnostics/*.txtar", func(t *testing.T, name, file string, ar *txtar.Archive) {
		var input *txtar.File
		want := -1
		for i := range ar.Files {
			switch {
			case strings.HasSuffix(ar.Files[i].Name, ".ztopo"):
				input = &ar.Files[i]
			case ar.Files[i].Name == "diagnostics":
				want = i
			}
		}
		if input == nil || want < 0 {
			t.Fatalf("%s needs a .ztopo section and a diagnostics section", file)
		}
		topo, diags := Compile(input.Name, input.Data)
		var buf bytes.Buffer
		diags.WriteCompact(&buf)
		got := buf.String()
		if len(diags) == 0 {
			t.Errorf("%s is in the invalid corpus but compiles clean", input.Name)
		}
		if diags.HasErrors() != (topo == nil) {
			t.Errorf("HasErrors=%v but topology nil=%v", diags.HasErrors(), topo == nil)
		}
		// The formatter must not trip on anything that parses.
		if out, fd := Format(input.Name, input.Data); fd == nil {
			again, _ := Format(input.Name, out)
			if !bytes.Equal(out, again) {
				t.Errorf("format is not idempotent:\nfirst:\n%s\nsecond:\n%s", out, again)
			}
		}
		goldentest.Check(t, file, ar, want, got, *update, "run go test ./dsl -run DiagnosticsGolden -update")
	})
	if n < 45 {
		t.Fatalf("found %d golden cases, want at least 45", n)
	}
}
