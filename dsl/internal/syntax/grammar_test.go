package syntax

import (
	"flag"
	"os"
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
