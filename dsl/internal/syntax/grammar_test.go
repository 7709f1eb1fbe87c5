package syntax

import (
	"flag"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden/grammar.ebnf with the current grammar")

// TestGrammarGolden pins the grammar: a change to the syntax structs shows
// up as a diff of golden/grammar.ebnf.
func TestGrammarGolden(t *testing.T) {
	const path = "../../../golden/grammar.ebnf"
	got := Grammar() + "\n"
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./dsl/internal/syntax -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("grammar changed; run go test ./dsl/internal/syntax -update and review the diff\ngot:\n%s", got)
	}
}

// TestLookaheadKeywords: OptionStmt's negative lookahead names exactly the
// statement keywords (and "topology"), so that a keyword added to one
// table and not the other fails here rather than parsing "bind 5000" as
// an option called bind.
func TestLookaheadKeywords(t *testing.T) {
	field, _ := reflect.TypeFor[OptionStmt]().FieldByName("Name")
	tag := field.Tag.Get("parser")
	lookahead, _, ok := strings.Cut(strings.TrimPrefix(tag, "(?!"), ")")
	if !ok {
		t.Fatalf("no negative lookahead in %q", tag)
	}
	var got []string
	for _, w := range strings.Split(lookahead, "|") {
		got = append(got, strings.Trim(strings.TrimSpace(w), "'"))
	}
	want := slices.Concat(TopKeywords, NodeKeywords, SocketKeywords, []string{"topology"})
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("OptionStmt's lookahead names %v; the keyword tables %v", got, want)
	}
}
