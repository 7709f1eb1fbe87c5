package dsl

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
)

func TestDiagnosticsSortDedup(t *testing.T) {
	at := func(line, col, off int) Range {
		return Range{File: "a.ztopo", Start: Pos{line, col, off}, End: Pos{line, col + 1, off + 1}}
	}
	ds := Diagnostics{
		{Severity: Warning, Range: at(3, 1, 20), Message: "w"},
		{Severity: Error, Range: at(1, 5, 4), Message: "b"},
		{Severity: Error, Range: at(3, 1, 20), Message: "e"},
		{Severity: Error, Range: at(1, 5, 4), Message: "b"},
		{Severity: Error, Range: Range{File: "0.ztopo", Start: Pos{9, 9, 99}}, Message: "other file"},
	}
	ds = ds.Sort()
	var got []string
	for _, d := range ds {
		got = append(got, d.String())
	}
	want := []string{
		"0.ztopo:9:9: error: other file",
		"a.ztopo:1:5: error: b",
		"a.ztopo:3:1: error: e",
		"a.ztopo:3:1: warning: w",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	err := ds.Err()
	if err == nil || strings.Contains(err.Error(), "warning") || strings.Count(err.Error(), "\n") != 2 {
		t.Errorf("Err() = %v", err)
	}
	back, ok := AsDiagnostics(err)
	if !ok || len(back) != 3 {
		t.Errorf("AsDiagnostics = %v, %v", back, ok)
	}
	if (Diagnostics{{Severity: Warning}}).Err() != nil || (Diagnostics{{Severity: Warning}}).HasErrors() {
		t.Error("warnings alone count as errors")
	}
}

func TestSnippetTabsAndRelated(t *testing.T) {
	src := "topology t\n\nnode a {\n\tsocket s PUSH {\n\t\tbind \"tcp://*:1\"\n\t\tsend string\n\t}\n\tsocket s PUSH {\n\t\tbind \"tcp://*:2\"\n\t\tsend string\n\t}\n}\n"
	_, diags := Compile("tabs.ztopo", []byte(src))
	if len(diags) != 1 || len(diags[0].Related) != 1 || diags[0].Related[0].Range.Start.Line != 4 {
		t.Fatalf("diags = %+v", diags)
	}
	var b bytes.Buffer
	diags.WriteSnippets(&b, SnippetOptions{Source: func(string) ([]byte, bool) { return []byte(src), true }})
	want := "tabs.ztopo:8:9: error: socket \"s\" already declared at tabs.ztopo:4:9\n" +
		"    8 | \tsocket s PUSH {\n" +
		"        \t       ^\n" +
		"  tabs.ztopo:4:9: first here\n"
	if b.String() != want {
		t.Errorf("got:\n%q\nwant:\n%q", b.String(), want)
	}
	b.Reset()
	diags.WriteJSON(&b)
	var js []map[string]any
	if err := json.Unmarshal(b.Bytes(), &js); err != nil || js[0]["severity"] != "error" || js[0]["related"] == nil {
		t.Errorf("json = %s (%v)", b.String(), err)
	}
}

func TestLoadMissingFile(t *testing.T) {
	topo, diags := Load("testdata/does-not-exist.ztopo")
	if topo != nil || len(diags) != 1 || diags[0].String() != "testdata/does-not-exist.ztopo: error: cannot read file: no such file or directory" {
		t.Errorf("got %v %v", topo, diags)
	}
}

// TestLanguageReferenceExamples compiles the complete topology at the top
// of LANGUAGE.md, and checks that every snippet of the reference at least
// parses as part of a socket, node or file, so the manual cannot drift
// from the grammar.
func TestLanguageReferenceExamples(t *testing.T) {
	doc, err := os.ReadFile("LANGUAGE.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 8 {
		t.Fatalf("found %d code blocks", len(blocks))
	}
	if _, diags := Compile("LANGUAGE.md", []byte(blocks[0][1])); len(diags) > 0 {
		t.Errorf("first example: %v", diags)
	}
	for _, b := range blocks[1:] {
		text := b[1]
		if strings.Contains(text, "...") || strings.Contains(text, "NAME") {
			continue // schematic, not source
		}
		wraps := []string{
			"%s",
			"topology t\n%s",
			"topology t\nnode n {\n%s\n}",
			"topology t\nnode n {\nsocket s PAIR {\n%s\n}\n}",
		}
		ok := false
		for _, w := range wraps {
			if _, d := parse("x", []byte(strings.Replace(w, "%s", text, 1))); d == nil {
				ok = true
				break
			}
		}
		if !ok {
			t.Errorf("example does not parse in any context:\n%s", text)
		}
	}
}

// TestColumnsCountBytes: columns are byte counts, as in Go's tools, also
// after non-ASCII text on the line (participle counts runes).
func TestColumnsCountBytes(t *testing.T) {
	src := "topology t\nnode a { /* café ☕ */ socket s PUL { bind \"tcp://*:1\" } }\n"
	_, diags := Compile("u.ztopo", []byte(src))
	if len(diags) == 0 {
		t.Fatal("no diagnostics")
	}
	line2 := src[strings.Index(src, "\n")+1:]
	want := strings.Index(line2, "PUL") + 1
	d := diags[0]
	if d.Range.Start.Line != 2 || d.Range.Start.Col != want || d.Range.End.Col != want+3 ||
		src[d.Range.Start.Offset:d.Range.End.Offset] != "PUL" {
		t.Errorf("range = %+v, want col %d", d.Range, want)
	}
	// A syntax error after non-ASCII text, and one at the end of the file.
	_, diags = Compile("u.ztopo", []byte("topology t // ü\nnode a { ü }\n"))
	if got := diags[0].String(); got != `u.ztopo:2:10: error: unexpected character "ü"` {
		t.Errorf("got %s", got)
	}
	_, diags = Compile("u.ztopo", []byte("topology t\nnode a {\n  replicas"))
	if got := diags[0].String(); got != `u.ztopo:3:11: error: expected a number after "replicas", found end of file` {
		t.Errorf("got %s", got)
	}
}

// TestInternalFailureIsDiagnostic: a panic inside a stage becomes one error diagnostic on the file and a
// zero result, never a crash.
func TestInternalFailureIsDiagnostic(t *testing.T) {
	format := func() (out []byte, diags Diagnostics) {
		defer recoverInternal("x.ztopo", "formatter", &out, &diags)
		out = []byte("half-written")
		panic("a bug in the formatter")
	}
	out, diags := format()
	if out != nil {
		t.Errorf("result %q kept after a panic", out)
	}
	if len(diags) != 1 || !diags.HasErrors() || !strings.HasPrefix(diags[0].String(), "x.ztopo:1:1: error: internal formatter failure: ") {
		t.Errorf("diagnostics = %v", diags)
	}
}

// TestCommentBytesGoCannotHold: comments become Go doc comments, so a NUL,
// a byte order mark or invalid UTF-8 in one is an error at that byte.
func TestCommentBytesGoCannotHold(t *testing.T) {
	for _, tt := range []struct{ comment, want string }{
		{"// a\x00b", "x.ztopo:2:5: error: comment contains a NUL byte, which Go source cannot hold"},
		{"/* a\xffb */", "x.ztopo:2:5: error: comment contains invalid UTF-8, which Go source cannot hold"},
		{"// \ufeff", "x.ztopo:2:4: error: comment contains a byte order mark (U+FEFF), which Go source cannot hold"},
	} {
		src := "topology t\n" + tt.comment + "\nnode n { socket s PUSH { bind \"tcp://*:1\" send string } }\n"
		_, diags := Compile("x.ztopo", []byte(src))
		if len(diags) != 1 || diags[0].String() != tt.want {
			t.Errorf("%q: got %v, want %s", tt.comment, diags, tt.want)
		}
	}
}
