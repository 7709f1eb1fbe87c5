package dsl

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/dsl/model"
)

// TestLanguageTables holds LANGUAGE.md to the tables the checker uses: the
// socket types (what each can send and receive, whom it talks to, in the
// model's order), the options, and the policies with their settings.
func TestLanguageTables(t *testing.T) {
	b, err := os.ReadFile("LANGUAGE.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)

	// "TYPE is one of `PAIR`, `REQ`, ..."
	m := regexp.MustCompile("(?s)TYPE is one of (.*?)\\.\n").FindStringSubmatch(doc)
	if m == nil {
		t.Fatal(`no "TYPE is one of" sentence`)
	}
	listed := regexp.MustCompile("`([A-Z]+)`").FindAllStringSubmatch(m[1], -1)
	var names []string
	for _, l := range listed {
		names = append(names, l[1])
	}
	if want := model.SocketTypeNames(); !slices.Equal(names, want) {
		t.Errorf("LANGUAGE.md lists socket types %v; the model %v", names, want)
	}

	// | type | send | recv | talks to |
	rows := regexp.MustCompile(`(?m)^\| ([A-Z]+) +\|([^|]*)\|([^|]*)\|([^|]*)\|$`).FindAllStringSubmatch(doc, -1)
	var order []string
	for _, r := range rows {
		typ, ok := model.ParseSocketType(r[1])
		if !ok {
			t.Errorf("table row for unknown type %s", r[1])
			continue
		}
		order = append(order, r[1])
		cell := func(s string, can, data bool) string {
			s = strings.TrimSpace(s)
			want := "no"
			if can {
				want = "yes"
				if !data {
					want = "yes (subscriptions)"
				}
			}
			if s != want {
				return want
			}
			return ""
		}
		if want := cell(r[2], typ.CanSend(), typ.SendsData()); want != "" {
			t.Errorf("%s send: LANGUAGE.md says %q, the model %q", typ, strings.TrimSpace(r[2]), want)
		}
		if want := cell(r[3], typ.CanRecv(), typ.ReceivesData()); want != "" {
			t.Errorf("%s recv: LANGUAGE.md says %q, the model %q", typ, strings.TrimSpace(r[3]), want)
		}
		var peers []string
		for _, p := range typ.Peers() {
			peers = append(peers, p.String())
		}
		if got, want := strings.TrimSpace(r[4]), strings.Join(peers, ", "); got != want {
			t.Errorf("%s talks to: LANGUAGE.md says %q, the model %q", typ, got, want)
		}
	}
	if want := model.SocketTypeNames(); !slices.Equal(order, want) {
		t.Errorf("socket type table rows %v; the model's order %v", order, want)
	}

	block := func(heading string) []string {
		m := regexp.MustCompile("(?s)### " + heading + "\n.*?```\n(.*?)```").FindStringSubmatch(doc)
		if m == nil {
			t.Fatalf("no code block under ### %s", heading)
		}
		return strings.Split(strings.TrimSpace(m[1]), "\n")
	}
	var opts []string
	for _, line := range block("Options") {
		opts = append(opts, strings.Fields(line)[0])
	}
	if !slices.Equal(opts, optionNames) {
		t.Errorf("LANGUAGE.md lists options %v; the checker %v", opts, optionNames)
	}
	var policies []string
	for _, line := range block("Reliability policies") {
		f := strings.Fields(line)
		policies = append(policies, f[0])
		var settings []string
		for _, w := range f[2 : len(f)-1] {
			if w[0] >= 'a' && w[0] <= 'z' {
				settings = append(settings, w)
			}
		}
		if !slices.Equal(settings, policySettings[f[0]]) {
			t.Errorf("LANGUAGE.md shows %s settings %v; the checker %v", f[0], settings, policySettings[f[0]])
		}
	}
	if !slices.Equal(policies, policyNames) {
		t.Errorf("LANGUAGE.md lists policies %v; the checker %v", policies, policyNames)
	}
}
