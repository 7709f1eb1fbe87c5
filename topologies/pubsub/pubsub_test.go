package pubsub

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/topologies/internal/e2e"
)

var (
	pubRole = func(node string) e2e.Role {
		return e2e.Role{Pkg: "topologies/pubsub/" + node, Script: "topologies/pubsub/py/pub_server.py"}
	}
	subRole = func(node string) e2e.Role {
		return e2e.Role{Pkg: "topologies/pubsub/" + node, Script: "topologies/pubsub/py/sub_client.py"}
	}
	seeds    = map[string]int{"pub1": 1, "pub2": 2}
	filters  = map[string]string{"sub": "10001", "sub1": "10001", "sub2": "10000"}
	goldenNb = 12 // publisher lines kept in the golden transcript
)

// langs says which nodes run as the guide's Python programs; the others
// run generated.
type langs map[string]e2e.Lang

// TestGenerated runs every node generated.
func TestGenerated(t *testing.T) { runPubSub(t, langs{}) }

// TestGuide runs the guide's Python programs: the reference.
func TestGuide(t *testing.T) {
	runPubSub(t, langs{"pub1": e2e.Py, "pub2": e2e.Py, "sub": e2e.Py, "sub1": e2e.Py, "sub2": e2e.Py})
}

// TestMixed runs generated publishers with the guide's subscribers, and
// the guide's publishers with generated subscribers.
func TestMixed(t *testing.T) {
	t.Run("go-publishers", func(t *testing.T) {
		runPubSub(t, langs{"sub": e2e.Py, "sub1": e2e.Py, "sub2": e2e.Py})
	})
	t.Run("go-subscribers", func(t *testing.T) {
		runPubSub(t, langs{"pub1": e2e.Py, "pub2": e2e.Py})
	})
}

var (
	updateLine  = regexp.MustCompile(`^b'(\d+)' b'(-?\d+)'$`)
	averageLine = regexp.MustCompile(`^Average messagedata value for topic '(\d+)' was (-?\d+)F$`)
	pubLine     = regexp.MustCompile(`^(\d+) (-?\d+)$`)
)

// runPubSub runs two seeded publishers and the three subscribers until
// each subscriber has averaged its five updates, then checks that every
// subscriber saw only its zipcode, in the order published, and that the
// average is right.
func runPubSub(t *testing.T, l langs) {
	ports := map[string]int{"pub1": e2e.Port(t), "pub2": e2e.Port(t)}
	pubs := map[string]*e2e.Proc{}
	for _, name := range []string{"pub1", "pub2"} {
		seed := fmt.Sprint(seeds[name])
		pubs[name] = pubRole(name).Start(t, l[name], name,
			[]string{"-pub.bind", e2e.Bind(ports[name]), "-interval", "10ms", "-seed", seed},
			[]string{"--bind", e2e.Bind(ports[name]), "--interval", "0.01", "--seed", seed})
	}
	feeds := map[string][]string{"sub": {"pub1", "pub2"}, "sub1": {"pub1"}, "sub2": {"pub1"}}
	subs := map[string]*e2e.Proc{}
	for _, name := range []string{"sub", "sub1", "sub2"} {
		var eps []string
		pyArgs := []string{"--filter", filters[name]}
		for _, p := range feeds[name] {
			eps = append(eps, e2e.Connect(ports[p]))
			pyArgs = append(pyArgs, "--connect", e2e.Connect(ports[p]))
		}
		subs[name] = subRole(name).Start(t, l[name], name,
			[]string{"-sub.connect", strings.Join(eps, ",")}, pyArgs)
	}
	for _, name := range []string{"sub", "sub1", "sub2"} {
		subs[name].WaitOK()
	}
	for _, name := range []string{"pub1", "pub2"} {
		p := pubs[name]
		p.WaitLines(goldenNb)
		// A generated node stops cleanly on SIGTERM; Python dies of it.
		if code := p.Stop(); l[name] == e2e.Go && code != 0 {
			t.Errorf("%s exited with status %d on SIGTERM, want 0", name, code)
		}
	}

	// What each publisher published, by zipcode, in order.
	published := map[string]map[string][]int{}
	for name, p := range pubs {
		published[name] = map[string][]int{}
		for i, line := range e2e.Lines(p.Stdout()) {
			m := pubLine.FindStringSubmatch(line)
			if m == nil {
				t.Fatalf("%s line %d = %q, want \"zipcode value\"", name, i+1, line)
			}
			zip, _ := strconv.Atoi(m[1])
			v, _ := strconv.Atoi(m[2])
			if zip < 9999 || zip > 10004 || v < -79 || v > 134 {
				t.Errorf("%s line %d = %q: out of the guide's ranges", name, i+1, line)
			}
			published[name][m[1]] = append(published[name][m[1]], v)
		}
	}

	sections := []e2e.Section{
		{Name: fmt.Sprintf("pub1 (seed %d, first %d lines)", seeds["pub1"], goldenNb), Text: head(pubs["pub1"].Stdout(), goldenNb)},
		{Name: fmt.Sprintf("pub2 (seed %d, first %d lines)", seeds["pub2"], goldenNb), Text: head(pubs["pub2"].Stdout(), goldenNb)},
	}
	for _, name := range []string{"sub", "sub1", "sub2"} {
		filter := filters[name]
		lines := e2e.Lines(subs[name].Stdout())
		if len(lines) != 7 {
			t.Fatalf("%s printed %d lines, want 7:\n%s", name, len(lines), subs[name].Stdout())
		}
		if want := "Collecting updates from weather server..."; lines[0] != want {
			t.Errorf("%s line 1 = %q, want %q", name, lines[0], want)
		}
		var got []int
		sum := 0
		norm := []string{lines[0]}
		for _, line := range lines[1:6] {
			m := updateLine.FindStringSubmatch(line)
			if m == nil || m[1] != filter {
				t.Errorf("%s printed %q, want b'%s' b'<value>'", name, line, filter)
				continue
			}
			v, _ := strconv.Atoi(m[2])
			got = append(got, v)
			sum += v
			norm = append(norm, fmt.Sprintf("b'%s' b'<value>'", filter))
		}
		m := averageLine.FindStringSubmatch(lines[6])
		if m == nil || m[1] != filter {
			t.Errorf("%s last line = %q, want the average for %s", name, lines[6], filter)
		} else if avg, _ := strconv.Atoi(m[2]); avg != sum/5 {
			// Go's integer division truncates toward zero, as Python's %d does.
			t.Errorf("%s average = %d, want %d (values %v)", name, avg, sum/5, got)
		}
		norm = append(norm, fmt.Sprintf("Average messagedata value for topic '%s' was <average>F", filter))
		if len(feeds[name]) == 1 {
			// One publisher: what the subscriber got is a run of what it
			// published for that zipcode, nothing lost or reordered.
			if !isRun(got, published[feeds[name][0]][filter]) {
				t.Errorf("%s got %v, not a run of %s's %s updates %v", name, got, feeds[name][0], filter, published[feeds[name][0]][filter])
			}
		} else {
			for _, v := range got {
				if !slices.Contains(published["pub1"][filter], v) && !slices.Contains(published["pub2"][filter], v) {
					t.Errorf("%s got %d for %s, which neither publisher published", name, v, filter)
				}
			}
		}
		sections = append(sections, e2e.Section{Name: name + " (values normalised)", Text: strings.Join(norm, "\n")})
	}

	e2e.Golden(t, "golden/transcripts/pubsub.txt",
		"What the pubsub example prints (pubsub_test.go). The publishers are seeded, and\n"+
			"the generated publisher draws the same numbers as the guide's Python one; what\n"+
			"a subscriber gets depends on when it joins, so its values are normalised.",
		sections...)
}

