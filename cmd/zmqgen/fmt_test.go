package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const uglyTopo = `topology ugly // the name
node server { socket rep REP { bind "tcp://*:5000"
  recv string send string } }
`

const uglyFormatted = `topology ugly // the name

node server {
    socket rep REP {
        bind "tcp://*:5000"
        recv string
        send string
    }
}
`

func TestFmtStdin(t *testing.T) {
	code, stdout, stderr := runCmd(t, uglyTopo, "fmt")
	if code != exitOK || stdout != uglyFormatted || stderr != "" {
		t.Errorf("code %d, stderr %q, stdout:\n%s", code, stderr, stdout)
	}
	code, _, stderr = runCmd(t, "", "fmt", "-w")
	if code != exitUsage || !strings.Contains(stderr, "cannot use -w with standard input") {
		t.Errorf("-w on stdin: code %d, stderr %q", code, stderr)
	}
}

func TestFmtFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{"ugly.ztopo": uglyTopo, "ok.ztopo": uglyFormatted})
	ugly := filepath.Join(dir, "ugly.ztopo")

	code, stdout, _ := runCmd(t, "", "fmt", dir)
	if code != exitOK || stdout != uglyFormatted+uglyFormatted {
		t.Errorf("print: code %d, stdout:\n%s", code, stdout)
	}
	code, stdout, _ = runCmd(t, "", "fmt", "-l", dir)
	if code != exitOK || stdout != filepath.ToSlash(ugly)+"\n" {
		t.Errorf("-l: code %d, stdout %q", code, stdout)
	}
	code, stdout, _ = runCmd(t, "", "fmt", "-d", ugly)
	name := filepath.ToSlash(ugly)
	wantDiff := "--- " + name + "\n+++ " + name + " (formatted)\n@@ -1,3 +1,9 @@\n" +
		" topology ugly // the name\n" +
		"-node server { socket rep REP { bind \"tcp://*:5000\"\n" +
		"-  recv string send string } }\n" +
		"+\n+node server {\n+    socket rep REP {\n+        bind \"tcp://*:5000\"\n+        recv string\n+        send string\n+    }\n+}\n"
	if code != exitOK || stdout != wantDiff {
		t.Errorf("-d: code %d, stdout:\n%s\nwant:\n%s", code, stdout, wantDiff)
	}
	if b, _ := os.ReadFile(ugly); string(b) != uglyTopo {
		t.Fatal("-l or -d changed the file")
	}
	code, stdout, _ = runCmd(t, "", "fmt", "-w", ugly)
	if code != exitOK || stdout != "" {
		t.Errorf("-w: code %d, stdout %q", code, stdout)
	}
	if b, _ := os.ReadFile(ugly); string(b) != uglyFormatted {
		t.Errorf("-w wrote:\n%s", b)
	}
	code, stdout, _ = runCmd(t, "", "fmt", "-l", dir)
	if code != exitOK || stdout != "" {
		t.Errorf("-l after -w: code %d, stdout %q", code, stdout)
	}
}

func TestFmtSyntaxError(t *testing.T) {
	const broken = "topology t\nnode a {\n"
	dir := writeFiles(t, map[string]string{"broken.ztopo": broken})
	file := filepath.Join(dir, "broken.ztopo")
	code, stdout, stderr := runCmd(t, "", "fmt", "-w", file)
	want := filepath.ToSlash(file) + `:3:1: error: expected "}" to close the node, found end of file` + "\n"
	if code != exitFail || stdout != "" || stderr != want {
		t.Errorf("code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	if b, _ := os.ReadFile(file); string(b) != broken {
		t.Error("a file with a syntax error was rewritten")
	}
}

// TestFmtTopologiesCanonical: every checked-in topology is already in
// canonical layout.
func TestFmtTopologiesCanonical(t *testing.T) {
	code, stdout, stderr := runCmd(t, "", "fmt", "-l", "../../topologies/...")
	if code != exitOK || stdout != "" || stderr != "" {
		t.Errorf("not canonical (run zmqgen fmt -w): code %d\n%s%s", code, stdout, stderr)
	}
}
