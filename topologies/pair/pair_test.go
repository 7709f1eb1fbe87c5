package pair

import (
	"fmt"
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/topologies/internal/e2e"
)

var (
	server = e2e.Role{Pkg: "topologies/pair/server", Script: "topologies/pair/py/server.py"}
	client = e2e.Role{Pkg: "topologies/pair/client", Script: "topologies/pair/py/client.py"}
)

// rounds is how many rounds each side runs: enough to see the client's
// two messages alternate at the server.
const rounds = 4

// TestGenerated runs the generated server and client.
func TestGenerated(t *testing.T) { runPair(t, e2e.Go, e2e.Go) }

// TestGuide runs the guide's Python programs: the reference the
// generated programs must match.
func TestGuide(t *testing.T) { runPair(t, e2e.Py, e2e.Py) }

// TestMixed runs each generated node against the guide's program of the
// other role.
func TestMixed(t *testing.T) {
	t.Run("go-server", func(t *testing.T) { runPair(t, e2e.Go, e2e.Py) })
	t.Run("go-client", func(t *testing.T) { runPair(t, e2e.Py, e2e.Go) })
}

// runPair runs a server and a client for a few rounds, checks that both
// sides got the other's messages, and compares what they printed with the
// golden transcript.
func runPair(t *testing.T, srvLang, cliLang e2e.Lang) {
	port := e2e.Port(t)
	n := fmt.Sprint(rounds)
	srv := server.Start(t, srvLang, "server",
		[]string{"-pair.bind", e2e.Bind(port), "-rounds", n, "-interval", "10ms"},
		[]string{"--bind", e2e.Bind(port), "--rounds", n, "--interval", "0.01"})
	cli := client.Start(t, cliLang, "client",
		[]string{"-pair.connect", e2e.Connect(port), "-rounds", n, "-interval", "10ms"},
		[]string{"--connect", e2e.Connect(port), "--rounds", n, "--interval", "0.01"})
	cli.WaitOK()
	srv.WaitOK()

	// The server takes one message a round while the client sends two, so
	// it sees the client's first and second messages in turn.
	got := e2e.Lines(srv.Stdout())
	if len(got) != rounds {
		t.Errorf("server printed %d lines, want %d", len(got), rounds)
	}
	for i, line := range got {
		want := fmt.Sprintf("b'client message to server%d'", i%2+1)
		if line != want {
			t.Errorf("server line %d = %q, want %q", i+1, line, want)
		}
	}
	got = e2e.Lines(cli.Stdout())
	if len(got) != rounds {
		t.Errorf("client printed %d lines, want %d", len(got), rounds)
	}
	for i, line := range got {
		if want := "b'Server message to client3'"; line != want {
			t.Errorf("client line %d = %q, want %q", i+1, line, want)
		}
	}

	e2e.Golden(t, "golden/transcripts/pair.txt",
		strings.Join([]string{
			"What the pair example prints, server and client, in " + n + " rounds",
			"(pair_test.go; the generated programs and the guide's print the same).",
		}, "\n"),
		e2e.Section{Name: "server", Text: srv.Stdout()},
		e2e.Section{Name: "client", Text: cli.Stdout()})
}
