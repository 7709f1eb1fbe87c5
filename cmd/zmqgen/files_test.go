package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestZtopoFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"b/two.ztopo":           "",
		"b/one.ztopo":           "",
		"b/notes.txt":           "",
		"b/dir.ztopo/x.ztopo":   "", // a directory named like a file is not a file
		"b/c/three.ztopo":       "",
		"b/testdata/no.ztopo":   "",
		"b/vendor/no.ztopo":     "",
		"b/_skip/no.ztopo":      "",
		"b/.hidden/no.ztopo":    "",
		"a/one.ztopo":           "",
		"empty/readme.txt":      "",
		"empty/sub/deep.ztopo":  "",
		"named.txt":             "",
		"b/c/testdata/x.ztopo":  "",
		"b/c/vendor/y.ztopo":    "",
		"b/dir.ztopo/y/z.ztopo": "",
	})
	t.Chdir(dir)
	for _, c := range []struct {
		args []string
		want []string
	}{
		// Argument order is kept; each directory's files are sorted.
		{[]string{"b", "a"}, []string{"b/one.ztopo", "b/two.ztopo", "a/one.ztopo"}},
		{[]string{"a", "b"}, []string{"a/one.ztopo", "b/one.ztopo", "b/two.ztopo"}},
		// A file is taken as named, whatever its extension; a missing
		// one too, for the command to report.
		{[]string{"named.txt", "missing.ztopo", "a"}, []string{"named.txt", "missing.ztopo", "a/one.ztopo"}},
		// Paths are cleaned, so that one file named twice is done once.
		{[]string{"./a/one.ztopo", "a", "a/../a/one.ztopo"}, []string{"a/one.ztopo"}},
		// DIR/... walks down, skipping what the go command skips.
		{[]string{"b/..."}, []string{"b/c/three.ztopo", "b/dir.ztopo/x.ztopo", "b/dir.ztopo/y/z.ztopo", "b/one.ztopo", "b/two.ztopo"}},
		{[]string{"./empty/..."}, []string{"empty/sub/deep.ztopo"}},
		{[]string{"a/one.ztopo", "./..."}, []string{"a/one.ztopo", "b/c/three.ztopo", "b/dir.ztopo/x.ztopo", "b/dir.ztopo/y/z.ztopo", "b/one.ztopo", "b/two.ztopo", "empty/sub/deep.ztopo"}},
	} {
		got, err := ztopoFiles(c.args)
		want := make([]string, len(c.want))
		for i, w := range c.want {
			want[i] = filepath.FromSlash(w)
		}
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("ztopoFiles(%q) = %q, %v; want %q", c.args, got, err, want)
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"a", "empty"}, "empty: no .ztopo files found"},
		{[]string{"empty/sub/..."}, ""}, // has one
		{[]string{"b/testdata/..."}, ""},
		{[]string{"nowhere/..."}, "nowhere: no such file or directory"},
		{[]string{"b/notes.txt/..."}, "no .ztopo files found"},
	} {
		_, err := ztopoFiles(c.args)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("ztopoFiles(%q): error %v, want %q", c.args, err, c.want)
		}
	}
}

// TestDiagnosticsAlike: each command prints a topology's diagnostics the
// same way, a file it cannot read included, and exits 1.
func TestDiagnosticsAlike(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"go.mod":        "module example.com/m\n\ngo 1.26\n",
		"broken.ztopo":  "topology t\nnode a {\n",
		"invalid.ztopo": badTopo,
	})
	t.Chdir(dir)
	for _, c := range []struct {
		file string
		want string
	}{
		{"broken.ztopo", `broken.ztopo:3:1: error: expected "}" to close the node, found end of file` + "\n"},
		{"missing.ztopo", "missing.ztopo: error: cannot read file: no such file or directory\n"},
		{"invalid.ztopo", ""}, // fmt formats it: only a syntax error stops fmt
	} {
		if c.want == "" {
			_, _, c.want = runCmd(t, "", "check", c.file)
			if !strings.HasPrefix(c.want, "invalid.ztopo:12:17: error: ") {
				t.Fatalf("check gave %q", c.want)
			}
		}
		for _, args := range [][]string{{"check"}, {"fmt", "-l"}, {"generate"}, {"generate", "-check"}, {"init"}, {"graph"}, {"graph", "-format", "dot"}, {"up"}} {
			if args[0] == "fmt" && c.file == "invalid.ztopo" {
				continue
			}
			code, stdout, stderr := runCmd(t, "", append(args, c.file)...)
			if code != exitFail || stdout != "" || stderr != c.want {
				t.Errorf("zmqgen %s %s: status %d, stdout %q, stderr:\n%s\nwant:\n%s", strings.Join(args, " "), c.file, code, stdout, stderr, c.want)
			}
		}
	}
	if entries, _ := os.ReadDir("."); len(entries) != 3 {
		t.Errorf("files written on errors: %v", entries)
	}
}

// TestGenerateGoesOnPastMissingFile: a missing file is reported, and the
// other topologies named are generated all the same.
func TestGenerateGoesOnPastMissingFile(t *testing.T) {
	dir := shopModule(t)
	t.Chdir(dir)
	code, _, stderr := runCmd(t, "", "generate", "missing.ztopo", "shop")
	if code != exitFail || stderr != "missing.ztopo: error: cannot read file: no such file or directory\n" {
		t.Errorf("status %d, stderr %q", code, stderr)
	}
	for _, f := range shopFiles {
		if _, err := os.Stat(f); err != nil {
			t.Error(err)
		}
	}
}

// TestOneTopology: graph and up take one topology, a FILE or a DIR holding
// exactly one, and name the directory when it holds none or several.
func TestOneTopology(t *testing.T) {
	t.Chdir(writeFiles(t, map[string]string{
		"one/ok.ztopo":    validTopo,
		"two/a.ztopo":     validTopo,
		"two/b.ztopo":     validTopo,
		"none/x.txt":      "",
		"deep/a/ok.ztopo": validTopo,
	}))
	for _, cmd := range []string{"graph", "up"} {
		for _, c := range []struct {
			arg, want string
		}{
			{"two", "zmqgen " + cmd + ": two: 2 .ztopo files; name one\n"},
			{"none", "zmqgen " + cmd + ": none: no .ztopo files found\n"},
		} {
			code, stdout, stderr := runCmd(t, "", cmd, c.arg)
			if code != exitFail || stdout != "" || stderr != c.want {
				t.Errorf("zmqgen %s %s: status %d, stdout %q, stderr %q, want %q", cmd, c.arg, code, stdout, stderr, c.want)
			}
		}
	}
	for _, arg := range []string{"one", "one/ok.ztopo", "deep/..."} {
		code, stdout, stderr := runCmd(t, "", "graph", arg)
		if code != exitOK || !strings.Contains(stdout, `title: "ok"`) || stderr != "" {
			t.Errorf("zmqgen graph %s: status %d, stdout %q, stderr %q", arg, code, stdout, stderr)
		}
	}
}
