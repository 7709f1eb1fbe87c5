package codegen_test

import (
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/codegen"
	"github.com/zmqgen/zmqgen/dsl/model"
)

// TestGenerateRefusesClashes: the checker reports every codegen.Clash at
// its place (golden/diagnostics has a case for each kind), and Generate
// still refuses a model that did not come through the checker.
func TestGenerateRefusesClashes(t *testing.T) {
	limits := &model.Message{Name: "Limits", Kind: model.JSON, Fields: []*model.Field{
		{Name: "max_size", Type: &model.FieldType{Kind: model.Int}},
		{Name: "maxSize", Type: &model.FieldType{Kind: model.Int}},
	}}
	n := &model.Node{Name: "n", Replicas: 1}
	out := &model.Socket{Name: "out", Node: n, Type: model.PUSH, Send: []*model.Message{limits},
		Binds: []*model.Endpoint{{Addr: "tcp://*:5000"}}}
	n.Sockets = []*model.Socket{out}
	topo := &model.Topology{Name: "main", Source: "a.ztopo", Messages: []*model.Message{limits}, Nodes: []*model.Node{n}}

	cs := codegen.Clashes(topo)
	var got []string
	for _, c := range cs {
		got = append(got, c.Message())
	}
	want := []string{
		`topology "main" cannot become a Go package name: a node program is package main`,
		`field "maxSize" and field "max_size" both become the Go field Limits.MaxSize`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Clashes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if cs[1].Thing != limits.Fields[1] || cs[1].First != limits.Fields[0] {
		t.Errorf("the field clash names %v and %v", cs[1].Thing, cs[1].First)
	}
	_, err := codegen.Generate(topo, codegen.Options{ImportPath: "example.com/main"})
	if err == nil || err.Error() != want[0] {
		t.Errorf("Generate: %v, want %q", err, want[0])
	}
}
