package dsl

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

type goldenInput struct {
	name string
	src  []byte
}

// goldenInputs returns the .ztopo sections of the diagnostics corpus.
func goldenInputs(t testing.TB) []goldenInput {
	files, err := filepath.Glob("../golden/diagnostics/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	var out []goldenInput
	for _, f := range files {
		ar, err := txtar.ParseFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, af := range ar.Files {
			if strings.HasSuffix(af.Name, ".ztopo") {
				out = append(out, goldenInput{af.Name, af.Data})
			}
		}
	}
	return out
}

// FuzzParseCheckFormat runs parse, check and format on any input: nothing
// may panic, every diagnostic must point inside the file, formatting must
// be idempotent, and a file that compiles must compile to the same model
// after formatting. The seeds (the topologies and the golden corpus) run
// in every go test.
func FuzzParseCheckFormat(f *testing.F) {
	files, _ := filepath.Glob("../topologies/*/*.ztopo")
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	for _, c := range goldenInputs(f) {
		f.Add(c.src)
	}
	for _, c := range formatCases(f) {
		f.Add(c.input.Data)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		const name = "fuzz.ztopo"
		topo, diags := Compile(name, src)
		for _, d := range diags {
			if strings.Contains(d.Message, "internal") {
				t.Fatalf("panic inside compile: %s", d)
			}
			r := d.Range
			if r.File != name || r.Start.Line < 1 || r.Start.Col < 1 || r.Start.Offset > len(src) ||
				r.End.Offset < r.Start.Offset || r.End.Offset > len(src) {
				t.Fatalf("diagnostic out of the file: %+v", d)
			}
			if d.Message == "" || strings.HasSuffix(d.Message, ".") {
				t.Fatalf("bad wording: %q", d.Message)
			}
		}
		if diags.HasErrors() != (topo == nil) {
			t.Fatalf("HasErrors=%v but topology nil=%v", diags.HasErrors(), topo == nil)
		}
		out, fd := Format(name, src)
		if fd != nil {
			for _, d := range fd {
				if strings.Contains(d.Message, "internal") {
					t.Fatalf("panic inside format: %s", d)
				}
			}
			if topo != nil {
				t.Fatalf("format failed on a valid topology: %v", fd)
			}
			return
		}
		again, fd2 := Format(name, out)
		if fd2 != nil {
			t.Fatalf("formatted output does not parse: %v\n%s", fd2, out)
		}
		if !bytes.Equal(out, again) {
			t.Fatalf("format not idempotent:\n%q\n%q", out, again)
		}
		topo2, diags2 := Compile(name, out)
		if diags.HasErrors() != diags2.HasErrors() {
			t.Fatalf("formatting changed the errors: %v / %v", diags, diags2)
		}
		if !reflect.DeepEqual(topo, topo2) {
			t.Fatalf("formatting changed the model:\n%s\n%s", src, out)
		}
	})
}
