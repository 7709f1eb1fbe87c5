package dsl

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/zmqgen/zmqgen/dsl/model"
)

// Compile parses, resolves and checks one .ztopo source. filename names
// the source in diagnostics and becomes Topology.Source (slash-separated).
// The topology is nil when the diagnostics hold an error; warnings come
// with a topology. The diagnostics are sorted by position.
func Compile(filename string, src []byte) (*model.Topology, Diagnostics) {
	filename = filepath.ToSlash(filename)
	topo, _, diags := compile(filename, src)
	return topo, diags
}

// compile also returns the syntax tree, for the formatter's tests.
func compile(filename string, src []byte) (topo *model.Topology, f *File, diags Diagnostics) {
	defer func() {
		// A checker bug must not crash the tool; report it against the
		// file instead of printing a stack trace.
		if r := recover(); r != nil {
			topo = nil
			diags = append(diags, Diagnostic{Severity: Error, Range: Range{File: filename, Start: Pos{1, 1, 0}, End: Pos{1, 1, 0}},
				Message: fmt.Sprintf("internal checker failure: %v", r)})
		}
	}()
	f, diags = parseFile(filename, src)
	if f == nil {
		return nil, nil, diags.Sort()
	}
	r := newResolver(filename, src, newComments(tokens(filename, src)))
	topo = r.resolve(f)
	diags = r.diags.Sort()
	if diags.HasErrors() {
		return nil, f, diags
	}
	return topo, f, diags
}

// Load reads and compiles the .ztopo file at path.
func Load(path string) (*model.Topology, Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, Diagnostics{{Severity: Error, Range: Range{File: filepath.ToSlash(path)}, Message: readErrorMessage(err)}}
	}
	return Compile(path, src)
}

func readErrorMessage(err error) string {
	switch {
	case os.IsNotExist(err):
		return "no such file"
	case os.IsPermission(err):
		return "permission denied"
	}
	if pe, ok := err.(*os.PathError); ok {
		return fmt.Sprintf("cannot read: %v", pe.Err)
	}
	return fmt.Sprintf("cannot read: %v", err)
}
