package dsl

import (
	"strings"
	"testing"
)

// TestEdgeFingerprint: the contract fingerprint of an edge changes with
// what the two ends put on the wire, and with nothing else.
func TestEdgeFingerprint(t *testing.T) {
	const base = `topology t

message Work = json {
    id int
}

message Stop = "STOP"

node a {
    socket out PUSH {
        bind "tcp://*:5000"
        send Work
    }
}

node b {
    socket in PULL {
        connect a.out
        recv Work
    }
}
`
	fp := func(src string) string {
		t.Helper()
		topo, diags := Compile("t.ztopo", []byte(src))
		if diags.HasErrors() || len(topo.Edges) != 1 {
			t.Fatalf("%v\n%s", diags.Err(), src)
		}
		return topo.Edges[0].Fingerprint()
	}
	want := fp(base)
	if len(want) != 16 {
		t.Fatalf("fingerprint %q", want)
	}
	same := map[string]string{
		"comments and layout": strings.Replace(base, "node a {\n", "// The sender.\nnode a {\n\n", 1),
		"a JSON field added":  strings.Replace(base, "    id int\n", "    id int\n    note string\n", 1),
		"a message renamed":   strings.NewReplacer("Work", "Job").Replace(base),
		"an endpoint moved":   strings.Replace(base, "5000", "6000", 1),
		"options":             strings.Replace(base, "        send Work\n", "        send Work\n        hwm 10\n", 1),
	}
	for name, src := range same {
		if got := fp(src); got != want {
			t.Errorf("%s changed the fingerprint", name)
		}
	}
	differ := map[string]string{
		"the message kind": strings.Replace(base, "message Work = json {\n    id int\n}", "message Work = string", 1),
		"a type sent":      strings.Replace(strings.Replace(base, "        send Work\n", "        send Work\n        send Stop\n", 1), "        recv Work\n", "        recv Work\n        recv Stop\n", 1),
		"a socket type":    strings.Replace(strings.Replace(base, "out PUSH", "out PUB", 1), "in PULL {\n", "in SUB {\n        subscribe \"\"\n", 1),
	}
	for name, src := range differ {
		if got := fp(src); got == want {
			t.Errorf("a change of %s kept the fingerprint", name)
		}
	}
	topo, _ := Compile("t.ztopo", []byte(base))
	if got := topo.Edges[0].Name(); got != "b.in->a.out" {
		t.Errorf("edge name %q", got)
	}
}
