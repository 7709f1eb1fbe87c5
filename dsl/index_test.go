package dsl

import "testing"

func TestIndexPositionsAndAccepts(t *testing.T) {
	src := []byte(`topology t

// A task.
// zmqgen:accept WIRE_JSON_FIELD_REMOVED,CODE_MESSAGE_RENAMED the reason
message Task = json {
    id int
    inner {
        deep string
    }
}

node a {
    param n int = 1
    socket out PUSH {
        bind "tcp://*:5000" // zmqgen:accept WIRE_ENDPOINT_CHANGED
        send Task
    }
}

node b {
    socket in PULL {
        connect a.out
        recv Task
    }
}
`)
	topo, ix, diags := CompileIndex("t.ztopo", src)
	if diags.HasErrors() || ix == nil {
		t.Fatalf("%v", diags.Err())
	}
	if got := topo.Message("Task").Doc; got != "A task." {
		t.Errorf("doc comment = %q; the directive must not be part of it", got)
	}
	for _, c := range []struct {
		got  Range
		want string
	}{
		{ix.Topology(), "t.ztopo:1:10"},
		{ix.Message("Task"), "t.ztopo:5:9"},
		{ix.MessageKind("Task"), "t.ztopo:5:16"},
		{ix.Field("Task", "inner", "deep"), "t.ztopo:8:9"},
		{ix.FieldType("Task", "id"), "t.ztopo:6:8"},
		{ix.Field("Task", "gone"), "t.ztopo:5:9"},
		{ix.Node("b"), "t.ztopo:20:6"},
		{ix.Param("a", "n"), "t.ztopo:13:11"},
		{ix.Socket("b", "in"), "t.ztopo:21:12"},
		{ix.Statement("a", "out", "bind", "tcp://*:5000"), "t.ztopo:15:9"},
		{ix.Statement("b", "in", "connect", "a.out"), "t.ztopo:22:9"},
		{ix.Statement("b", "in", "recv", "Task"), "t.ztopo:23:9"},
		{ix.Statement("b", "in", "type", ""), "t.ztopo:21:15"},
		{ix.Statement("b", "in", "heartbeat", ""), "t.ztopo:21:12"},
		{ix.Node("nope"), "t.ztopo:1:10"},
	} {
		if c.got.String() != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
	if n := len(ix.Accepts()); n != 2 {
		t.Fatalf("%d accepts, want 2: %+v", n, ix.Accepts())
	}
	if a := ix.Accepts()[0]; a.Line != 5 || len(a.Rules) != 2 || a.Reason != "the reason" {
		t.Errorf("first accept = %+v", a)
	}
	if !ix.Accepted("CODE_MESSAGE_RENAMED", ix.Message("Task")) || ix.Accepted("WIRE_CONST_CHANGED", ix.Message("Task")) {
		t.Error("Accepted does not follow the directive above the message")
	}
	if !ix.Accepted("WIRE_ENDPOINT_CHANGED", ix.Statement("a", "out", "bind", "")) {
		t.Error("a trailing directive does not apply to its line")
	}
	// Formatting keeps directives.
	out, fd := Format("t.ztopo", src)
	if fd != nil {
		t.Fatal(fd)
	}
	_, ix2, _ := CompileIndex("t.ztopo", out)
	if len(ix2.Accepts()) != 2 {
		t.Errorf("formatting lost directives:\n%s", out)
	}
}
