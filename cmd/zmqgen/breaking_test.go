package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const breakingOld = `topology shop

message Order = json {
    id int
    price float
}

node client {
    socket out PUSH {
        connect server.in
        send Order
    }
}

node server {
    socket in PULL {
        bind "tcp://*:5000"
        recv Order
    }
}
`

// breakingNew drops price: old servers would read 0.
var breakingNew = strings.Replace(breakingOld, "    price float\n", "", 1)

// breakingSafe adds an optional field.
var breakingSafe = strings.Replace(breakingOld, "    price float\n", "    price float\n    note string\n", 1)

func TestBreakingAgainstFile(t *testing.T) {
	dir := writeFiles(t, map[string]string{"old.ztopo": breakingOld, "shop.ztopo": breakingNew, "safe/shop.ztopo": breakingSafe})
	old := filepath.Join(dir, "old.ztopo")
	file := filepath.Join(dir, "shop.ztopo")

	code, stdout, stderr := runCmd(t, "", "breaking", "-against", old, file)
	want := filepath.ToSlash(file) + `:3:9: error: field "price" of Order removed; old server.in reads it and gets the zero value (WIRE_JSON_FIELD_REMOVED)` + "\n"
	if code != exitFail || stdout != "" || stderr != want {
		t.Errorf("status %d, stdout %q, stderr:\n%s\nwant:\n%s", code, stdout, stderr, want)
	}

	code, stdout, _ = runCmd(t, "", "breaking", "-against", old, "-format", "github", file)
	wantGH := "::error file=" + ghProperty(filepath.ToSlash(file)) + ",line=3,col=9,endLine=3,endColumn=14,title=WIRE_JSON_FIELD_REMOVED::field \"price\" of Order removed; old server.in reads it and gets the zero value (WIRE_JSON_FIELD_REMOVED)\n"
	if code != exitFail || stdout != wantGH {
		t.Errorf("github: status %d, stdout:\n%s\nwant:\n%s", code, stdout, wantGH)
	}

	code, stdout, _ = runCmd(t, "", "breaking", "-against", old, "-format", "json", file)
	var diags []struct {
		Severity string
		Message  string
	}
	if err := json.Unmarshal([]byte(stdout), &diags); err != nil || code != exitFail || len(diags) != 1 || diags[0].Severity != "error" {
		t.Errorf("json: status %d, %v, stdout:\n%s", code, err, stdout)
	}

	code, stdout, stderr = runCmd(t, "", "breaking", "-against", old, filepath.Join(dir, "safe"))
	if code != exitOK || stdout != "" || stderr != "" {
		t.Errorf("safe edit: status %d, stdout %q, stderr %q", code, stdout, stderr)
	}

	// Accepted in the file: nothing to report.
	accepted := strings.Replace(breakingNew, "message Order", "// zmqgen:accept WIRE_JSON_FIELD_REMOVED no reader left\nmessage Order", 1)
	if err := os.WriteFile(file, []byte(accepted), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCmd(t, "", "breaking", "-against", old, file); code != exitOK || stderr != "" {
		t.Errorf("accepted: status %d, stderr %q", code, stderr)
	}
}

func TestBreakingAgainstGitRevision(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("no git")
	}
	dir := writeFiles(t, map[string]string{"shop/shop.ztopo": breakingOld})
	gitIn := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	gitIn("init", "-q")
	gitIn("add", ".")
	gitIn("commit", "-q", "-m", "shop")
	file := filepath.Join(dir, "shop", "shop.ztopo")
	if err := os.WriteFile(file, []byte(breakingNew), 0o644); err != nil {
		t.Fatal(err)
	}
	// A topology the revision does not have is new: nothing to compare.
	if err := os.WriteFile(filepath.Join(dir, "shop", "other.ztopo"), []byte(breakingOld), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, "", "breaking", "-against", "HEAD", filepath.Join(dir, "shop"))
	if code != exitFail || stdout != "" || !strings.HasSuffix(stderr, "(WIRE_JSON_FIELD_REMOVED)\n") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("status %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	code, _, stderr = runCmd(t, "", "breaking", "-against", "no-such-revision", filepath.Join(dir, "shop", "shop.ztopo"))
	if code != exitFail || !strings.Contains(stderr, "git show no-such-revision:./shop.ztopo") {
		t.Errorf("bad revision: status %d, stderr:\n%s", code, stderr)
	}
	if code, _, stderr := runCmd(t, "", "breaking", filepath.Join(dir, "shop")); code != exitUsage || !strings.Contains(stderr, "-against is required") {
		t.Errorf("no -against: status %d, stderr:\n%s", code, stderr)
	}
}
