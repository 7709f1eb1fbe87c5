package main

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestUnifiedDiff(t *testing.T) {
	const twelve = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n"
	for _, c := range []struct {
		name string
		a, b string
		want string
	}{{
		name: "two hunks",
		a:    twelve,
		b:    "1\n2\n3\nfour\n5\n6\n7\n8\n9\n10\n11\n12\n13\n",
		want: "@@ -1,7 +1,7 @@\n 1\n 2\n 3\n-4\n+four\n 5\n 6\n 7\n" +
			"@@ -10,3 +10,4 @@\n 10\n 11\n 12\n+13\n",
	}, {
		name: "changes six lines apart share a hunk",
		a:    twelve,
		b:    strings.Replace(strings.Replace(twelve, "2\n", "two\n", 1), "9\n", "nine\n", 1),
		want: "@@ -1,12 +1,12 @@\n 1\n-2\n+two\n 3\n 4\n 5\n 6\n 7\n 8\n-9\n+nine\n 10\n 11\n 12\n",
	}, {
		name: "both end in a newline: no marker",
		a:    "a\nb\n",
		b:    "a\nc\n",
		want: "@@ -1,2 +1,2 @@\n a\n-b\n+c\n",
	}, {
		name: "neither ends in a newline: both marked",
		a:    "a\nb",
		b:    "a\nc",
		want: "@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n\\ No newline at end of file\n",
	}, {
		name: "newline added",
		a:    "1",
		b:    "1\n",
		want: "@@ -1 +1 @@\n-1\n\\ No newline at end of file\n+1\n",
	}, {
		name: "newline removed",
		a:    "x\n1\n",
		b:    "x\n1",
		want: "@@ -1,2 +1,2 @@\n x\n-1\n+1\n\\ No newline at end of file\n",
	}, {
		name: "unchanged last line without newline is context",
		a:    "a\nb\nc",
		b:    "A\nb\nc",
		want: "@@ -1,3 +1,3 @@\n-a\n+A\n b\n c\n\\ No newline at end of file\n",
	}, {
		name: "new file",
		a:    "",
		b:    "1\n2\n",
		want: "@@ -0,0 +1,2 @@\n+1\n+2\n",
	}, {
		name: "removed file",
		a:    "1\n",
		b:    "",
		want: "@@ -1 +0,0 @@\n-1\n",
	}} {
		t.Run(c.name, func(t *testing.T) {
			got := string(unifiedDiff("a/x", "b/x", []byte(c.a), []byte(c.b)))
			if want := "--- a/x\n+++ b/x\n" + c.want; got != want {
				t.Errorf("got:\n%s\nwant:\n%s", got, want)
			}
		})
	}
	if got := unifiedDiff("a/x", "b/x", []byte(twelve), []byte(twelve)); got != nil {
		t.Errorf("equal files: got %q", got)
	}
}

// TestUnifiedDiffApplies diffs random pairs of files, with and without a
// final newline, and checks that the hunks' headers count their lines and
// that applying the hunks to the first file gives the second.
func TestUnifiedDiffApplies(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	file := func() string {
		var b strings.Builder
		for range r.IntN(30) {
			b.WriteString(strconv.Itoa(r.IntN(5)) + "\n")
		}
		s := b.String()
		if s != "" && r.IntN(3) == 0 {
			s = s[:len(s)-1]
		}
		return s
	}
	for i := range 2000 {
		a, b := file(), file()
		if i%2 == 0 {
			b = mutate(r, a)
		}
		d := string(unifiedDiff("a", "b", []byte(a), []byte(b)))
		got, err := applyUnified(a, d)
		if err != nil || got != b {
			t.Fatalf("a %q\nb %q\ndiff:\n%s\napplied: %q, %v", a, b, d, got, err)
		}
	}
}

// mutate changes, inserts or deletes a few lines of s.
func mutate(r *rand.Rand, s string) string {
	lines := strings.SplitAfter(s, "\n")
	for range 1 + r.IntN(3) {
		i := r.IntN(len(lines))
		switch r.IntN(3) {
		case 0:
			lines[i] = "x" + lines[i]
		case 1:
			lines = append(lines[:i], append([]string{"new\n"}, lines[i:]...)...)
		default:
			lines = append(lines[:i], lines[i+1:]...)
			if len(lines) == 0 {
				return ""
			}
		}
	}
	return strings.Join(lines, "")
}

var hunkHeader = regexp.MustCompile(`^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@\n$`)

// applyUnified applies unified diff d to a, checking each hunk's header
// and its context lines.
func applyUnified(a, d string) (string, error) {
	if d == "" {
		return a, nil
	}
	x := diffSplit([]byte(a))
	lines := diffSplit([]byte(d))
	if len(lines) < 3 || lines[0] != "--- a\n" || lines[1] != "+++ b\n" {
		return "", fmt.Errorf("bad header")
	}
	var out strings.Builder
	next := 0 // the first line of a not yet copied
	outN := 0 // lines written to out
	for k := 2; k < len(lines); {
		m := hunkHeader.FindStringSubmatch(lines[k])
		if m == nil {
			return "", fmt.Errorf("line %d: bad hunk header %q", k+1, lines[k])
		}
		count := func(s string) int {
			if s == "" {
				return 1
			}
			n, _ := strconv.Atoi(s)
			return n
		}
		as, an := count(m[1]), count(m[2])
		bs, bn := count(m[3]), count(m[4])
		k++
		ai := as - 1 // an empty range names the line before it
		if an == 0 {
			ai = as
		}
		if ai < next {
			return "", fmt.Errorf("line %d: hunk overlaps the one before", k)
		}
		for ; next < ai; next++ {
			out.WriteString(x[next])
			outN++
		}
		if bi := bs - 1; bi != outN && !(bn == 0 && bs == outN) {
			return "", fmt.Errorf("line %d: hunk starts at line %d of b, not %d", k, bs, outN+1)
		}
		var gotA, gotB int
		for k < len(lines) && !strings.HasPrefix(lines[k], "@@") {
			kind, text := lines[k][0], lines[k][1:]
			k++
			if k < len(lines) && lines[k] == "\\ No newline at end of file\n" {
				text = strings.TrimSuffix(text, "\n")
				k++
			}
			if kind != '+' {
				if next >= len(x) || x[next] != text {
					return "", fmt.Errorf("line %d: %q does not match a", k, text)
				}
				next++
				gotA++
			}
			if kind != '-' {
				out.WriteString(text)
				outN++
				gotB++
			}
		}
		if gotA != an || gotB != bn {
			return "", fmt.Errorf("hunk -%d,%d +%d,%d holds %d and %d lines", as, an, bs, bn, gotA, gotB)
		}
	}
	for ; next < len(x); next++ {
		out.WriteString(x[next])
	}
	return out.String(), nil
}
