package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/zmqgen/zmqgen/breaking"
	"github.com/zmqgen/zmqgen/dsl"
)

const breakingUsage = `usage: zmqgen breaking -against REF|FILE [-format text|json|github] [FILE|DIR]

Breaking compares each topology with an earlier version of itself and
reports every change that would break a running system in which some
nodes run the old version and others the new one: messages lost or
misread between an old and a new node (rules WIRE_...), and changes to
the generated Go API that handlers use (rules CODE_...). Each finding is
positioned in the new file, or on what enclosed a removed thing, and ends
with its rule ID. Adding an optional JSON field, a node, or a message
type on a new socket is not reported.

The earlier version is -against FILE (with one topology named), or a git
revision: for each topology, "git show REF:./NAME" in its directory
(a topology the revision does not have is new, and skipped). With no
FILE|DIR, the topologies of the current directory are compared.

A finding is accepted by a comment on its line or right above it:

	// zmqgen:accept WIRE_JSON_FIELD_REMOVED no old reader is left

Flags:

	-against REF|FILE   the earlier version: a git revision or a file
	-format text        file:line:col: error: message (RULE) on standard
	                    error (the default)
	-format json        diagnostics on standard output as a JSON array
	-format github      GitHub Actions annotations on standard output:
	                    ::error file=F,line=L,col=C,title=RULE::message

Exit status: 0 when nothing breaks, 1 when something does (or a version
has errors, or git fails), 2 when the command line is wrong.
`

func runBreaking(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := newFlagSet("breaking")
	against := fl.String("against", "", "")
	format := fl.String("format", "text", "")
	paths, code, done := parseInterleaved(fl, args, breakingUsage, stdout, stderr)
	if done {
		return code
	}
	switch *format {
	case "text", "json", "github":
	default:
		return usageError(stderr, "breaking", breakingUsage, "-format must be text, json or github, not %q", *format)
	}
	if *against == "" {
		return usageError(stderr, "breaking", breakingUsage, "-against is required")
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	files, err := ztopoFiles(paths)
	if err != nil {
		fmt.Fprintf(stderr, "zmqgen breaking: %v\n", err)
		return exitFail
	}
	againstFile := false
	if st, err := os.Stat(*against); err == nil && !st.IsDir() {
		againstFile = true
		if len(files) != 1 {
			return usageError(stderr, "breaking", breakingUsage, "-against FILE compares one topology; %d named", len(files))
		}
	}
	var all dsl.Diagnostics
	failed := false
	for _, file := range files {
		var oldName string
		var oldSrc []byte
		if againstFile {
			oldName = *against
			oldSrc, err = os.ReadFile(*against)
		} else {
			oldName, oldSrc, err = gitShow(*against, file)
			if errors.Is(err, errNotInRevision) {
				continue
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "zmqgen breaking: %v\n", err)
			failed = true
			continue
		}
		newSrc, diags := dsl.ReadFile(file)
		if diags != nil {
			printDiags(stderr, diags)
			failed = true
			continue
		}
		old, new, oldDiags, newDiags := breaking.CompileVersions(oldName, oldSrc, file, newSrc)
		if oldDiags.HasErrors() {
			fmt.Fprintf(stderr, "zmqgen breaking: the earlier version %s has errors:\n", oldName)
			printDiags(stderr, oldDiags.Errors())
			failed = true
		}
		if newDiags.HasErrors() {
			printDiags(stderr, newDiags.Errors())
			failed = true
		}
		if oldDiags.HasErrors() || newDiags.HasErrors() {
			continue
		}
		all = append(all, breaking.Compare(old, new)...)
	}
	switch *format {
	case "json":
		all.WriteJSON(stdout)
	case "github":
		writeGitHub(stdout, all)
	default:
		printDiags(stderr, all)
	}
	if failed || len(all) > 0 {
		return exitFail
	}
	return exitOK
}

var errNotInRevision = errors.New("not in the revision")

// gitShow returns file as it is in revision rev, read with git show in the
// file's directory, and the name diagnostics give it ("REV:path").
func gitShow(rev, file string) (string, []byte, error) {
	dir, base := filepath.Split(file)
	if dir == "" {
		dir = "."
	}
	if strings.HasPrefix(rev, "-") {
		return "", nil, fmt.Errorf("revision %q starts with '-'", rev)
	}
	var out, errb bytes.Buffer
	cmd := exec.Command("git", "show", rev+":./"+base)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String())
		var ee *exec.ExitError
		if errors.As(err, &ee) && (strings.Contains(msg, "does not exist in") || strings.Contains(msg, "exists on disk, but not in")) {
			return "", nil, errNotInRevision
		}
		if msg == "" {
			msg = err.Error()
		}
		return "", nil, fmt.Errorf("git show %s:./%s in %s: %s", rev, base, dir, msg)
	}
	return rev + ":" + filepath.ToSlash(file), out.Bytes(), nil
}

// writeGitHub writes diagnostics as GitHub Actions workflow commands, which
// the Actions runner turns into annotations on the pull request's files.
func writeGitHub(w io.Writer, diags dsl.Diagnostics) {
	var b strings.Builder
	for _, d := range diags {
		level := "error"
		if d.Severity == dsl.Warning {
			level = "warning"
		}
		fmt.Fprintf(&b, "::%s file=%s", level, ghProperty(d.Range.File))
		if d.Range.Start.IsValid() {
			fmt.Fprintf(&b, ",line=%d,col=%d", d.Range.Start.Line, d.Range.Start.Col)
			if d.Range.End.IsValid() {
				fmt.Fprintf(&b, ",endLine=%d,endColumn=%d", d.Range.End.Line, d.Range.End.Col)
			}
		}
		if rule := breaking.RuleOf(d); rule != "" {
			fmt.Fprintf(&b, ",title=%s", ghProperty(rule))
		}
		fmt.Fprintf(&b, "::%s\n", ghData(d.Message))
	}
	io.WriteString(w, b.String())
}

// ghData escapes a workflow command's message as the runner expects.
func ghData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// ghProperty escapes a workflow command's property value.
func ghProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
