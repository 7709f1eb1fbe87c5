package dsl

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/zmqgen/zmqgen/dsl/internal/syntax"
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
func compile(filename string, src []byte) (topo *model.Topology, f *syntax.File, diags Diagnostics) {
	defer recoverInternal(filename, "checker", &topo, &diags)
	lexed := syntax.Lex(filename, src) // once, for the parser and the comments
	f, diags = parseLexed(filename, src, lexed)
	if f == nil {
		return nil, nil, diags.Sort()
	}
	check := newChecker(filename, src, syntax.NewComments(lexed.Tokens()))
	topo = check.checkFile(f)
	diags = check.diags.Sort()
	if diags.HasErrors() {
		return nil, f, diags
	}
	return topo, f, diags
}

// parse parses src, reporting a syntax error as a diagnostic. The tree is
// nil when there is one.
func parse(filename string, src []byte) (f *syntax.File, diags Diagnostics) {
	return parseLexed(filename, src, syntax.Lex(filename, src))
}

// parseLexed is parse of a source already lexed.
func parseLexed(filename string, src []byte, lexed *syntax.Lexed) (f *syntax.File, diags Diagnostics) {
	defer recoverInternal(filename, "parser", &f, &diags)
	f, err := lexed.Parse()
	if err != nil {
		return nil, Diagnostics{{Severity: Error, Message: err.Msg,
			Range: Range{File: filename, Start: posAt(src, err.Start), End: posAt(src, err.End)}}}
	}
	return f, nil
}

// recoverInternal, deferred by each stage (parser, checker, formatter),
// turns a panic in that stage into an error diagnostic on the file and
// zeroes the stage's result. A bug in zmqgen must not take down the tool,
// or an editor's language server; the user still gets an answer, and it
// says the fault is ours.
func recoverInternal[T any](file, stage string, result *T, diags *Diagnostics) {
	if r := recover(); r != nil {
		var zero T
		*result = zero
		*diags = append(*diags, Diagnostic{Severity: Error, Range: Range{File: file, Start: Pos{1, 1, 0}, End: Pos{1, 1, 0}},
			Message: fmt.Sprintf("internal %s failure: %v", stage, r)})
	}
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
