package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/zmqgen/zmqgen/dsl"
)

const fmtUsage = `usage: zmqgen fmt [-l] [-d] [-w] [FILE|DIR|DIR/...]

Fmt prints each topology in the canonical layout. Comments are kept;
formatting twice gives the same bytes, and never changes what a file
means. With no arguments, fmt formats standard input to standard output.

A file with a syntax error is left alone and its diagnostics are printed
to standard error (file:line:col: error: message).

Flags:

	-l   list files whose formatting differs; do not print them
	-d   print a unified diff of the changes; do not print the files
	-w   write the result back to each file that changes (through a
	     temporary file and a rename; not with standard input)

Exit status: 0 on success, 1 when a file could not be formatted (or read
or written), 2 when the command line is wrong.
`

func runFmt(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := newFlagSet("fmt")
	list := fl.Bool("l", false, "")
	diff := fl.Bool("d", false, "")
	write := fl.Bool("w", false, "")
	if code, done := parseFlags(fl, args, fmtUsage, stdout, stderr); done {
		return code
	}
	if fl.NArg() == 0 {
		if *write {
			return usageError(stderr, "fmt", fmtUsage, "cannot use -w with standard input")
		}
		src, err := io.ReadAll(stdin)
		if err != nil {
			fmt.Fprintf(stderr, "zmqgen fmt: %v\n", err)
			return exitFail
		}
		if !fmtOne("<stdin>", src, *list, *diff, false, stdout, stderr) {
			return exitFail
		}
		return exitOK
	}
	files, err := ztopoFiles(fl.Args())
	if err != nil {
		fmt.Fprintf(stderr, "zmqgen fmt: %v\n", err)
		return exitFail
	}
	status := exitOK
	for _, f := range files {
		src, diags := dsl.ReadFile(f)
		if !printDiags(stderr, diags) {
			status = exitFail
			continue
		}
		if !fmtOne(f, src, *list, *diff, *write, stdout, stderr) {
			status = exitFail
		}
	}
	return status
}

// fmtOne formats one file and reports success.
func fmtOne(name string, src []byte, list, diff, write bool, stdout, stderr io.Writer) bool {
	out, diags := dsl.Format(name, src)
	if !printDiags(stderr, diags) {
		return false
	}
	changed := !bytes.Equal(src, out)
	if list && changed {
		fmt.Fprintln(stdout, filepath.ToSlash(name))
	}
	if diff && changed {
		stdout.Write(unifiedDiff(filepath.ToSlash(name), filepath.ToSlash(name)+" (formatted)", src, out))
	}
	if write && changed {
		mode := os.FileMode(0o644)
		if st, err := os.Stat(name); err == nil {
			mode = st.Mode().Perm()
		}
		if err := replaceFile(name, out, mode); err != nil {
			fmt.Fprintf(stderr, "zmqgen fmt: %v\n", err)
			return false
		}
	}
	if !list && !diff && !write {
		stdout.Write(out)
	}
	return true
}