// head returns the first n lines of text.
func head(text string, n int) string {
	lines := e2e.Lines(text)
	return strings.Join(lines[:min(n, len(lines))], "\n")
}

// isRun says whether got appears in all as consecutive elements.
func isRun(got, all []int) bool {
	for i := 0; i+len(got) <= len(all); i++ {
		if slices.Equal(got, all[i:i+len(got)]) {
			return true
		}
	}
	return false
}

// TestSubscribeOverride runs a generated publisher and sub2 with its
// filter changed at run time, by the flag and by the environment: sub2
// then gets only the new zipcode, and its last line names it.
func TestSubscribeOverride(t *testing.T) {
	port := e2e.Port(t)
	bins := e2e.Build(t, "topologies/pubsub/pub1", "topologies/pubsub/sub2")
	pub := e2e.Start(t, "pub1", bins["topologies/pubsub/pub1"], "-pub.bind", e2e.Bind(port), "-interval", "10ms", "-seed", "1")
	for _, tt := range []struct {
		name string
		argv []string
		zip  string
	}{
		{"flag", []string{bins["topologies/pubsub/sub2"], "-sub.connect", e2e.Connect(port), "-sub.subscribe", "10003"}, "10003"},
		// env(1) execs the program; the variable replaces the .ztopo's
		// "10000" as the flag does.
		{"environment", []string{"env", "SUB2_SUB_SUBSCRIBE=10002", bins["topologies/pubsub/sub2"], "-sub.connect", e2e.Connect(port)}, "10002"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sub := e2e.Start(t, "sub2", tt.argv...)
			sub.WaitOK()
			lines := e2e.Lines(sub.Stdout())
			if len(lines) != 7 {
				t.Fatalf("sub2 printed %d lines, want 7:\n%s", len(lines), sub.Stdout())
			}
			for _, line := range lines[1:6] {
				if m := updateLine.FindStringSubmatch(line); m == nil || m[1] != tt.zip {
					t.Errorf("sub2 printed %q, want b'%s' b'<value>'", line, tt.zip)
				}
			}
			if m := averageLine.FindStringSubmatch(lines[6]); m == nil || m[1] != tt.zip {
				t.Errorf("sub2 last line = %q, want the average for %s", lines[6], tt.zip)
			}
		})
	}
	if code := pub.Stop(); code != 0 {
		t.Errorf("pub1 exited with status %d on SIGTERM, want 0", code)
	}
}
