package broker

import (
	"testing"

	"github.com/zmqgen/zmqgen/topologies/internal/brokertest"
	"github.com/zmqgen/zmqgen/topologies/internal/e2e"
)

// example is the broker run the tests vary (brokertest does the checking).
var example = brokertest.Run{
	Topology: "broker",
	Golden:   "golden/transcripts/broker.txt",
	Intro: "What the broker example prints (broker_test.go): %d clients making %d requests\n" +
		"each, %d servers. Which server answers which request, and the order of the\n" +
		"broker's lines, vary from run to run: their lines are counted.",
}

// TestGenerated runs every node generated, with the guide's Hello/World.
func TestGenerated(t *testing.T) { example.Start(t) }

// TestGuide runs the guide's Python programs: the reference.
func TestGuide(t *testing.T) {
	r := example
	r.Client, r.Broker, r.Server = e2e.Py, e2e.Py, e2e.Py
	r.Start(t)
}

// TestMixed runs generated and Python nodes together (brokertest.Run.Mixed).
func TestMixed(t *testing.T) { example.Mixed(t) }
