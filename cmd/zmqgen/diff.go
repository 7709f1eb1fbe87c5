package main

import (
	"bytes"
	"fmt"
	"strings"
)

// unifiedDiff returns a unified diff with three lines of context from a
// (named from) to b (named to), or nil when they are equal. It is what
// "zmqgen fmt -d" and "zmqgen generate -check" print, in the format of
// "diff -u": a last line without a newline is followed by
// "\ No newline at end of file", a last line with one is not.
//
// It finds a longest common subsequence of lines by dynamic programming:
// topologies and generated files are a few hundred lines, and the lines
// they share at both ends are taken off first, so the quadratic table is
// small; past a limit the middle is shown as replaced rather than spending
// the time.
func unifiedDiff(from, to string, a, b []byte) []byte {
	if bytes.Equal(a, b) {
		return nil
	}
	x, y := diffSplit(a), diffSplit(b)
	ops := lcsOps(x, y)
	var out bytes.Buffer
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", from, to)
	const context = 3
	// Walk the edit script, cutting it into hunks of changes separated by
	// more than 2*context unchanged lines.
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-context, 0)
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
			if run == len(ops) || run-end > 2*context {
				end = min(end+context, len(ops))
				break
			}
			end = run
		}
		aStart, bStart, aN, bN := ops[start].a, ops[start].b, 0, 0
		for _, op := range ops[start:end] {
			if op.kind != '+' {
				aN++
			}
			if op.kind != '-' {
				bN++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", diffRange(aStart, aN), diffRange(bStart, bN))
		for _, op := range ops[start:end] {
			out.WriteByte(op.kind)
			out.WriteString(op.line)
			if !strings.HasSuffix(op.line, "\n") {
				out.WriteString("\n\\ No newline at end of file\n")
			}
		}
		i = end
	}
	return out.Bytes()
}

// diffRange writes a hunk range: the 1-based first line and the count;
// an empty range names the line before it, as diff -u does.
func diffRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	if n == 1 {
		return fmt.Sprint(start + 1)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

// A lineOp is one line of an edit script: ' ' kept, '-' deleted from a,
// '+' inserted from b; a and b are the 0-based line numbers in each file
// where the op stands.
type lineOp struct {
	kind byte
	line string
	a, b int
}

// diffSplit splits s into lines that keep their "\n".
func diffSplit(s []byte) []string {
	if len(s) == 0 {
		return nil
	}
	lines := strings.SplitAfter(string(s), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// lcsOps returns an edit script from x to y.
func lcsOps(x, y []string) []lineOp {
	// Lines shared at both ends need no table.
	pre := 0
	for pre < len(x) && pre < len(y) && x[pre] == y[pre] {
		pre++
	}
	suf := 0
	for suf < len(x)-pre && suf < len(y)-pre && x[len(x)-1-suf] == y[len(y)-1-suf] {
		suf++
	}
	var ops []lineOp
	for i := 0; i < pre; i++ {
		ops = append(ops, lineOp{' ', x[i], i, i})
	}
	mx, my := x[pre:len(x)-suf], y[pre:len(y)-suf]
	if len(mx)*len(my) > 4_000_000 {
		for i, l := range mx {
			ops = append(ops, lineOp{'-', l, pre + i, pre})
		}
		for j, l := range my {
			ops = append(ops, lineOp{'+', l, pre + len(mx), pre + j})
		}
	} else {
		// lcs[i][j] is the length of a longest common subsequence of
		// mx[i:] and my[j:].
		w := len(my) + 1
		lcs := make([]int32, (len(mx)+1)*w)
		for i := len(mx) - 1; i >= 0; i-- {
			for j := len(my) - 1; j >= 0; j-- {
				if mx[i] == my[j] {
					lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
				} else {
					lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
				}
			}
		}
		i, j := 0, 0
		for i < len(mx) || j < len(my) {
			switch {
			case i < len(mx) && j < len(my) && mx[i] == my[j]:
				ops = append(ops, lineOp{' ', mx[i], pre + i, pre + j})
				i++
				j++
			case i < len(mx) && (j == len(my) || lcs[(i+1)*w+j] >= lcs[i*w+j+1]):
				ops = append(ops, lineOp{'-', mx[i], pre + i, pre + j})
				i++
			default:
				ops = append(ops, lineOp{'+', my[j], pre + i, pre + j})
				j++
			}
		}
	}
	for k := 0; k < suf; k++ {
		ops = append(ops, lineOp{' ', x[len(x)-suf+k], len(x) - suf + k, len(y) - suf + k})
	}
	return ops
}
