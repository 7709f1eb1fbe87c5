package pushpull

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/topologies/internal/e2e"
)

var (
	producer  = e2e.Role{Pkg: "topologies/pushpull/producer", Script: "topologies/pushpull/py/producer.py"}
	consumer  = e2e.Role{Pkg: "topologies/pushpull/consumer", Script: "topologies/pushpull/py/consumer.py"}
	collector = e2e.Role{Pkg: "topologies/pushpull/collector", Script: "topologies/pushpull/py/resultcollector.py"}
)

const (
	count     = 20000     // pieces of work, the guide's number
	total     = count / 2 // results: the collector takes every one
	consumers = 3         // the topology's replicas
)

// TestGenerated runs every node generated.
func TestGenerated(t *testing.T) { runPushPull(t, e2e.Go, e2e.Go, e2e.Go) }

// TestGuide runs the guide's Python programs: the reference.
func TestGuide(t *testing.T) { runPushPull(t, e2e.Py, e2e.Py, e2e.Py) }

// TestMixed runs each generated role with the other roles in Python.
func TestMixed(t *testing.T) {
	t.Run("go-consumers", func(t *testing.T) { runPushPull(t, e2e.Py, e2e.Go, e2e.Py) })
	t.Run("go-producer-and-collector", func(t *testing.T) { runPushPull(t, e2e.Go, e2e.Py, e2e.Go) })
}

var tallyLine = regexp.MustCompile(`^\{(\d+): (\d+)(?:, (\d+): (\d+))*\}$`)

// runPushPull runs the collector, the producer and three consumers; once
// every consumer is connected the producer pushes 20000 numbers, and the
// collector takes all 10000 results. Each even number must arrive exactly
// once and every consumer must have done a share.
func runPushPull(t *testing.T, prodLang, consLang, collLang e2e.Lang) {
	work, results := e2e.Port(t), e2e.Port(t)
	coll := collector.Start(t, collLang, "collector",
		[]string{"-results.bind", e2e.Bind(results), "-total", fmt.Sprint(total), "-verbose"},
		[]string{"--bind", e2e.Bind(results), "--total", fmt.Sprint(total), "--verbose"})
	prod := producer.Start(t, prodLang, "producer",
		[]string{"-out.bind", e2e.Bind(work), "-count", fmt.Sprint(count), "-wait_for_enter"},
		[]string{"--bind", e2e.Bind(work), "--count", fmt.Sprint(count), "--wait-for-enter"})
	var cons []*e2e.Proc
	for i := 1; i <= consumers; i++ {
		id := fmt.Sprint(i)
		cons = append(cons, consumer.Start(t, consLang, "consumer"+id,
			[]string{"-work.connect", e2e.Connect(work), "-results.connect", e2e.Connect(results),
				"-id", id, "-replica", fmt.Sprint(i - 1)},
			[]string{"--work", e2e.Connect(work), "--results", e2e.Connect(results), "--id", id}))
	}
	// PUSH deals only to the consumers it has: start once all are there.
	e2e.WaitConnections(t, work, consumers)
	prod.Enter()
	coll.WaitOK()
	prod.WaitOK()
	for _, c := range cons {
		// The guide's consumers run forever; a generated one stops cleanly.
		if code := c.Stop(); consLang == e2e.Go && code != 0 {
			t.Errorf("%s exited with status %d on SIGTERM, want 0", c.Name, code)
		}
	}

	var consNorm []string
	for i, c := range cons {
		if got, want := c.Stdout(), fmt.Sprintf("I am consumer #%d\n", i+1); got != want {
			t.Errorf("%s printed %q, want %q", c.Name, got, want)
		}
		consNorm = append(consNorm, strings.TrimSpace(c.Stdout()))
	}

	lines := e2e.Lines(coll.Stdout())
	if len(lines) != total+1 {
		t.Fatalf("collector printed %d lines, want %d results and the tally", len(lines), total)
	}
	seen := make(map[int]int)
	share := make(map[int]int)
	for i, line := range lines[:total] {
		// The guide's print(dict) form, which the generated collector
		// copies; as JSON once quotes are swapped.
		var r struct{ Consumer, Num int }
		if err := json.Unmarshal([]byte(strings.ReplaceAll(line, "'", `"`)), &r); err != nil || !strings.HasPrefix(line, "{'consumer': ") {
			t.Fatalf("collector line %d = %q, want {'consumer': id, 'num': n}", i+1, line)
		}
		seen[r.Num]++
		share[r.Consumer]++
	}
	for n := 0; n < count; n += 2 {
		if seen[n] != 1 {
			t.Errorf("result for %d arrived %d times, want once", n, seen[n])
		}
	}
	if len(seen) != total {
		t.Errorf("collector got results for %d distinct numbers, want %d", len(seen), total)
	}
	tally := lines[total]
	want := make([]string, 0, consumers)
	norm := make([]string, 0, consumers)
	for id := 1; id <= consumers; id++ {
		if share[id] == 0 {
			t.Errorf("consumer %d did no share of the work: %s", id, tally)
		}
		want = append(want, fmt.Sprintf("%d: %d", id, share[id]))
		norm = append(norm, fmt.Sprintf("%d: <count>", id))
	}
	if len(share) != consumers {
		t.Errorf("results came from consumers %v, want 1 to %d", keys(share), consumers)
	}
	if w := "{" + strings.Join(want, ", ") + "}"; tally != w {
		t.Errorf("collector's tally = %q, want %q (what it printed result by result)", tally, w)
	}
	if !tallyLine.MatchString(tally) {
		t.Errorf("collector's tally %q is not in pprint's form", tally)
	}

	e2e.Golden(t, "golden/transcripts/pushpull.txt",
		fmt.Sprintf("What the pushpull example prints (pushpull_test.go): %d numbers, %d consumers,\n"+
			"a collector that takes all %d results and prints each (-verbose; left out here).\n"+
			"How the results split between consumers varies from run to run.", count, consumers, total),
		e2e.Section{Name: "consumers", Text: strings.Join(consNorm, "\n")},
		e2e.Section{Name: "collector (last line, counts normalised)", Text: "{" + strings.Join(norm, ", ") + "}"},
		e2e.Section{Name: "producer", Text: prod.Stdout()})
}

func keys(m map[int]int) []string {
	var out []string
	for k := range m {
		out = append(out, strconv.Itoa(k))
	}
	sort.Strings(out)
	return out
}
