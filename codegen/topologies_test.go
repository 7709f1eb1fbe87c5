package codegen_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/codegen"
	"github.com/zmqgen/zmqgen/dsl"
)

const modulePath = "github.com/zmqgen/zmqgen"

// TestTopologiesUpToDate regenerates the code of every topology under
// topologies/ (and of the test fixtures under topologies/internal) and fails on any checked-in file that differs, is missing,
// or belongs to a node that is gone: run `go generate ./topologies/...`
// (or zmqgen generate ./topologies/...) to refresh them. A topology with
// no generated code at all yet is skipped, not failed, so that a new
// example can land its .ztopo before its handlers. It then vets the
// generated packages.
func TestTopologiesUpToDate(t *testing.T) {
	root := repoRoot(t)
	ztopos, err := filepath.Glob(filepath.Join(root, "topologies", "*", "*.ztopo"))
	if err != nil {
		t.Fatal(err)
	}
	// Test fixtures that are topologies too (the deploy simulation's).
	fixtures, err := filepath.Glob(filepath.Join(root, "topologies", "internal", "*", "*", "*.ztopo"))
	if err != nil {
		t.Fatal(err)
	}
	ztopos = append(ztopos, fixtures...)
	var vet []string
	for _, file := range ztopos {
		rel, _ := filepath.Rel(root, file)
		rel = filepath.ToSlash(rel)
		dir := filepath.Dir(file)
		relDir := filepath.ToSlash(filepath.Dir(rel))
		t.Run(strings.TrimPrefix(relDir, "topologies/"), func(t *testing.T) {
			topo, diags := dsl.Load(file)
			if diags.HasErrors() {
				t.Fatalf("dsl.Load: %v", diags.Err())
			}
			files, err := codegen.Generate(topo, codegen.Options{ImportPath: modulePath + "/" + relDir, Source: rel})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(filepath.Join(dir, files[0].Path)); os.IsNotExist(err) {
				t.Skipf("%s: not generated yet", rel)
			}
			wanted := map[string]bool{}
			for _, f := range files {
				p := filepath.Join(dir, filepath.FromSlash(f.Path))
				wanted[p] = true
				b, err := os.ReadFile(p)
				switch {
				case err != nil:
					t.Errorf("%s: %v; run go generate ./%s", f.Path, err, relDir)
				case !bytes.Equal(b, f.Content):
					t.Errorf("%s/%s is stale: %s\nrun go generate ./%s", relDir, f.Path, firstDiff(b, f.Content), relDir)
				}
			}
			others, _ := filepath.Glob(filepath.Join(dir, "*", "*"+codegen.Suffix))
			for _, p := range others {
				if !wanted[p] {
					t.Errorf("%s: generated for a node the topology no longer has", p)
				}
			}
			vet = append(vet, "./"+relDir+"/...")
		})
	}
	if len(vet) == 0 || testing.Short() {
		return
	}
	cmd := exec.Command(goTool(), append([]string{"vet"}, vet...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("go vet %s: %v\n%s", strings.Join(vet, " "), err, out)
	}
}
