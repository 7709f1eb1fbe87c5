package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/zmqgen/zmqgen/codegen"
	"github.com/zmqgen/zmqgen/dsl/model"
)

const generateUsage = `usage: zmqgen generate [-check] [-v] [FILE|DIR|DIR/...]...

Generate writes the Go code of each topology named: beside FILE.ztopo, the
message package <topology>.zmqgen.go, and for each node a program
<node>/<node>.zmqgen.go (package main). A DIR names every .ztopo file in
it; DIR/... every .ztopo file below it. With no argument, the current
directory.

The code is deterministic and gofmt'd, and a file is written only when its
bytes change, through a temporary file and a rename: a failed run leaves
no partial file, and a topology with errors leaves its files as they were.
A <node>/<node>.zmqgen.go whose node is gone from the topology is removed.
Handler code in other files is never touched (zmqgen init writes a
starter).

The import path of the message package comes from the go.mod above the
.ztopo file, so the topology must be inside a Go module.

Flags:

	-check   write nothing; print a unified diff of every file that is not
	         up to date and exit 1 if there is one (for CI)
	-v       name every file written or removed

Exit status: 0 on success, 1 when a topology has errors (printed as
file:line:col: severity: message) or, with -check, when a file is stale,
2 on a wrong command line.
`

func runGenerate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := newFlagSet("generate")
	check := fl.Bool("check", false, "")
	verbose := fl.Bool("v", false, "")
	if code, done := parseFlags(fl, args, generateUsage, stdout, stderr); done {
		return code
	}
	files, err := ztopoFiles(argsOrDot(fl.Args()))
	if err != nil {
		fmt.Fprintf(stderr, "zmqgen generate: %v\n", err)
		return exitFail
	}
	status := exitOK
	stale := 0
	for _, file := range files {
		_, _, out, ok := loadAndGenerate("generate", file, stderr)
		if !ok {
			status = exitFail
			continue
		}
		if !*check {
			if !applyChanges("generate", out, *verbose, stderr) {
				status = exitFail
			}
			continue
		}
		for _, c := range out {
			if c.changed() {
				stale++
				stdout.Write(c.diff())
			}
		}
	}
	if stale > 0 {
		fmt.Fprintf(stderr, "zmqgen generate: %d generated file(s) not up to date; run zmqgen generate\n", stale)
		status = exitFail
	}
	return status
}

// argsOrDot is args, or the current directory when there are none: the
// directory go generate runs a command in.
func argsOrDot(args []string) []string {
	if len(args) == 0 {
		return []string{"."}
	}
	return args
}

// applyChanges writes or removes every file of changes that changed,
// naming each on stderr when verbose. It reports false when one failed;
// it still does the others.
func applyChanges(cmd string, changes []*genChange, verbose bool, stderr io.Writer) bool {
	errs := make([]error, len(changes))
	forEach(len(changes), func(i int) {
		if changes[i].changed() {
			errs[i] = changes[i].apply()
		}
	})
	ok := true
	for i, c := range changes {
		switch {
		case !c.changed():
		case errs[i] != nil:
			fmt.Fprintf(stderr, "zmqgen %s: %v\n", cmd, errs[i])
			ok = false
		case verbose:
			fmt.Fprintf(stderr, "%s %s\n", c.verb(), c.path)
		}
	}
	return ok
}

// forEach calls f(i) for each i from 0 to n-1 on a few goroutines, in no
// particular order. generate's file reads and writes wait on the file
// system, and a topology of 1,000 nodes has 1,000 of each.
func forEach(n int, f func(i int)) {
	const workers = 8
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(workers, n) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		})
	}
	wg.Wait()
}

// A genChange is one file generate would write or remove.
type genChange struct {
	path      string // as shown to the user: relative to the working directory if the file is below it
	old, new  []byte // nil old: the file does not exist; nil new: it is to be removed
	oldExists bool
	remove    bool
}

func (c *genChange) changed() bool {
	return c.remove || !c.oldExists || !bytes.Equal(c.old, c.new)
}

func (c *genChange) verb() string {
	switch {
	case c.remove:
		return "removed"
	case !c.oldExists:
		return "created"
	}
	return "updated"
}

// diff is the unified diff from the file on disk to what generate would
// write, with /dev/null for a missing side.
func (c *genChange) diff() []byte {
	from, to := "a/"+filepath.ToSlash(c.path), "b/"+filepath.ToSlash(c.path)
	if !c.oldExists {
		from = "/dev/null"
	}
	if c.remove {
		to = "/dev/null"
	}
	return unifiedDiff(from, to, c.old, c.new)
}

func (c *genChange) apply() error {
	if c.remove {
		return os.Remove(c.path)
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o777); err != nil {
		return err
	}
	return replaceFile(c.path, c.new, 0o644)
}

