package pipeline

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/topologies/internal/e2e"
	"github.com/zmqgen/zmqgen/topologies/internal/pyrand"
)

var (
	ventilatorRole = e2e.Role{Pkg: "topologies/pipeline/ventilator", Script: "topologies/pipeline/py/ventilator.py"}
	workerRole     = e2e.Role{Pkg: "topologies/pipeline/worker", Script: "topologies/pipeline/py/worker.py"}
	sinkRole       = e2e.Role{Pkg: "topologies/pipeline/sink", Script: "topologies/pipeline/py/sink.py"}
)

const (
	tasks   = 100 // the guide's batch
	workers = 2   // the topology's replicas
	seed    = 7
)

// TestGenerated runs every node generated.
func TestGenerated(t *testing.T) { runPipeline(t, e2e.Go, e2e.Go, e2e.Go) }

// TestGuide runs the guide's Python programs: the reference.
func TestGuide(t *testing.T) { runPipeline(t, e2e.Py, e2e.Py, e2e.Py) }

// TestMixed runs generated workers between the guide's ventilator and
// sink, and the guide's workers between a generated ventilator and sink.
func TestMixed(t *testing.T) {
	t.Run("go-workers", func(t *testing.T) { runPipeline(t, e2e.Py, e2e.Go, e2e.Py) })
	t.Run("go-ventilator-and-sink", func(t *testing.T) { runPipeline(t, e2e.Go, e2e.Py, e2e.Go) })
}

var (
	sinkOutput = regexp.MustCompile(`^(?::\.{9}){10}Total elapsed time: (\d+) msec\n$`)
	costLine   = regexp.MustCompile(`^Total expected cost: (\d+) msec$`)
)

// runPipeline runs the sink, two workers and the ventilator; once every
// worker is connected to all three of its peers the batch starts (the
// guide's Enter). The sink must count 100 results, and then every worker
// must exit by itself, with status 0.
func runPipeline(t *testing.T, ventLang, workLang, sinkLang e2e.Lang) {
	taskPort, resultPort, controlPort := e2e.Port(t), e2e.Port(t), e2e.Port(t)
	sink := sinkRole.Start(t, sinkLang, "sink",
		[]string{"-receiver.bind", e2e.Bind(resultPort), "-controller.bind", e2e.Bind(controlPort), "-expected", fmt.Sprint(tasks)},
		[]string{"--receiver", e2e.Bind(resultPort), "--controller", e2e.Bind(controlPort), "--expected", fmt.Sprint(tasks)})
	var ws []*e2e.Proc
	for i := range workers {
		ws = append(ws, workerRole.Start(t, workLang, fmt.Sprintf("worker%d", i+1),
			[]string{"-receiver.connect", e2e.Connect(taskPort), "-sender.connect", e2e.Connect(resultPort),
				"-controller.connect", e2e.Connect(controlPort), "-replica", fmt.Sprint(i)},
			[]string{"--receiver", e2e.Connect(taskPort), "--sender", e2e.Connect(resultPort),
				"--controller", e2e.Connect(controlPort)}))
	}
	vent := ventilatorRole.Start(t, ventLang, "ventilator",
		[]string{"-sender.bind", e2e.Bind(taskPort), "-sink.connect", e2e.Connect(resultPort),
			"-tasks", fmt.Sprint(tasks), "-wait_for_enter", "-seed", fmt.Sprint(seed), "-grace", "0s"},
		[]string{"--sender", e2e.Bind(taskPort), "--sink", e2e.Connect(resultPort),
			"--tasks", fmt.Sprint(tasks), "--wait-for-enter", "--seed", fmt.Sprint(seed), "--grace", "0"})

	// "Press Enter when the workers are ready": every worker has its task,
	// result and control connections, and the ventilator its sink one. A
	// worker not yet subscribed when the sink says KILL would never exit.
	e2e.WaitConnections(t, taskPort, workers)
	e2e.WaitConnections(t, controlPort, workers)
	e2e.WaitConnections(t, resultPort, workers+1)
	vent.WaitFor("the prompt", func(s string) bool { return strings.Contains(s, "Press Enter") })
	vent.Enter()

	sink.WaitOK()
	vent.WaitOK()
	dots := 0
	var dotsPer []int
	for _, w := range ws {
		w.WaitOK() // KILL makes every worker exit, cleanly
		out := w.Stdout()
		if strings.Trim(out, ".") != "" {
			t.Errorf("%s printed %q, want only dots", w.Name, out)
		}
		dots += len(out)
		dotsPer = append(dotsPer, len(out))
	}
	if dots != tasks {
		t.Errorf("workers printed %d dots in all (%v), want one per task, %d", dots, dotsPer, tasks)
	}

	m := sinkOutput.FindStringSubmatch(sink.Stdout())
	if m == nil {
		t.Errorf("sink printed %q, want \":.........\" ten times, then the elapsed time", sink.Stdout())
	}

	// The ventilator's workloads are the seeded random numbers that
	// CPython draws, so the expected cost is known here.
	r := pyrand.New(seed)
	cost := 0
	for range tasks {
		cost += r.Randint(1, 100)
	}
	lines := e2e.Lines(vent.Stdout())
	want := []string{"Press Enter when the workers are ready: ", "Sending tasks to workers\u2026",
		fmt.Sprintf("Total expected cost: %d msec", cost)}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("ventilator printed\n%s\nwant\n%s", vent.Stdout(), strings.Join(want, "\n"))
	}
	if len(lines) == 3 && !costLine.MatchString(lines[2]) {
		t.Errorf("ventilator's last line %q is not the expected cost", lines[2])
	}

	e2e.Golden(t, "golden/transcripts/pipeline.txt",
		fmt.Sprintf("What the pipeline example prints (pipeline_test.go): %d tasks with seed %d, %d\n"+
			"workers. The elapsed time varies, and so does how the dots split between\n"+
			"workers: they are counted.", tasks, seed, workers),
		e2e.Section{Name: "ventilator", Text: vent.Stdout()},
		e2e.Section{Name: "sink (elapsed time normalised)",
			Text: regexp.MustCompile(`time: \d+ msec`).ReplaceAllString(sink.Stdout(), "time: <elapsed> msec")},
		e2e.Section{Name: "workers (dots counted)", Text: fmt.Sprintf("%d dots", dots)})
}
