package main

// This test runs in the module TestGolden builds from the golden case
// options_and_policies: it checks what the server program's flags and
// environment do to its sockets' identity and policies.

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/runtime"
	"github.com/zmqgen/zmqgen/runtime/nodetest"
)

func noEnv(string) (string, bool) { return "", false }

func TestPolicyDefaults(t *testing.T) {
	c := zmqgenDefaults()
	_, err := c.program().Parse(nil, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := (runtime.Heartbeat{Interval: time.Second, Liveness: 3}); c.Rep.Heartbeat != want {
		t.Errorf("rep heartbeat %+v, want the .ztopo's %+v", c.Rep.Heartbeat, want)
	}
	if want := (runtime.Heartbeat{Interval: 500 * time.Millisecond, Liveness: 5}); c.Peer.Heartbeat != want {
		t.Errorf("peer heartbeat %+v, want the .ztopo's %+v", c.Peer.Heartbeat, want)
	}
	if want := (runtime.Backoff{Initial: time.Second, Max: 32 * time.Second}); c.Peer.Reconnect != want {
		t.Errorf("peer reconnect %+v, want the .ztopo's %+v", c.Peer.Reconnect, want)
	}
	if c.Rep.Identity != "server-1" || c.Peer.Identity != "" {
		t.Errorf("identities %q and %q, want the .ztopo's \"server-1\" and none", c.Rep.Identity, c.Peer.Identity)
	}
}

func TestPolicyFlagsAndEnvironment(t *testing.T) {
	env := map[string]string{
		"SERVER_REP_HEARTBEAT_INTERVAL":  "250ms",
		"SERVER_REP_HEARTBEAT_LIVENESS":  "4",
		"SERVER_PEER_RECONNECT_INITIAL":  "10ms",
		"SERVER_PEER_HEARTBEAT_LIVENESS": "9", // the flag wins
		"SERVER_PEER_IDENTITY":           "from-env",
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	c := zmqgenDefaults()
	_, err := c.program().Parse([]string{"-peer.reconnect.max", "1s", "-peer.heartbeat.liveness", "2", "-rep.identity", "r2"}, lookup, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if want := (runtime.Heartbeat{Interval: 250 * time.Millisecond, Liveness: 4}); c.Rep.Heartbeat != want {
		t.Errorf("rep heartbeat %+v, want the environment's %+v", c.Rep.Heartbeat, want)
	}
	if want := (runtime.Heartbeat{Interval: 500 * time.Millisecond, Liveness: 2}); c.Peer.Heartbeat != want {
		t.Errorf("peer heartbeat %+v, want %+v", c.Peer.Heartbeat, want)
	}
	if want := (runtime.Backoff{Initial: 10 * time.Millisecond, Max: time.Second}); c.Peer.Reconnect != want {
		t.Errorf("peer reconnect %+v, want %+v", c.Peer.Reconnect, want)
	}
	if c.Rep.Identity != "r2" || c.Peer.Identity != "from-env" {
		t.Errorf("identities %q and %q, want \"r2\" and \"from-env\"", c.Rep.Identity, c.Peer.Identity)
	}

	// The handler reads the policies from the handles. No endpoints: the
	// sockets open, and nothing else is needed.
	c.Rep.Bind, c.Rep.Connect, c.Peer.Bind, c.Peer.Connect = nil, nil, nil, nil
	n := nodetest.Open(t, c.program(), c.node)
	if n.Rep.Heartbeat() != c.Rep.Heartbeat || n.Peer.Heartbeat() != c.Peer.Heartbeat || n.Peer.Reconnect() != c.Peer.Reconnect {
		t.Errorf("handles say %+v, %+v, %+v; want %+v, %+v, %+v", n.Rep.Heartbeat(), n.Peer.Heartbeat(), n.Peer.Reconnect(),
			c.Rep.Heartbeat, c.Peer.Heartbeat, c.Peer.Reconnect)
	}
}

func TestBadPolicyValues(t *testing.T) {
	for _, tt := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"-rep.heartbeat.interval", "0s"}, nil, "must be positive"},
		{[]string{"-rep.heartbeat.interval", "soon"}, nil, "invalid duration"},
		{[]string{"-peer.heartbeat.liveness", "0"}, nil, "must be at least 1"},
		{[]string{"-peer.heartbeat.liveness", "x"}, nil, "not a whole number"},
		{[]string{"-peer.reconnect.max", "-1s"}, nil, "must be positive"},
		{[]string{"-rep.identity", "\x00r"}, nil, "zero byte"},
		{[]string{"-rep.identity", strings.Repeat("r", 256)}, nil, "at most 255 bytes"},
		{nil, map[string]string{"SERVER_PEER_RECONNECT_INITIAL": "0"}, "$SERVER_PEER_RECONNECT_INITIAL"},
	} {
		lookup := func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }
		var out bytes.Buffer
		if _, err := zmqgenDefaults().program().Parse(tt.args, lookup, &out); err == nil || !strings.Contains(out.String(), tt.want) {
			t.Errorf("%q %v: error %v, output:\n%s\nwant it to say %q", tt.args, tt.env, err, out.String(), tt.want)
		}
	}
}

func TestHelpListsPolicies(t *testing.T) {
	var out bytes.Buffer
	if _, err := zmqgenDefaults().program().Parse([]string{"-h"}, noEnv, &out); err == nil {
		t.Fatal("-h: no error")
	}
	for _, want := range []string{
		"-rep.identity identity", "$SERVER_REP_IDENTITY", "(default server-1)",
		"-rep.heartbeat.interval duration", "$SERVER_REP_HEARTBEAT_INTERVAL", "(default 1s)",
		"-rep.heartbeat.liveness intervals", "(default 3)",
		"-peer.reconnect.initial duration", "$SERVER_PEER_RECONNECT_INITIAL",
		"-peer.reconnect.max duration", "(default 32s)",
		"-peer.heartbeat.interval duration", "(default 500ms)",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-h does not say %q:\n%s", want, out.String())
		}
	}
}
