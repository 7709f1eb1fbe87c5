package dsl

import (
	"errors"
	"fmt"
	"io/fs"
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
	src, diags := ReadFile(path)
	if diags != nil {
		return nil, diags
	}
	return Compile(path, src)
}

// ReadFile reads the .ztopo file at path. A file that cannot be read is
// reported as an error diagnostic on the file ("shop.ztopo: error: cannot
// read file: no such file or directory"), so that tools report it as they
// report the problems inside a file.
func ReadFile(path string) ([]byte, Diagnostics) {
	src, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, Diagnostics{{Severity: Error, Range: Range{File: filepath.ToSlash(path)}, Message: "cannot read file: " + err.Error()}}
	}
	return src, nil
}
