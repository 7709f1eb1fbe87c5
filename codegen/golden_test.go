package codegen_test

import (
	"bytes"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/zmqgen/zmqgen/codegen"
	"github.com/zmqgen/zmqgen/dsl"
	"github.com/zmqgen/zmqgen/dsl/model"
)

var update = flag.Bool("update", false, "rewrite the golden files in golden/codegen")

// goldenModule is the module path the golden cases are generated and
// type-checked in: case NAME is the package goldenModule/NAME.
const goldenModule = "example.com/golden"

// A goldenCase is one golden/codegen/*.txtar file: a comment saying what
// it covers, the .ztopo input, then every generated file and the starter
// handler of each node (zmqgen init's output), which together must build.
type goldenCase struct {
	name string // the file name without .txtar; the package directory
	file string
	ar   *txtar.Archive
	got  []txtar.File // the input, then what the generator makes now
}

func loadGoldenCases(t *testing.T) []*goldenCase {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(repoRoot(t), "golden", "codegen", "*.txtar"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no golden/codegen/*.txtar cases")
	}
	var cases []*goldenCase
	for _, file := range files {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if len(ar.Files) == 0 || !strings.HasSuffix(ar.Files[0].Name, ".ztopo") {
			t.Fatalf("%s: the first file must be the .ztopo input", file)
		}
		name := strings.TrimSuffix(filepath.Base(file), ".txtar")
		cases = append(cases, &goldenCase{name: name, file: file, ar: ar})
	}
	return cases
}

// generateArchive compiles a .ztopo and returns the generated files and
// the starter handlers, as they appear in a golden case.
func generateArchive(t *testing.T, input txtar.File, importPath string) []txtar.File {
	t.Helper()
	topo := compile(t, input.Name, input.Data)
	opts := codegen.Options{ImportPath: importPath, Source: input.Name}
	files, err := codegen.Generate(topo, opts)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	var out []txtar.File
	for _, f := range files {
		out = append(out, txtar.File{Name: f.Path, Data: f.Content})
	}
	for _, n := range topo.Nodes {
		b, err := codegen.Starter(topo, n, opts)
		if err != nil {
			t.Fatalf("Starter(%s): %v", n.Name, err)
		}
		out = append(out, txtar.File{Name: n.Name + "/" + codegen.StarterName, Data: b})
	}
	return out
}

func compile(t *testing.T, name string, src []byte) *model.Topology {
	t.Helper()
	topo, diags := dsl.Compile(name, src)
	if diags.HasErrors() {
		var b bytes.Buffer
		diags.WriteCompact(&b)
		t.Fatalf("dsl.Compile:\n%s", b.String())
	}
	return topo
}

// TestGolden generates every golden case and compares the result with
// the case file (-update rewrites them), then builds and vets all of the
// generated code, starters included, in a module of its own.
func TestGolden(t *testing.T) {
	cases := loadGoldenCases(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.got = append([]txtar.File{c.ar.Files[0]}, generateArchive(t, c.ar.Files[0], goldenModule+"/"+c.name)...)
			if *update {
				ar := &txtar.Archive{Comment: c.ar.Comment, Files: c.got}
				if err := os.WriteFile(c.file, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			compareArchive(t, c.ar.Files, c.got)
		})
	}
	t.Run("build-vet-test", func(t *testing.T) {
		files := map[string][]byte{}
		for _, c := range cases {
			if c.got == nil {
				t.Skip("a case failed to generate")
			}
			for _, f := range c.got[1:] {
				files[c.name+"/"+f.Name] = f.Data
			}
		}
		// Tests of the generated code's behaviour, in the packages they
		// test: testdata/run/CASE/PATH goes to CASE/PATH.
		run := filepath.Join("testdata", "run")
		err := filepath.WalkDir(run, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(run, p)
			files[filepath.ToSlash(rel)] = b
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		buildModule(t, goldenModule, files)
	})
}

// compareArchive reports every file that differs, with the first line
// that does, and files missing on either side.
func compareArchive(t *testing.T, want, got []txtar.File) {
	t.Helper()
	wantBy := map[string][]byte{}
	for _, f := range want {
		wantBy[f.Name] = f.Data
	}
	seen := map[string]bool{}
	for _, f := range got {
		seen[f.Name] = true
		w, ok := wantBy[f.Name]
		switch {
		case !ok:
			t.Errorf("%s: generated but not in the golden file (-update adds it)", f.Name)
		case !bytes.Equal(w, f.Data):
			t.Errorf("%s differs from the golden file (-update rewrites it): %s", f.Name, firstDiff(w, f.Data))
		}
	}
	for _, f := range want {
		if !seen[f.Name] {
			t.Errorf("%s: in the golden file but no longer generated", f.Name)
		}
	}
}

// firstDiff describes the first line where want and got differ.
func firstDiff(want, got []byte) string {
	wl, gl := strings.Split(string(want), "\n"), strings.Split(string(got), "\n")
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g string
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if w != g || i >= len(wl) || i >= len(gl) {
			return fmt.Sprintf("line %d:\n\twant %q\n\t got %q", i+1, w, g)
		}
	}
	return "(no line differs)"
}

// buildModule writes files into a fresh module named modPath that uses
// this repository for github.com/zmqgen/zmqgen, and runs go build, go vet
// and go test on all of it.
func buildModule(t *testing.T, modPath string, files map[string][]byte) {
	t.Helper()
	dir := writeModule(t, modPath, files)
	for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}, {"test", "./..."}} {
		cmd := exec.Command(goTool(), args...)
		cmd.Dir = dir
		// -mod=mod lets go add the indirect requirements that the replaced
		// module brings; everything is in the module cache already.
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go %s in the generated module: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// goTool is the go command: go test puts the bin directory of the Go
// running the tests first on $PATH.
func goTool() string { return "go" }

// repoRoot is the directory of the module's go.mod.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		t.Fatalf("no go.mod in %s: %v", dir, err)
	}
	return dir
}

// TestDeterministic generates every golden case several times and
// checks that the bytes never change: the generator must not depend on
// map order or anything else that varies between runs.
func TestDeterministic(t *testing.T) {
	for _, c := range loadGoldenCases(t) {
		first := generateArchive(t, c.ar.Files[0], goldenModule+"/"+c.name)
		for i := 0; i < 10; i++ {
			again := generateArchive(t, c.ar.Files[0], goldenModule+"/"+c.name)
			for j := range first {
				if !bytes.Equal(first[j].Data, again[j].Data) {
					t.Fatalf("%s: %s differs between two generations: %s", c.name, first[j].Name, firstDiff(first[j].Data, again[j].Data))
				}
			}
		}
	}
}

// writeModule writes files into a new temporary module modPath that
// requires this repository through a replace directive, and returns its
// directory.
func writeModule(t *testing.T, modPath string, files map[string][]byte) string {
	t.Helper()
	root := repoRoot(t)
	dir := t.TempDir()
	gomod := fmt.Sprintf("module %s\n\ngo 1.26\n\nrequire github.com/zmqgen/zmqgen v0.0.0\n\nreplace github.com/zmqgen/zmqgen => %s\n", modPath, root)
	files["go.mod"] = []byte(gomod)
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files["go.sum"] = sum
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
