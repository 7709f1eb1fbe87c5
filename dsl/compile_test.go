package dsl

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/zmqgen/zmqgen/dsl/model"
)

// TestTopologiesCompile compiles every topology checked in under
// topologies/, so each one added by anyone is held to the checker.
func TestTopologiesCompile(t *testing.T) {
	files, err := filepath.Glob("../topologies/*/*.ztopo")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no topologies found")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			topo, diags := Load(f)
			if len(diags) > 0 {
				t.Errorf("%s: want no diagnostics, got:\n%v", f, diags.Err())
				for _, d := range diags {
					t.Log(d)
				}
			}
			if topo == nil {
				t.Fatal("nil topology")
			}
			if len(topo.Nodes) == 0 {
				t.Error("no nodes")
			}
		})
	}
}

func TestReqRepModel(t *testing.T) {
	topo, diags := Load("../topologies/reqrep/reqrep.ztopo")
	if topo == nil {
		t.Fatalf("errors: %v", diags.Err())
	}
	if topo.Name != "reqrep" || topo.Source != "../topologies/reqrep/reqrep.ztopo" {
		t.Errorf("name/source = %q %q", topo.Name, topo.Source)
	}
	if got := topo.Message("Order"); got == nil || got.Kind != model.String || got.Doc != "What the customer asks for." {
		t.Errorf("Order = %+v", got)
	}
	s1 := topo.Node("server1")
	if s1 == nil || s1.Replicas != 1 || s1.Doc != "The first server offers coffee." {
		t.Fatalf("server1 = %+v", s1)
	}
	if len(s1.Params) != 2 || s1.Params[0].Default != "coffee" || s1.Params[1].Default != time.Second ||
		s1.Params[0].Doc != "What this server offers." {
		t.Errorf("server1 params = %+v %+v", s1.Params[0], s1.Params[1])
	}
	rep := s1.Socket("rep")
	if rep.Type != model.REP || rep.Node != s1 || len(rep.Recv) != 1 || rep.Recv[0] != topo.Message("Order") ||
		len(rep.Send) != 1 || rep.Send[0] != topo.Message("Answer") {
		t.Errorf("server1.rep = %+v", rep)
	}
	req := topo.Node("client").Socket("req")
	if len(req.Connects) != 2 || req.Connects[0].Addr != "tcp://localhost:5000" || req.Connects[0].Ref != rep ||
		req.Connects[1].Addr != "tcp://localhost:6000" {
		t.Errorf("client.req connects = %+v %+v", req.Connects[0], req.Connects[1])
	}
	if len(topo.Edges) != 2 || topo.Edges[0].From != req || topo.Edges[0].To != rep || topo.Edges[0].Addr != "tcp://*:5000" ||
		topo.Edges[1].To != topo.Node("server2").Socket("rep") {
		t.Errorf("edges = %+v", topo.Edges)
	}
}

