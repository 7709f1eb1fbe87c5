package dsl

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCursorAt: where a position is, read from the tokens of a file
// being typed.
func TestCursorAt(t *testing.T) {
	for _, c := range []struct {
		src        string // | marks the cursor
		block      string
		stmt       []string
		word, node string
		stype      string
		policy     string
		inString   bool
		inComment  bool
	}{
		{src: "topology t\n|", block: "top", stmt: []string{"topology", "t"}},
		{src: "topology t\nmes|", block: "top", stmt: []string{"topology", "t"}, word: "mes"},
		{src: "topology t\nmessage M = |", block: "top", stmt: []string{"message", "M", "="}},
		{src: "topology t\nmessage M = json { a |", block: "fields", stmt: []string{"a"}},
		{src: "topology t\nnode n {\n    |\n}", block: "node", node: "n"},
		{src: "topology t\nnode n {\n    socket s PU|", block: "node", node: "n", stmt: []string{"socket", "s"}, word: "PU"},
		{src: "topology t\nnode n {\n    socket s PUSH {\n        connect a.|\n    }\n}", block: "socket", node: "n", stype: "PUSH",
			stmt: []string{"connect", "a", "."}},
		{src: "topology t\nnode n {\n    socket s PUSH {\n        bind \"tcp://*:1\"\n        se|", block: "socket", node: "n", stype: "PUSH",
			stmt: []string{"bind", `"tcp://*:1"`}, word: "se"},
		{src: "topology t\nnode n {\n    socket s REQ {\n        retry { timeout 1s |", block: "policy", node: "n", stype: "REQ", policy: "retry",
			stmt: []string{"timeout", "1s"}},
		{src: "topology t\nnode n {\n    socket s PUSH {\n        bind \"tcp|", block: "socket", node: "n", stype: "PUSH", stmt: []string{"bind", `"tcp`}, inString: true},
		{src: "topology t\n// a comm|ent\n", block: "top", stmt: []string{"topology", "t"}, inComment: true},
		{src: "topology t\n/* a\n comm|ent */\n", block: "top", stmt: []string{"topology", "t"}, inComment: true},
		{src: "topology t\n// a comment\n|", block: "top", stmt: []string{"topology", "t"}},
		{src: "topology t\nnode n {\n}\n|", block: "top"},
	} {
		off := strings.Index(c.src, "|")
		src := []byte(strings.Replace(c.src, "|", "", 1))
		got := CursorAt(src, off)
		if got.Block != c.block || !slices.Equal(got.Stmt, c.stmt) || got.Word != c.word || got.Node != c.node ||
			got.SocketType != c.stype || got.Policy != c.policy || got.InString != c.inString || got.InComment != c.inComment {
			t.Errorf("%q: %+v", c.src, got)
		}
		if got.WordStart != off-len(c.word) {
			t.Errorf("%q: word starts at %d, want %d", c.src, got.WordStart, off-len(c.word))
		}
	}
}

// TestAnalyzeEveryPrefix: analyzing, and asking what is at and around
// each position of, prefixes of shipped topologies never fails, as an
// editor does while a file is typed from the start.
func TestAnalyzeEveryPrefix(t *testing.T) {
	files, _ := filepath.Glob("../topologies/*/*.ztopo")
	if len(files) == 0 {
		t.Fatal("no topologies")
	}
	// Every 61st prefix of two files: each analysis is a compile, and
	// a compile is ~60 times slower under the race detector.
	for _, f := range files[:2] {
		src, _ := os.ReadFile(f)
		for n := 0; n <= len(src); n += 61 {
			a := Analyze(f, src[:n])
			a.At(n / 2)
			a.Partial()
			CursorAt(src[:n], n)
			CursorAt(src, n)
		}
	}
}
