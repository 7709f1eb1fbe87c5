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
	"testing"
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
