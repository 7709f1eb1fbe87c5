package main

import (
	"go/parser"
	"go/token"
	"regexp"
	"strings"
	"testing"
)

// manual returns the text of the package doc, the user manual.
func manual(t *testing.T) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "doc.go", nil, parser.ParseComments|parser.PackageClauseOnly)
	if err != nil || f.Doc == nil {
		t.Fatalf("doc.go: %v", err)
	}
	return f.Doc.Text()
}

// manualSections splits the manual at its headings.
func manualSections(doc string) map[string]string {
	sections := map[string]string{}
	heading := ""
	for _, line := range strings.SplitAfter(doc, "\n") {
		if h, ok := strings.CutPrefix(line, "# "); ok {
			heading = strings.TrimSpace(h)
			continue
		}
		sections[heading] += line
	}
	return sections
}

var helpFlag = regexp.MustCompile(`(?m)^\s+-([a-z][a-z.-]*)`)

// TestManualCoversCommands: the manual lists the commands as "zmqgen help"
// does, and has a section for each command that gives the synopsis of its
// usage text and every flag that usage names.
func TestManualCoversCommands(t *testing.T) {
	doc := manual(t)
	sections := manualSections(doc)
	_, help, _ := runCmd(t, "", "help")
	for _, line := range strings.SplitAfter(help, "\n") {
		if strings.HasPrefix(line, "\t") && !strings.Contains(doc, line) {
			t.Errorf("the manual's list of commands lacks %q", line)
		}
	}
	for name := range commands {
		section, ok := sections["zmqgen "+name]
		if !ok {
			t.Errorf("the manual has no section # zmqgen %s", name)
			continue
		}
		_, stdout, stderr := runCmd(t, "", name, "-h")
		usage := stdout + stderr
		synopsis, ok := strings.CutPrefix(strings.SplitN(usage, "\n", 2)[0], "usage: ")
		if !ok {
			t.Errorf("%s -h does not start with its synopsis:\n%s", name, usage)
			continue
		}
		if !strings.Contains(section, "\t"+synopsis+"\n") {
			t.Errorf("the section on %s lacks the synopsis %q", name, synopsis)
		}
		flags := helpFlag.FindAllStringSubmatch(usage, -1)
		if len(flags) == 0 && strings.Contains(usage, "\nFlags:\n") {
			t.Errorf("%s -h names no flags:\n%s", name, usage)
		}
		for _, m := range flags {
			if !regexp.MustCompile(`(^|[\s\[])-` + regexp.QuoteMeta(m[1]) + `([\s\]=]|$)`).MatchString(section) {
				t.Errorf("the section on %s does not describe -%s", name, m[1])
			}
		}
	}
}
