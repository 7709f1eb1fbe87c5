// Package brokertest runs the guide's request-reply broker end to end,
// for the two topologies that are that example: broker, and securebroker,
// the same nodes with CURVE. It starts the broker, two servers and three
// clients, each client making ten requests; every client must get exactly
// its ten replies, in order, and the broker must pass each request and
// reply on once.
package brokertest

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/topologies/internal/e2e"
	"github.com/zmqgen/zmqgen/topologies/internal/pyrepr"
)

const (
	clients  = 3  // the topology's replicas
	servers  = 2  // the topology's replicas
	requests = 10 // the guide's number
)

// Run says how one run is made: which topology, which roles are generated
// and whether the servers echo, so that each client can recognise its own
// replies.
type Run struct {
	Topology               string // "broker" or "securebroker", under topologies/
	Client, Broker, Server e2e.Lang
	Echo                   bool
	// Keys is the CURVE keys directory every node is given (-keys, --keys);
	// none when empty.
	Keys string
	// Secret is a secret key the broker must never print.
	Secret string
	// Golden is the transcript a run without Echo is compared with, and
	// Intro its heading, with %d for clients, requests and servers.
	Golden, Intro string
}

// Role is one of the topology's three roles, "client", "broker" or
// "server".
func (r Run) Role(name string) e2e.Role {
	dir := "topologies/" + r.Topology
	return e2e.Role{Pkg: dir + "/" + name, Script: dir + "/py/" + name + ".py"}
}

var brokerLine = regexp.MustCompile(`^msg from (frontend|backend) (\[.*\])$`)

