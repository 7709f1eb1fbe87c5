package main

import (
	"fmt"
	"io"
	"path/filepath"

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

Flags:

	-format text   diagnostics on standard error, one a line (the default)
	-format json   diagnostics on standard output as a JSON array of objects
	               with severity, range (file, start and end line/col/offset;
	               the end is exclusive), message and related places
	-snippet       follow each diagnostic by the source line and a caret
	               under the position
	-color         add ANSI colours to the -snippet output

Exit status: 0 when no file has errors (warnings are allowed), 1 when
some file has errors, 2 when the command line is wrong.
`

func runCheck(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := newFlagSet("check")
	format := fl.String("format", "text", "")
	snippet := fl.Bool("snippet", false, "")
	color := fl.Bool("color", false, "")
	if code, done := parseFlags(fl, args, checkUsage, stdout, stderr); done {
		return code
	}
	if *format != "text" && *format != "json" {
		return usageError(stderr, "check", checkUsage, "-format must be text or json, not %q", *format)
	}
	if fl.NArg() == 0 {
		return usageError(stderr, "check", checkUsage, "no files or directories named")
	}
	files, err := ztopoFiles(fl.Args())
	if err != nil {
		fmt.Fprintf(stderr, "zmqgen check: %v\n", err)
		return exitFail
	}
	var all dsl.Diagnostics
	sources := map[string][]byte{}
	for _, f := range files {
		_, src, diags := loadFile(f)
		if src != nil {
			sources[filepath.ToSlash(f)] = src
		}
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
		printDiags(stderr, all)
	}
	if all.HasErrors() {
		return exitFail
	}
	return exitOK
}
