package codegen_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestEveryTopologyHasGoGenerate: each topology's directory has a gen.go
// with the //go:generate line the manual gives, naming its .ztopo, so
// that go generate ./... refreshes every one.
func TestEveryTopologyHasGoGenerate(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "topologies", "*", "*.ztopo"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no topologies: %v", err)
	}
	for _, f := range files {
		dir, name := filepath.Split(f)
		src, err := os.ReadFile(filepath.Join(dir, "gen.go"))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		line := "//go:generate go run github.com/zmqgen/zmqgen/cmd/zmqgen generate " + name
		if !strings.Contains(string(src), "\n"+line+"\n") {
			t.Errorf("%sgen.go lacks %q", dir, line)
		}
	}
}
