package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/zmqgen/zmqgen/dsl"
)

const fmtUsage = `usage: zmqgen fmt [-l] [-d] [-w] [FILE|DIR|DIR/...]

Fmt prints each topology in the canonical layout. Comments are kept;
formatting twice gives the same bytes, and never changes what a file
means. With no arguments, fmt formats standard input to standard output.

A file with a syntax error is left alone and its diagnostics are printed
to standard error (file:line:col: error: message).

Exit status: 0 on success, 1 when a file could not be formatted (or read
or written), 2 when the command line is wrong.

Flags:
`

func runFmt(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("fmt", flag.ContinueOnError)
	fl.SetOutput(stderr)
	list := fl.Bool("l", false, "list files whose formatting differs; do not print them")
	diff := fl.Bool("d", false, "print a unified diff of the changes; do not print the files")
	write := fl.Bool("w", false, "write the result back to each file that changes")
	fl.Usage = func() {
		fmt.Fprint(fl.Output(), fmtUsage)
		fl.PrintDefaults()
	}
	if err := fl.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return exitOK
		}
		return exitUsage
	}
	if fl.NArg() == 0 {
		if *write {
			fmt.Fprintln(stderr, "zmqgen fmt: cannot use -w with standard input")
			return exitUsage
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
		src, err := os.ReadFile(f)
		if err != nil {
			fmt.Fprintf(stderr, "%s: error: cannot read file: %s\n", filepath.ToSlash(f), errText(err))
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
	if diags.HasErrors() {
		diags.WriteCompact(stderr)
		return false
	}
	changed := !bytes.Equal(src, out)
	if list && changed {
		fmt.Fprintln(stdout, filepath.ToSlash(name))
	}
	if diff && changed {
		io.WriteString(stdout, unifiedDiff(filepath.ToSlash(name), src, out))
	}
	if write && changed {
		mode := os.FileMode(0o644)
		if st, err := os.Stat(name); err == nil {
			mode = st.Mode().Perm()
		}
		if err := writeFileAtomic(name, out, mode); err != nil {
			fmt.Fprintf(stderr, "zmqgen fmt: %v\n", err)
			return false
		}
	}
	if !list && !diff && !write {
		stdout.Write(out)
	}
	return true
}

// writeFileAtomic replaces name with data through a temporary file in the
// same directory, so that a failed write never leaves half a file.
func writeFileAtomic(name string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// unifiedDiff returns a unified diff (three lines of context) from a to b,
// both named name. (generate's unifiedLineDiff in gendiff.go is similar,
// but marks every last line "No newline at end of file"; this one keeps
// the marker for files that really lack it.) Topologies are small, so a quadratic longest common
// subsequence is fine; past a size limit the whole file is replaced.
func unifiedDiff(name string, a, b []byte) string {
	x, y := splitLines(a), splitLines(b)
	ops := diffLines(x, y)
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", name, name+" (formatted)")
	const ctx = 3
	// Group ops into hunks: runs of changes with up to 2*ctx equal lines
	// between them.
	i := 0
	for i < len(ops) {
		for i < len(ops) && ops[i].kind == ' ' {
			i++
		}
		if i == len(ops) {
			break
		}
		start := max(i-ctx, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run == len(ops) || run-end > 2*ctx {
				end = min(end+ctx, len(ops))
				break
			}
			end = run
		}
		h := ops[start:end]
		aStart, bStart := h[0].ai, h[0].bi
		var aN, bN int
		for _, op := range h {
			if op.kind != '+' {
				aN++
			}
			if op.kind != '-' {
				bN++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(aStart, aN), hunkRange(bStart, bN))
		for _, op := range h {
			out.WriteByte(op.kind)
			out.WriteString(op.text)
			if !strings.HasSuffix(op.text, "\n") {
				out.WriteString("\n\\ No newline at end of file\n")
			}
		}
		i = end
	}
	return out.String()
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprintf("%d", start+1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

type diffOp struct {
	kind   byte // ' ', '-' or '+'
	text   string
	ai, bi int // line indexes in a and b where the op sits
}

func splitLines(s []byte) []string {
	var out []string
	for len(s) > 0 {
		i := bytes.IndexByte(s, '\n')
		if i < 0 {
			out = append(out, string(s))
			break
		}
		out = append(out, string(s[:i+1]))
		s = s[i+1:]
	}
	return out
}

func diffLines(x, y []string) []diffOp {
	var ops []diffOp
	if len(x)*len(y) > 4_000_000 {
		for i, l := range x {
			ops = append(ops, diffOp{'-', l, i, 0})
		}
		for j, l := range y {
			ops = append(ops, diffOp{'+', l, len(x), j})
		}
		return ops
	}
	// lcs[i][j] is the LCS length of x[i:] and y[j:].
	lcs := make([][]int, len(x)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(y)+1)
	}
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			ops = append(ops, diffOp{' ', x[i], i, j})
			i++
			j++
		case i < len(x) && (j == len(y) || lcs[i+1][j] >= lcs[i][j+1]):
			ops = append(ops, diffOp{'-', x[i], i, j})
			i++
		default:
			ops = append(ops, diffOp{'+', y[j], i, j})
			j++
		}
	}
	return ops
}