// loadAndGenerate loads file and generates its code in memory, returning
// the topology, the options the code was generated with, and every file
// with what is on disk now; nothing is written. It prints diagnostics and
// errors to stderr and reports false on errors.
func loadAndGenerate(cmd, file string, stderr io.Writer) (*model.Topology, codegen.Options, []*genChange, bool) {
	topo, _, diags := loadFile(file)
	if !printDiags(stderr, diags) {
		return nil, codegen.Options{}, nil, false
	}
	opts, changes, err := generateChanges(file, topo)
	if err != nil {
		fmt.Fprintf(stderr, "zmqgen %s: %v\n", cmd, err)
		return nil, codegen.Options{}, nil, false
	}
	return topo, opts, changes, true
}

// generateChanges generates the code of topo, loaded from file, in memory
// and returns the options it was generated with and every file with what
// is on disk now.
func generateChanges(file string, topo *model.Topology) (codegen.Options, []*genChange, error) {
	opts, err := codegenOptions(file)
	if err != nil {
		return opts, nil, err
	}
	files, err := codegen.Generate(topo, opts)
	if err != nil {
		return opts, nil, fmt.Errorf("%s: %w", file, err)
	}
	dir := filepath.Dir(file)
	out := make([]*genChange, len(files))
	wanted := map[string]bool{}
	for i, f := range files {
		p := filepath.Join(dir, filepath.FromSlash(f.Path))
		wanted[p] = true
		out[i] = &genChange{path: p, new: f.Content}
	}
	errs := make([]error, len(out))
	forEach(len(out), func(i int) {
		c := out[i]
		if b, err := os.ReadFile(c.path); err == nil {
			c.old, c.oldExists = b, true
		} else if !errors.Is(err, fs.ErrNotExist) {
			errs[i] = err
		}
	})
	for _, err := range errs {
		if err != nil {
			return opts, nil, err
		}
	}
	// A node that left the topology leaves its program behind; remove it,
	// but only the generated file, never the handler beside it.
	out = append(out, staleNodeFiles(dir, topo.Source, wanted)...)
	return opts, out, nil
}

// staleNodeFiles returns, as removals, the files <sub>/<sub>.zmqgen.go
// under dir that zmqgen generated from the topology in source and that
// generating it now does not produce (wanted).
func staleNodeFiles(dir, source string, wanted map[string]bool) []*genChange {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []*genChange
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		p := filepath.Join(dir, e.Name(), e.Name()+codegen.Suffix)
		if wanted[p] {
			continue
		}
		if b, err := os.ReadFile(p); err == nil && generatedFrom(b, filepath.Base(source)) {
			out = append(out, &genChange{path: p, old: b, oldExists: true, remove: true})
		}
	}
	return out
}

// generatedFrom reports whether b starts with the header zmqgen writes on
// the code it generates from a .ztopo file named base:
//
//	// Code generated by zmqgen. DO NOT EDIT.
//	// source: <dir>/<base>
func generatedFrom(b []byte, base string) bool {
	rest, ok := bytes.CutPrefix(b, []byte("// Code generated by zmqgen. DO NOT EDIT.\n// source: "))
	if !ok {
		return false
	}
	source, _, _ := bytes.Cut(rest, []byte("\n"))
	return path.Base(string(source)) == base
}

// codegenOptions finds the go.mod above file and derives the import path
// of file's directory and the module-relative path the headers name.
func codegenOptions(file string) (codegen.Options, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return codegen.Options{}, err
	}
	dir := filepath.Dir(abs)
	root := dir
	for {
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(root)
		if parent == root {
			return codegen.Options{}, fmt.Errorf("%s: no go.mod in this directory or above; generated code must be inside a Go module", file)
		}
		root = parent
	}
	modPath, err := modulePath(filepath.Join(root, "go.mod"))
	if err != nil {
		return codegen.Options{}, err
	}
	relDir, err := filepath.Rel(root, dir)
	if err != nil {
		return codegen.Options{}, err
	}
	relFile, err := filepath.Rel(root, abs)
	if err != nil {
		return codegen.Options{}, err
	}
	importPath := modPath
	if relDir != "." {
		importPath += "/" + filepath.ToSlash(relDir)
	}
	return codegen.Options{ImportPath: importPath, Source: filepath.ToSlash(relFile)}, nil
}

// modulePath reads the module path from the module directive of a
// go.mod file.
func modulePath(gomod string) (string, error) {
	b, err := os.ReadFile(gomod)
	if err != nil {
		return "", err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, "module")
		if !ok || rest == "" || (rest[0] != ' ' && rest[0] != '\t') {
			continue
		}
		rest = strings.TrimSpace(rest)
		if i := strings.Index(rest, "//"); i >= 0 {
			rest = strings.TrimSpace(rest[:i])
		}
		if unq, err := strconv.Unquote(rest); err == nil {
			rest = unq
		}
		if rest != "" {
			return rest, nil
		}
	}
	return "", fmt.Errorf("%s: no module directive", gomod)
}
