package main

import (
	"regexp"
	"strings"
	"testing"
)

// usageLayout is the layout every usage text follows: the synopsis, a
// description, the flags (unless there are none) and the exit status.
var usageLayout = regexp.MustCompile(`(?s)^usage: zmqgen (\S+)[^\n]*\n\n[A-Z].*?\n\n(Flags:\n\n\t-.*\n\n)?Exit status: [^\n]+(\n[^\n]+)*\n$`)

// TestUsageAlike: every command prints its usage on stdout and exits 0
// when asked for help, and prints a complaint and its usage on stderr and
// exits 2 on a wrong command line; each usage has the same layout.
func TestUsageAlike(t *testing.T) {
	for name, cmd := range commands {
		usage := cmd.usage
		if m := usageLayout.FindStringSubmatch(usage); m == nil || m[1] != name {
			t.Errorf("%s: usage is not laid out as synopsis, description, flags, exit status:\n%s", name, usage)
		}
		for _, help := range []string{"-h", "-help", "--help"} {
			code, stdout, stderr := runCmd(t, "", name, help)
			if code != exitOK || stdout != usage || stderr != "" {
				t.Errorf("zmqgen %s %s: status %d, stderr %q, stdout:\n%s", name, help, code, stderr, stdout)
			}
		}
		code, stdout, stderr := runCmd(t, "", name, "-no-such-flag", "x")
		want := "zmqgen " + name + ": flag provided but not defined: -no-such-flag\n\n" + usage
		if code != exitUsage || stdout != "" || stderr != want {
			t.Errorf("zmqgen %s -no-such-flag: status %d, stdout %q, stderr:\n%s", name, code, stdout, stderr)
		}
	}
}

// TestUsageErrors: each command's own complaints about its command line
// come as a wrong flag's do.
func TestUsageErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string // the complaint
	}{
		{[]string{"check"}, "no files or directories named"},
		{[]string{"check", "-format", "xml", "x.ztopo"}, `-format must be text or json, not "xml"`},
		{[]string{"fmt", "-w"}, "cannot use -w with standard input"},
		{[]string{"graph"}, "want one FILE or DIR"},
		{[]string{"graph", "a", "b"}, "want one FILE or DIR"},
		{[]string{"graph", "-format", "png", "x.ztopo"}, `unknown format "png" (want mermaid or dot)`},
		{[]string{"up"}, "want one FILE or DIR"},
		{[]string{"up", "a", "b"}, "want one FILE or DIR"},
		{[]string{"up", "a", "-bogus"}, "flag provided but not defined: -bogus"}, // flags may follow FILE
		{[]string{"graph", "a", "-bogus"}, "flag provided but not defined: -bogus"},
		{[]string{"up", "-color", "pink", "a"}, `-color "pink": want auto, always or never`},
		{[]string{"up", "-grace", "-1s", "a"}, "-grace -1s: must not be negative"},
		{[]string{"up", "-replicas", "x", "a"}, `invalid value "x" for flag -replicas: want NODE=N with N ≥ 0, got "x"`},
		{[]string{"deploy", "-target", "k8s"}, "want one FILE or DIR"},
		{[]string{"deploy", "x.ztopo"}, `-target "": want k8s or compose`},
		{[]string{"deploy", "-target", "helm", "x.ztopo"}, `-target "helm": want k8s or compose`},
		{[]string{"version", "x"}, "takes no arguments"},
		{[]string{"lsp", "x"}, "takes no arguments"},
	} {
		code, stdout, stderr := runCmd(t, "", c.args...)
		want := "zmqgen " + c.args[0] + ": " + c.want + "\n\n" + commands[c.args[0]].usage
		if code != exitUsage || stdout != "" || stderr != want {
			t.Errorf("zmqgen %s: status %d, stdout %q, stderr:\n%s\nwant:\n%s", strings.Join(c.args, " "), code, stdout, stderr, want)
		}
	}
}
