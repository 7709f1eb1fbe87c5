package codegen_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/zmqgen/zmqgen/codegen"
	"github.com/zmqgen/zmqgen/dsl"
	"github.com/zmqgen/zmqgen/dsl/model"
)

// corpusInput is one .ztopo of the corpora check and generate must agree
// on.
type corpusInput struct {
	name string // where it comes from, for messages
	src  []byte
	// builtElsewhere marks the codegen golden cases and the topologies,
	// whose generated code TestGolden and go build ./... already build.
	builtElsewhere bool
}

// checkGenerateCorpus returns every .ztopo input the project keeps: the
// diagnostics corpus, the codegen golden cases, the topologies, and the
// fuzz corpora of dsl and of this package.
func checkGenerateCorpus(t testing.TB) []corpusInput {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	var out []corpusInput
	for _, pattern := range []string{"golden/diagnostics/*.txtar", "golden/codegen/*.txtar"} {
		elsewhere := pattern == "golden/codegen/*.txtar"
		files, _ := filepath.Glob(filepath.Join(root, pattern))
		for _, file := range files {
			ar, err := txtar.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range ar.Files {
				if strings.HasSuffix(f.Name, ".ztopo") {
					out = append(out, corpusInput{filepath.Base(file), f.Data, elsewhere})
				}
			}
		}
	}
	files, _ := filepath.Glob(filepath.Join(root, "topologies", "*", "*.ztopo"))
	for _, file := range files {
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, corpusInput{filepath.Base(file), src, true})
	}
	for _, pattern := range []string{"dsl/testdata/fuzz/*/*", "codegen/testdata/fuzz/*/*"} {
		files, _ := filepath.Glob(filepath.Join(root, pattern))
		for _, file := range files {
			src, err := readFuzzInput(file)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			out = append(out, corpusInput{filepath.Base(file), src, false})
		}
	}
	return out
}

// readFuzzInput reads a corpus file of a fuzz target taking one []byte:
// "go test fuzz v1" then []byte("...").
func readFuzzInput(file string) ([]byte, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	lines := strings.SplitN(strings.TrimSpace(string(b)), "\n", 2)
	if len(lines) != 2 || lines[0] != "go test fuzz v1" {
		return nil, fmt.Errorf("not a fuzz corpus file")
	}
	lit, ok := strings.CutPrefix(lines[1], "[]byte(")
	lit, ok2 := strings.CutSuffix(lit, ")")
	if !ok || !ok2 {
		return nil, fmt.Errorf("not one []byte value")
	}
	s, err := strconv.Unquote(lit)
	return []byte(s), err
}

// generateAll runs the generator and the starter on a checked topology,
// returning the files by path.
func generateAll(t *testing.T, topo *model.Topology, importPath string) (map[string][]byte, error) {
	opts := codegen.Options{ImportPath: importPath}
	files, err := codegen.Generate(topo, opts)
	if err != nil {
		return nil, fmt.Errorf("Generate: %w", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		out[f.Path] = f.Content
	}
	for _, n := range topo.Nodes {
		b, err := codegen.Starter(topo, n, opts)
		if err != nil {
			return nil, fmt.Errorf("Starter(%s): %w", n.Name, err)
		}
		out[n.Name+"/"+codegen.StarterName] = b
	}
	return out, nil
}

// TestCheckCleanGenerates is the promise that check and generate agree:
// every input of the corpora that check accepts (no errors) generates,
// and what it generates, starter handlers included, builds and vets. All
// of them go into one temporary module, built by one go build and one go
// vet (the topologies and codegen golden cases, built by their own tests,
// are generated here and not built again). An input check refuses has
// nothing to generate.
func TestCheckCleanGenerates(t *testing.T) {
	inputs := checkGenerateCorpus(t)
	const modPath = "example.com/checkgen"
	files := map[string][]byte{}
	clean, refused, built := 0, 0, 0
	for i, in := range inputs {
		topo, diags := dsl.Compile("input.ztopo", in.src)
		if diags.HasErrors() {
			refused++
			continue
		}
		clean++
		dir := fmt.Sprintf("c%03d", i)
		got, err := generateAll(t, topo, modPath+"/"+dir)
		if err != nil {
			t.Errorf("%s: check is clean but generate fails: %v\n%s", in.name, err, in.src)
			continue
		}
		if in.builtElsewhere {
			continue
		}
		built++
		for p, b := range got {
			files[dir+"/"+p] = b
		}
	}
	t.Logf("%d inputs: %d clean in check, all generated (%d built here, the rest by their own tests); %d refused by check",
		len(inputs), clean, built, refused)
	if clean < 20 || refused < 100 {
		t.Fatalf("the corpora shrank: %d clean, %d refused", clean, refused)
	}
	if testing.Short() {
		t.Skip("builds a module")
	}
	dir := writeModule(t, modPath, files)
	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}} {
		cmd := exec.Command(goTool(), args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s of the generated code: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// FuzzCheckGenerate: on any input, check clean means generate and the
// starter succeed (building is left to TestCheckCleanGenerates). The
// corpora above are the seeds.
func FuzzCheckGenerate(f *testing.F) {
	for _, in := range checkGenerateCorpus(f) {
		f.Add(in.src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		topo, diags := dsl.Compile("fuzz.ztopo", src)
		if diags.HasErrors() {
			return
		}
		if _, err := generateAll(t, topo, "example.com/fuzz"); err != nil {
			var b bytes.Buffer
			diags.WriteCompact(&b)
			t.Fatalf("check is clean (%s) but: %v", b.String(), err)
		}
	})
}
