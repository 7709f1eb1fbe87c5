package main

import (
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/zmqgen/zmqgen/dsl"
)

const checkUsage = `usage: zmqgen check [-format text|json] [-snippet] [-color] FILE|DIR|DIR/...

Check parses and checks each topology and reports every problem found,
sorted by position. A DIR argument means every .ztopo file in it; DIR/...
also searches its subdirectories (skipping testdata, vendor and names
starting with "." or "_").

Text diagnostics go to standard error, one per line:

	file:line:col: error: message

Lines and columns start at 1; a column counts bytes, as Go's tools do.

With -snippet, each is followed by the source line and a caret under the
position; -color adds ANSI colours to that. With -format json, the
diagnostics are written to standard output as a JSON array of objects
with severity, range (file, start and end line/col/offset; the end is
exclusive), message and related places.

Exit status: 0 when no file has errors (warnings are allowed), 1 when
some file has errors, 2 when the command line is wrong.

Flags:
`

func runCheck(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("check", flag.ContinueOnError)
	fl.SetOutput(stderr)
	format := fl.String("format", "text", "output `format`: text or json")
	snippet := fl.Bool("snippet", false, "show the source line and a caret under each diagnostic")
	color := fl.Bool("color", false, "colour the -snippet output")
	fl.Usage = func() {
		fmt.Fprint(fl.Output(), checkUsage)
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(stderr, "zmqgen check: -format must be text or json, not %q\n", *format)
		return exitUsage
	}
	if fl.NArg() == 0 {
		fmt.Fprint(stderr, "zmqgen check: no files or directories named\n\n")
		fl.Usage()
		return exitUsage
	}
	files, err := ztopoFiles(fl.Args())
	if err != nil {
		fmt.Fprintf(stderr, "zmqgen check: %v\n", err)
		return exitFail
	}
	var all dsl.Diagnostics
	sources := map[string][]byte{}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			all = append(all, dsl.Diagnostic{Severity: dsl.Error, Range: dsl.Range{File: filepath.ToSlash(f)},
				Message: "cannot read file: " + errText(err)})
			continue
		}
		sources[filepath.ToSlash(f)] = src
		_, diags := dsl.Compile(f, src)
		all = append(all, diags...)
	}
	switch {
	case *format == "json":
		all.WriteJSON(stdout)
	case *snippet:
		all.WriteSnippets(stderr, dsl.SnippetOptions{Color: *color, Source: func(file string) ([]byte, bool) {
			src, ok := sources[file]
			return src, ok
		}})
	default:
		all.WriteCompact(stderr)
	}
	if all.HasErrors() {
		return exitFail
	}
	return exitOK
}

// errText is an error without the path that os errors repeat.
func errText(err error) string {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err.Error()
	}
	return err.Error()
}

// ztopoFiles expands command-line arguments into .ztopo files: a file is
// taken as named (whatever its extension), a directory means the .ztopo
// files in it, and a path ending in "/..." means those in the directory
// and all its subdirectories. The result keeps argument order, each
// directory's files sorted, without repeats.
func ztopoFiles(args []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	add := func(f string) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	for _, arg := range args {
		if dir, ok := strings.CutSuffix(arg, "..."); ok {
			dir = strings.TrimSuffix(dir, "/")
			if dir == "" || dir == "." {
				dir = "."
			}
			var found []string
			err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.IsDir() {
					name := d.Name()
					if path != dir && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
						return filepath.SkipDir
					}
					return nil
				}
				if strings.HasSuffix(path, ".ztopo") {
					found = append(found, path)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
			if len(found) == 0 {
				return nil, fmt.Errorf("%s: no .ztopo files found", arg)
			}
			sort.Strings(found)
			for _, f := range found {
				add(f)
			}
			continue
		}
		st, err := os.Stat(arg)
		if err != nil {
			// A missing file is reported as a diagnostic by the caller.
			add(arg)
			continue
		}
		if !st.IsDir() {
			add(arg)
			continue
		}
		found, err := filepath.Glob(filepath.Join(arg, "*.ztopo"))
		if err != nil {
			return nil, err
		}
		if len(found) == 0 {
			return nil, fmt.Errorf("%s: no .ztopo files in directory", arg)
		}
		sort.Strings(found)
		for _, f := range found {
			add(f)
		}
	}
	return out, nil
}
