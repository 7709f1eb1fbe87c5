package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCmd runs zmqgen in-process and returns its exit status and output.
func runCmd(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const validTopo = `topology ok

node server {
    socket rep REP {
        bind "tcp://*:5000"
        recv string
        send string
    }
}
`

const warnTopo = `topology warn

node pub {
    socket out PUB {
        bind "tcp://*:5556"
        send string
    }
}

node sub {
    socket in SUB {
        connect pub.out
        recv string
    }
}
`

const badTopo = `topology bad

node sink {
    socket in PULL {
        bind "tcp://*:5000"
        recv string
    }
}

node source {
    socket out PUB {
        connect sink.in
        send strng
    }
}
`

func TestCheckClean(t *testing.T) {
	dir := writeFiles(t, map[string]string{"ok.ztopo": validTopo})
	code, stdout, stderr := runCmd(t, "", "check", filepath.Join(dir, "ok.ztopo"))
	if code != exitOK || stdout != "" || stderr != "" {
		t.Errorf("code %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

func TestCheckWarningsExitZero(t *testing.T) {
	dir := writeFiles(t, map[string]string{"warn.ztopo": warnTopo})
	file := filepath.ToSlash(filepath.Join(dir, "warn.ztopo"))
	code, _, stderr := runCmd(t, "", "check", file)
	want := file + `:11:12: warning: SUB socket sub.in has no subscribe and receives nothing` + "\n"
	if code != exitOK || stderr != want {
		t.Errorf("code %d, stderr %q, want %q", code, stderr, want)
	}
}

func TestCheckErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{"bad.ztopo": badTopo, "ok.ztopo": validTopo})
	code, _, stderr := runCmd(t, "", "check", dir)
	file := filepath.ToSlash(filepath.Join(dir, "bad.ztopo"))
	want := file + `:12:17: error: PUB socket source.out cannot connect to PULL socket sink.in; PUB pairs with SUB or XSUB` + "\n" +
		file + `:13:14: error: unknown message type "strng"; did you mean "string"?` + "\n"
	if code != exitFail || stderr != want {
		t.Errorf("code %d, stderr:\n%s\nwant:\n%s", code, stderr, want)
	}
}

func TestCheckSnippet(t *testing.T) {
	dir := writeFiles(t, map[string]string{"bad.ztopo": badTopo})
	code, _, stderr := runCmd(t, "", "check", "-snippet", filepath.Join(dir, "bad.ztopo"))
	want := "   13 |         send strng\n" +
		"                     ^~~~~\n"
	if code != exitFail || !strings.Contains(stderr, want) || strings.Contains(stderr, "\x1b[") {
		t.Errorf("code %d, stderr:\n%s", code, stderr)
	}
	_, _, stderr = runCmd(t, "", "check", "-snippet", "-color", filepath.Join(dir, "bad.ztopo"))
	if !strings.Contains(stderr, "\x1b[1;31merror\x1b[0m") {
		t.Errorf("-color gave no colour:\n%q", stderr)
	}
}

func TestCheckJSON(t *testing.T) {
	dir := writeFiles(t, map[string]string{"bad.ztopo": badTopo})
	code, stdout, stderr := runCmd(t, "", "check", "-format", "json", filepath.Join(dir, "bad.ztopo"))
	if code != exitFail || stderr != "" {
		t.Fatalf("code %d, stderr %q", code, stderr)
	}
	var got []struct {
		Severity string
		Range    struct {
			File       string
			Start, End struct{ Line, Col, Offset int }
		}
		Message string
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v in %s", err, stdout)
	}
	if len(got) != 2 || got[1].Severity != "error" || got[1].Range.Start.Line != 13 || got[1].Range.Start.Col != 14 ||
		got[1].Range.End.Col != 19 || !strings.HasPrefix(got[1].Message, "unknown message type") {
		t.Errorf("got %+v", got)
	}
	// No diagnostics is an empty array, not null.
	dir = writeFiles(t, map[string]string{"ok.ztopo": validTopo})
	_, stdout, _ = runCmd(t, "", "check", "-format", "json", dir)
	if strings.TrimSpace(stdout) != "[]" {
		t.Errorf("clean json = %q", stdout)
	}
}

func TestCheckRecursive(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a/ok.ztopo":           validTopo,
		"a/b/bad.ztopo":        badTopo,
		"a/testdata/bad.ztopo": badTopo, // skipped, as go skips testdata
		"a/.hidden/bad.ztopo":  badTopo,
	})
	code, _, stderr := runCmd(t, "", "check", filepath.Join(dir, "a")+"/...")
	if code != exitFail || strings.Count(stderr, "\n") != 2 || !strings.Contains(stderr, "b/bad.ztopo:12:17:") {
		t.Errorf("code %d, stderr:\n%s", code, stderr)
	}
	code, _, stderr = runCmd(t, "", "check", filepath.Join(dir, "a"))
	if code != exitOK || stderr != "" {
		t.Errorf("a alone (not recursive): code %d, stderr %q", code, stderr)
	}
	code, _, stderr = runCmd(t, "", "check", filepath.Join(dir, "a", "b", "bad.ztopo"), filepath.Join(dir, "missing.ztopo"))
	if code != exitFail || !strings.Contains(stderr, "missing.ztopo: error: cannot read file: no such file or directory") {
		t.Errorf("missing file: code %d, stderr:\n%s", code, stderr)
	}
	empty := t.TempDir()
	code, _, stderr = runCmd(t, "", "check", empty)
	if code != exitFail || !strings.Contains(stderr, "no .ztopo files") {
		t.Errorf("empty dir: code %d, stderr %q", code, stderr)
	}
}

// TestCheckTopologies runs the command over the repository's topologies.
func TestCheckTopologies(t *testing.T) {
	code, stdout, stderr := runCmd(t, "", "check", "../../topologies/...")
	if code != exitOK || stdout != "" || stderr != "" {
		t.Errorf("code %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
}
