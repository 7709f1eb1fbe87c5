package dsl

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/dsl/internal/syntax"
	"github.com/zmqgen/zmqgen/dsl/model"
	"golang.org/x/tools/txtar"
)

// TestFormatGolden formats each golden/format/*.txtar case: its .ztopo
// section is the input, its "formatted" section the expected output, or
// for input that does not parse, its "diagnostics" section the expected
// diagnostics (-update rewrites them). The comment at the top says what
// the case is about. Every formatted case also keeps the formatter's
// promises (checkFormatted).
func TestFormatGolden(t *testing.T) {
	cases := formatCases(t)
	if len(cases) < 6 {
		t.Fatalf("found %d golden/format cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, diags := Format(c.input.Name, c.input.Data)
			got := out
			if diags != nil {
				var b bytes.Buffer
				diags.WriteCompact(&b)
				got = b.Bytes()
			}
			want := &c.ar.Files[c.want]
			if *update {
				want.Data = got
				if err := os.WriteFile(c.file, txtar.Format(c.ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if (diags != nil) != (want.Name == "diagnostics") {
				t.Fatalf("Format gave output %q and diagnostics %v; the case expects %s", out, diags, want.Name)
			}
			if !bytes.Equal(got, want.Data) {
				t.Errorf("%s differs (run go test ./dsl -run FormatGolden -update to accept)\ngot:\n%s\nwant:\n%s", want.Name, got, want.Data)
			}
			if diags == nil {
				checkFormatted(t, c.input.Name, c.input.Data)
			}
		})
	}
}

// A formatCase is one golden/format/*.txtar file.
type formatCase struct {
	name, file string
	ar         *txtar.Archive
	input      txtar.File
	want       int // index of the "formatted" or "diagnostics" section
}

func formatCases(t testing.TB) []formatCase {
	files, err := filepath.Glob("../golden/format/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	var out []formatCase
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		c := formatCase{name: strings.TrimSuffix(filepath.Base(file), ".txtar"), file: file, ar: ar, want: -1}
		for i, f := range ar.Files {
			switch {
			case strings.HasSuffix(f.Name, ".ztopo"):
				c.input = f
			case f.Name == "formatted" || f.Name == "diagnostics":
				c.want = i
			}
		}
		if c.input.Name == "" || c.want < 0 {
			t.Fatalf("%s needs a .ztopo section and a formatted or diagnostics section", file)
		}
		out = append(out, c)
	}
	return out
}

// checkFormatted asserts the formatter's three promises for src: every
// comment survives, formatting twice gives the same bytes, and the
// formatted file compiles to the same model, docs included, with the same
// errors.
func checkFormatted(t *testing.T, name string, src []byte) {
	t.Helper()
	out, diags := Format(name, src)
	if diags != nil {
		t.Fatalf("format: %v", diags)
	}
	for _, tok := range syntax.Tokens(name, src) {
		if syntax.IsComment(tok) && !bytes.Contains(out, []byte(printedComment(tok))) {
			t.Errorf("comment %q lost", tok.Value)
		}
	}
	again, _ := Format(name, out)
	if !bytes.Equal(out, again) {
		t.Errorf("not idempotent; first:\n%s\nsecond:\n%s", out, again)
	}
	m1, d1 := Compile(name, src)
	m2, d2 := Compile(name, out)
	// The same errors; a warning may go (an old setting name renamed).
	if len(d1.Errors()) != len(d2.Errors()) || len(d2) > len(d1) {
		t.Errorf("diagnostics changed: before %v, after %v", d1, d2)
	}
	if !reflect.DeepEqual(m1, m2) {
		t.Errorf("formatting changed the model")
	}
}

// TestFormatTopologies: every checked-in topology and every golden case
// keeps its meaning and comments, and formats idempotently.
func TestFormatTopologies(t *testing.T) {
	files, _ := filepath.Glob("../topologies/*/*.ztopo")
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(filepath.Base(f), func(t *testing.T) { checkFormatted(t, f, src) })
	}
	for _, c := range goldenInputs(t) {
		if _, d := Format(c.name, c.src); d != nil {
			continue // syntax error cases
		}
		t.Run(c.name, func(t *testing.T) { checkFormatted(t, c.name, c.src) })
	}
}

func TestFormatCRLF(t *testing.T) {
	src := "topology t // x\r\n\r\nnode a {\r\n    socket s PUSH {\r\n        bind \"tcp://*:1\"\r\n        send string\r\n    }\r\n}\r\n"
	out, diags := Format("crlf.ztopo", []byte(src))
	if diags != nil {
		t.Fatal(diags)
	}
	if want := strings.ReplaceAll(src, "\r\n", "\n"); string(out) != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

// TestFormatConstants: a file of constants formats to one that compiles
// to the same constants, in the same order (the layout is the golden case
// constants_keep_their_literals).
func TestFormatConstants(t *testing.T) {
	src := "topology t\n// ready\nmessage   Ready=\"\\x01\"   // trailing\nmessage Hb = \"\\002\"\nmessage Text = string\n" +
		"node a { socket s PUSH { bind \"tcp://*:5000\" send Text send   Ready send Hb } }\n" +
		"node b { socket s PULL { connect a.s recv Hb recv Ready recv Text } }\n"
	out, diags := Format("c.ztopo", []byte(src))
	if diags != nil {
		t.Fatal(diags)
	}
	checkFormatted(t, "c.ztopo", []byte(src))
	m, diags := Compile("c.ztopo", out)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	recv := m.Node("b").Socket("s").Recv
	if len(recv) != 3 || recv[0].Name != "Hb" || recv[1].Name != "Ready" || recv[2].Name != "Text" ||
		recv[0].Kind != model.Const || string(recv[0].Value) != "\x02" || string(recv[1].Value) != "\x01" {
		t.Errorf("b.s receives %v", recv)
	}
}
