package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/dsl/model"
)

func TestUpPlan(t *testing.T) {
	topo := fakeTopology("client", "server:2", "bad")
	bad := topo.Node("bad")
	bad.Params = append(bad.Params,
		&model.Param{Name: "count", Type: model.ParamInt, Default: int64(3)},
		&model.Param{Name: "pause", Type: model.ParamDuration, Default: time.Second})
	plan := func(args ...string) string {
		opts, code, done := parseUpArgs(append([]string{"x.ztopo"}, args...), &bytes.Buffer{}, &bytes.Buffer{})
		if done {
			t.Fatalf("%q: exit %d", args, code)
		}
		procs, err := planUp(topo, opts)
		if err != nil {
			return "error: " + err.Error()
		}
		var parts []string
		for _, p := range procs {
			parts = append(parts, p.name+strings.Join(append([]string{""}, p.args...), " "))
		}
		return strings.Join(parts, "; ")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "server.0 -replicas=2 -replica=0; server.1 -replicas=2 -replica=1; client; bad"},
		{[]string{"-only", "client,server", "-replicas", "server=1"}, "server -replicas=1 -replica=0; client"},
		{[]string{"-replicas", "server=0,client=2"}, "client.0; client.1; bad"},
		{[]string{"-replicas", "server=3", "-only=server"}, "server.0 -replicas=3 -replica=0; server.1 -replicas=3 -replica=1; server.2 -replicas=3 -replica=2"},
		{[]string{"-set", "bad.mode=serve", "-only=bad", "--", "-x"}, "bad -mode=serve -x"},
		{[]string{"-set", "server.rep.bind=tcp://*:7000", "-replicas=server=1", "-only=server"}, "server -replicas=1 -replica=0 -rep.bind=tcp://*:7000"},
		{[]string{"-only", "sever"}, `error: -only: no node "sever" in topology fake (nodes: client, server, bad)`},
		{[]string{"-replicas", "nobody=2"}, `error: -replicas: no node "nobody" in topology fake (nodes: client, server, bad)`},
		{[]string{"-set", "client.drink=tea"}, `error: -set client.drink=tea: node client has no setting "drink" (it has: req.bind, req.connect, req.identity, req.connect_all, req.connect_all.interval, mode, greeting, marker, log-level, v, log-format, metrics.addr)`},
		{[]string{"-set", "client=tea"}, `error: -set client=tea: want NODE.NAME=VALUE`},
		{[]string{"-set", "bad.count=0x10", "-set", "bad.pause=250ms", "-only=bad"}, "bad -count=0x10 -pause=250ms"},
		{[]string{"-set", "bad.count=abc"}, `error: -set bad.count=abc: parameter count is an int: want a whole number such as 10, not "abc"`},
		{[]string{"-set", "bad.pause=3"}, `error: -set bad.pause=3: parameter pause is a duration: want a duration such as 250ms or 2s, not "3"`},
		{[]string{"-stdin", "server"}, `error: -stdin server: no such node runs (these do: server.0, server.1, client, bad)`},
	} {
		if got := plan(c.args...); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.args, got, c.want)
		}
	}

	// Copies binding one port, which their peers reach with connect_all,
	// are meant for hosts of their own: up cannot run them.
	topo.Node("bad").Sockets[0].ConnectAll = &model.ConnectAll{Interval: time.Second}
	want := "error: node server: its 2 replicas all bind tcp://*:5000, each meant for a host of its own (its peers connect with connect_all); up runs every node on one machine: run the topology with zmqgen deploy, or up -replicas server=1"
	if got := plan(); got != want {
		t.Errorf("connect_all to replicas:\n got %s\nwant %s", got, want)
	}
	if got, want := plan("-replicas", "server=1"), "server -replicas=1 -replica=0; client; bad"; got != want {
		t.Errorf("connect_all to one replica:\n got %s\nwant %s", got, want)
	}
}
