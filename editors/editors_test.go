// Package editors holds what editors need for .ztopo files: vscode/, a
// VS Code extension with the TextMate grammar, and test/, the Node test
// that checks the grammar with vscode-textmate. This file runs that test
// from go test when node and the test's node_modules are there (.ci/run
// runs "npm ci" and "node --test" in test/ itself).
package editors

import (
	"flag"
	"os"
	"os/exec"
	"regexp"
	"testing"

	"github.com/zmqgen/zmqgen/dsl"
)

var update = flag.Bool("update", false, "rewrite the grammar's golden scope files")

func TestGrammar(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed")
	}
	if _, err := os.Stat("test/node_modules/vscode-textmate"); err != nil {
		t.Skip("run npm ci in editors/test first")
	}
	cmd := exec.Command(node, "--test")
	cmd.Dir = "test"
	if *update {
		cmd.Env = append(os.Environ(), "UPDATE_GOLDEN=1")
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node --test: %v\n%s", err, out)
	}
}

// TestGrammarKnowsTheLanguage: every word the language gives a meaning
// (statement keywords, socket types, message kinds, param and field types,
// policy settings), as the dsl package lists them, is one of the grammar's
// alternatives, so that a word added to the language is highlighted.
func TestGrammarKnowsTheLanguage(t *testing.T) {
	data, err := os.ReadFile("vscode/syntaxes/ztopo.tmLanguage.json")
	if err != nil {
		t.Fatal(err)
	}
	grammar := string(data)
	words := []string{"topology", "true", "false"}
	for _, block := range []string{"top", "node", "socket"} {
		words = append(words, dsl.Keywords(block)...)
	}
	words = append(words, dsl.SocketTypeNames()...)
	words = append(words, dsl.MessageKindNames()...)
	words = append(words, dsl.ParamTypeNames()...)
	words = append(words, dsl.FieldTypeNames()...)
	for _, p := range dsl.PolicyKinds() {
		words = append(words, dsl.PolicySettings(p)...)
	}
	for _, w := range words {
		if !regexp.MustCompile(`[(|]` + regexp.QuoteMeta(w) + `[)|]`).MatchString(grammar) {
			t.Errorf("the grammar has no alternative %q", w)
		}
	}
}