// Start runs r and checks what every process printed.
func (r Run) Start(t *testing.T) {
	start := func(role string, lang e2e.Lang, name string, goArgs, pyArgs []string) *e2e.Proc {
		if r.Keys != "" {
			goArgs = append(goArgs, "-keys", r.Keys)
			pyArgs = append(pyArgs, "--keys", r.Keys)
		}
		return r.Role(role).Start(t, lang, name, goArgs, pyArgs)
	}
	front, back := e2e.Port(t), e2e.Port(t)
	brk := start("broker", r.Broker, "broker",
		[]string{"-frontend.bind", e2e.Bind(front), "-backend.bind", e2e.Bind(back)},
		[]string{"--frontend", e2e.Bind(front), "--backend", e2e.Bind(back)})
	var srvs []*e2e.Proc
	for i := range servers {
		goArgs := []string{"-rep.connect", e2e.Connect(back), "-replica", fmt.Sprint(i)}
		pyArgs := []string{"--connect", e2e.Connect(back)}
		if r.Echo {
			goArgs = append(goArgs, "-echo")
			pyArgs = append(pyArgs, "--echo")
		}
		srvs = append(srvs, start("server", r.Server, fmt.Sprintf("server%d", i+1), goArgs, pyArgs))
	}
	// The DEALER deals requests to the servers it has: let both join first.
	e2e.WaitConnections(t, back, servers)

	hello := func(i int) string {
		if r.Echo {
			return fmt.Sprintf("Hello from client %d", i+1)
		}
		return "Hello"
	}
	var clis []*e2e.Proc
	for i := range clients {
		clis = append(clis, start("client", r.Client, fmt.Sprintf("client%d", i+1),
			[]string{"-req.connect", e2e.Connect(front), "-requests", fmt.Sprint(requests),
				"-hello", hello(i), "-replica", fmt.Sprint(i)},
			[]string{"--connect", e2e.Connect(front), "--requests", fmt.Sprint(requests), "--hello", hello(i)}))
	}
	for _, c := range clis {
		c.WaitOK()
	}
	// The broker and servers run forever; they have passed on and answered
	// every request once the clients are done.
	// A generated node stops cleanly on SIGTERM; Python dies of it.
	if code := brk.Stop(); r.Broker == e2e.Go && code != 0 {
		t.Errorf("%s exited with status %d on SIGTERM, want 0", brk.Name, code)
	}
	for _, s := range srvs {
		if code := s.Stop(); r.Server == e2e.Go && code != 0 {
			t.Errorf("%s exited with status %d on SIGTERM, want 0", s.Name, code)
		}
	}
	if r.Secret != "" && strings.Contains(brk.Stdout()+brk.Stderr(), r.Secret) {
		t.Errorf("the broker printed its secret key")
	}

	var sections []e2e.Section
	helloOf := map[string]int{} // hello text -> client index
	for i, c := range clis {
		helloOf[hello(i)] = i
		reply := "World"
		if r.Echo {
			reply = hello(i)
		}
		var want []string
		for n := 1; n <= requests; n++ {
			want = append(want, fmt.Sprintf("Received reply %d [%s]", n, pyrepr.Bytes([]byte(reply))))
		}
		if got := strings.Join(e2e.Lines(c.Stdout()), "\n"); got != strings.Join(want, "\n") {
			t.Errorf("%s printed\n%s\nwant\n%s", c.Name, got, strings.Join(want, "\n"))
		}
		sections = append(sections, e2e.Section{Name: c.Name, Text: c.Stdout()})
	}

	var served []string
	for _, s := range srvs {
		lines := e2e.Lines(s.Stdout())
		if len(lines) == 0 {
			t.Errorf("%s answered no request", s.Name)
		}
		served = append(served, lines...)
	}
	if len(served) != clients*requests {
		t.Errorf("servers answered %d requests in all, want %d", len(served), clients*requests)
	}
	sections = append(sections, e2e.Section{Name: "servers (both, counted)", Text: tally(served)})

	// The broker's lines, by client identity: each client's requests
	// and replies pass once each way.
	type flow struct{ front, back int }
	byID := map[string]*flow{}
	var norm []string
	lines := e2e.Lines(brk.Stdout())
	for _, line := range lines {
		m := brokerLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("broker printed %q, want \"msg from frontend|backend [frames]\"", line)
			continue
		}
		frames, err := pyrepr.ParseList(m[2])
		if err != nil || len(frames) != 3 || len(frames[1]) != 0 {
			t.Errorf("broker printed %q, want [identity, b'', body] (%v)", line, err)
			continue
		}
		id, body := string(frames[0]), string(frames[2])
		if byID[id] == nil {
			byID[id] = &flow{}
		}
		if m[1] == "frontend" {
			byID[id].front++
			if _, ok := helloOf[body]; !ok {
				t.Errorf("broker got request %q from a client", body)
			}
		} else {
			byID[id].back++
		}
		norm = append(norm, fmt.Sprintf("msg from %s [<identity>, b'', %s]", m[1], pyrepr.Bytes(frames[2])))
	}
	if len(byID) != clients {
		t.Errorf("broker saw %d client identities, want %d", len(byID), clients)
	}
	for id, f := range byID {
		if f.front != requests || f.back != requests {
			t.Errorf("client %s: %d requests and %d replies through the broker, want %d each",
				pyrepr.Bytes([]byte(id)), f.front, f.back, requests)
		}
	}
	sections = append(sections, e2e.Section{Name: "broker (identities normalised, counted)", Text: tally(norm)})

	if !r.Echo {
		e2e.Golden(t, r.Golden, fmt.Sprintf(r.Intro, clients, requests, servers), sections...)
	}
}

// Mixed runs the generated broker between the guide's clients and
// servers, and the guide's broker between generated clients and servers.
// The servers echo and every client says its own hello, so a reply that
// reached the wrong client would show.
func (r Run) Mixed(t *testing.T) {
	t.Run("go-broker", func(t *testing.T) {
		r.Client, r.Broker, r.Server, r.Echo = e2e.Py, e2e.Go, e2e.Py, true
		r.Start(t)
	})
	t.Run("go-clients-and-servers", func(t *testing.T) {
		r.Client, r.Broker, r.Server, r.Echo = e2e.Go, e2e.Py, e2e.Go, true
		r.Start(t)
	})
}

// tally counts equal lines: "30x line", in line order.
func tally(lines []string) string {
	n := map[string]int{}
	for _, l := range lines {
		n[l]++
	}
	keys := make([]string, 0, len(n))
	for k := range n {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%dx %s", n[k], k))
	}
	return strings.Join(out, "\n")
}