func TestCompileFeatures(t *testing.T) {
	src := `/* The pipeline. */
topology pipe

message Task = json {
    // how long to work
    ms int
    tags []string
    meta { a float b bool }
    raw bytes
    sub Sub
}
message Sub = json { x int }
message Env = multipart { id bytes body string }

node vent {
    socket out PUSH { bind "tcp://*:5557" send Task }
}
node worker {
    replicas 3
    param speed float = 2
    param on bool = true
    socket in PULL {
        connect "tcp://127.0.0.1:5557"
        recv Task
        hwm 100 linger 0 identity "w" max_msg_size 1MiB send_timeout 1s recv_timeout 2500ms
        reconnect { initial 100ms max 1m30s }
        heartbeat { interval 1s liveness 5 }
    }
    socket r ROUTER { connect "tcp://example.com:1" recv Env send Env }
    socket s SUB { connect pub.p subscribe "" subscribe "a" recv bytes }
}
node pub {
    socket p PUB { bind "ipc:///tmp/p" send bytes }
}
`
	topo, diags := Compile("pipe.ztopo", []byte(src))
	if topo == nil || len(diags) > 0 {
		t.Fatalf("diags: %v", diags)
	}
	if topo.Doc != "The pipeline." {
		t.Errorf("doc %q", topo.Doc)
	}
	task := topo.Message("Task")
	if task.Kind != model.JSON || len(task.Fields) != 5 || task.Fields[0].Doc != "how long to work" ||
		task.Fields[1].Type.Kind != model.List || task.Fields[1].Type.Elem.Kind != model.Str ||
		task.Fields[2].Type.Kind != model.Object || len(task.Fields[2].Type.Fields) != 2 ||
		task.Fields[4].Type.Kind != model.Ref || task.Fields[4].Type.Message != topo.Message("Sub") {
		t.Errorf("Task = %+v", task)
	}
	w := topo.Node("worker")
	if w.Replicas != 3 || w.Params[0].Default != 2.0 || w.Params[1].Default != true {
		t.Errorf("worker = %+v", w)
	}
	in := w.Socket("in")
	o := in.Options
	if *o.SendHWM != 100 || *o.RecvHWM != 100 || *o.Linger != 0 || *o.Identity != "w" || *o.MaxMsgSize != 1<<20 ||
		*o.SendTimeout != time.Second || *o.RecvTimeout != 2500*time.Millisecond {
		t.Errorf("options = %+v", o)
	}
	if in.Reconnect.Max != 90*time.Second || in.Heartbeat.Liveness != 5 {
		t.Errorf("policies = %+v %+v", in.Reconnect, in.Heartbeat)
	}
	s := w.Socket("s")
	if len(s.Recv) != 1 || !s.Recv[0].Builtin || s.Recv[0].Kind != model.Bytes || len(s.Subscribe) != 2 || s.Subscribe[0] != "" {
		t.Errorf("sub = %+v", s)
	}
	if s.Connects[0].Addr != "ipc:///tmp/p" {
		t.Errorf("ipc connect = %q", s.Connects[0].Addr)
	}
	// Edges: the literal tcp connect matches the wildcard bind.
	var got []string
	for _, e := range topo.Edges {
		got = append(got, e.From.Node.Name+"."+e.From.Name+">"+e.To.Node.Name+"."+e.To.Name+"@"+e.Addr)
	}
	want := []string{"worker.in>vent.out@tcp://*:5557", "worker.s>pub.p@ipc:///tmp/p"}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("edges = %q, want %q", got, want)
	}
}

// TestConnectAllAdmitsReplicatedBinder: a node whose copies bind one port
// compiles when every socket that references it connects with
// connect_all (each copy on a host of its own, as zmqgen deploy runs
// them), and the policy reaches the model with its interval.
func TestConnectAllAdmitsReplicatedBinder(t *testing.T) {
	src := `topology fan
node vent {
    socket out PUSH {
        connect worker.in
        send string
        connect_all { interval 250ms }
    }
}
node worker {
    replicas 3
    socket in PULL { bind "tcp://*:5600" recv string }
}
node other {
    socket out PUSH { connect worker.in send string connect_all {} }
}
`
	topo, diags := Compile("fan.ztopo", []byte(src))
	if diags.HasErrors() {
		t.Fatalf("diagnostics:\n%v", diags)
	}
	out := topo.Nodes[0].Sockets[0]
	if out.ConnectAll == nil || out.ConnectAll.Interval != 250*time.Millisecond {
		t.Errorf("vent.out ConnectAll = %+v, want interval 250ms", out.ConnectAll)
	}
	if other := topo.Nodes[2].Sockets[0]; other.ConnectAll == nil || other.ConnectAll.Interval != time.Second {
		t.Errorf("other.out ConnectAll = %+v, want the default interval 1s", other.ConnectAll)
	}
	if topo.Nodes[1].Sockets[0].ConnectAll != nil {
		t.Error("worker.in, which only binds, has a ConnectAll")
	}
}
