package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"

	"github.com/zmqgen/zmqgen/dsl/model"
)

// topoBuilder builds models by hand for tests that pin the renderers on
// inputs the language may not even accept (odd names, colliding ids).
type topoBuilder struct{ t *model.Topology }

func newTopo(name string) *topoBuilder { return &topoBuilder{&model.Topology{Name: name}} }

func (b *topoBuilder) node(name string, replicas int) *model.Node {
	n := &model.Node{Name: name, Replicas: replicas}
	b.t.Nodes = append(b.t.Nodes, n)
	return n
}

func (b *topoBuilder) msg(name string) *model.Message {
	m := &model.Message{Name: name, Kind: model.String}
	b.t.Messages = append(b.t.Messages, m)
	return m
}

func sock(n *model.Node, name string, typ model.SocketType, send, recv *model.Message) *model.Socket {
	s := &model.Socket{Name: name, Node: n, Type: typ}
	if send != nil {
		s.Send = []*model.Message{send}
	}
	if recv != nil {
		s.Recv = []*model.Message{recv}
	}
	n.Sockets = append(n.Sockets, s)
	return s
}

// link makes from connect to what to binds, by reference.
func (b *topoBuilder) link(from, to *model.Socket) {
	addr := to.Binds[0].Addr
	from.Connects = append(from.Connects, &model.Endpoint{Addr: strings.Replace(addr, "*", "localhost", 1), Ref: to})
	b.t.Edges = append(b.t.Edges, &model.Edge{From: from, To: to, Addr: addr})
}

func bind(s *model.Socket, addr string) { s.Binds = append(s.Binds, &model.Endpoint{Addr: addr}) }

func handReqRep() *model.Topology {
	b := newTopo("reqrep")
	order, answer := b.msg("Order"), b.msg("Answer")
	var reps []*model.Socket
	for _, name := range []string{"server1", "server2"} {
		rep := sock(b.node(name, 1), "rep", model.REP, answer, order)
		bind(rep, map[string]string{"server1": "tcp://*:5000", "server2": "tcp://*:6000"}[name])
		reps = append(reps, rep)
	}
	req := sock(b.node("client", 1), "req", model.REQ, order, answer)
	for _, rep := range reps {
		b.link(req, rep)
	}
	return b.t
}

func TestGraphMermaidReqRep(t *testing.T) {
	got := renderMermaid(handReqRep())
	want := `---
title: "reqrep"
---
flowchart LR
    subgraph n_server1 ["server1"]
        s_server1_rep["rep REP<br>bind tcp://*:5000"]
    end
    subgraph n_server2 ["server2"]
        s_server2_rep["rep REP<br>bind tcp://*:6000"]
    end
    subgraph n_client ["client"]
        s_client_req["req REQ<br>connect server1.rep<br>connect server2.rep"]
    end
    s_client_req <-->|"Order →<br>← Answer"| s_server1_rep
    s_client_req <-->|"Order →<br>← Answer"| s_server2_rep
`
	if got != want {
		t.Errorf("mermaid:\n%s\nwant:\n%s", got, want)
	}
}

// TestGraphFlowDirection checks that edges point the way messages go, not
// the way sockets connect: a subscriber that connects still receives.
func TestGraphFlowDirection(t *testing.T) {
	b := newTopo("pubsub")
	upd := b.msg("Update")
	pub := sock(b.node("publisher", 1), "out", model.PUB, upd, nil)
	bind(pub, "tcp://*:5556")
	sub := sock(b.node("subscriber", 3), "in", model.SUB, nil, upd)
	sub.Subscribe = []string{"10001", ""}
	b.link(sub, pub)
	odd := sock(b.node("odd", 1), "pair", model.PAIR, nil, nil) // no messages declared: no arrow
	b.link(odd, pub)

	mmd := renderMermaid(b.t)
	for _, want := range []string{
		`subgraph n_subscriber ["subscriber ×3"]`,
		`s_publisher_out -->|"Update<br>subscribe #quot;10001#quot;<br>subscribe #quot;#quot;"| s_subscriber_in`,
		"s_odd_pair --- s_publisher_out\n",
	} {
		if !strings.Contains(mmd, want) {
			t.Errorf("mermaid lacks %q:\n%s", want, mmd)
		}
	}
	dot := renderDot(b.t)
	for _, want := range []string{
		`label="subscriber ×3";`,
		`s_publisher_out -> s_subscriber_in [label="Update\nsubscribe \"10001\"\nsubscribe \"\""];`,
		"s_odd_pair -> s_publisher_out [dir=none];\n",
	} {
		if !strings.Contains(dot, want) {
			t.Errorf("dot lacks %q:\n%s", want, dot)
		}
	}
}

// TestGraphEscaping feeds the renderers text that would break their syntax
// unescaped.
func TestGraphEscaping(t *testing.T) {
	b := newTopo("esc")
	m := b.msg("M")
	s := sock(b.node("a", 1), "x", model.PUSH, m, nil)
	bind(s, `ipc:///tmp/a"b|c<d>#e&f`+"`g\\h")
	r := sock(b.node("b", 1), "y", model.PULL, nil, m)
	b.link(r, s)

	mmd := renderMermaid(b.t)
	want := `s_a_x["x PUSH<br>bind ipc:///tmp/a#quot;b#124;c#lt;d#gt;#35;e#amp;f#96;g\h"]`
	if !strings.Contains(mmd, want) {
		t.Errorf("mermaid lacks %s:\n%s", want, mmd)
	}
	dot := renderDot(b.t)
	want = `s_a_x [label="x PUSH\nbind ipc:///tmp/a\"b|c<d>#e&f` + "`g\\\\h\"];"
	if !strings.Contains(dot, want) {
		t.Errorf("dot lacks %s:\n%s", want, dot)
	}
}

// TestGraphIDCollision checks the fallback to numbered identifiers when
// readable ones would collide.
func TestGraphIDCollision(t *testing.T) {
	b := newTopo("clash")
	sock(b.node("a_b", 1), "c", model.PUSH, nil, nil)
	sock(b.node("a", 1), "b_c", model.PULL, nil, nil)
	b.node("lonely", 1)
	mmd := renderMermaid(b.t)
	for _, want := range []string{"s0_0[", "s1_0[", `n2["lonely"]`} {
		if !strings.Contains(mmd, want) {
			t.Errorf("mermaid lacks %q:\n%s", want, mmd)
		}
	}
	if strings.Contains(mmd, "s_a_b_c") {
		t.Errorf("mermaid kept colliding ids:\n%s", mmd)
	}
}

func TestGraphFlagAfterFile(t *testing.T) {
	var out, errb bytes.Buffer
	file := filepath.Join("..", "..", "topologies", "reqrep", "reqrep.ztopo")
	if code := run([]string{"graph", file, "-format", "dot"}, nil, &out, &errb); code != exitOK || !strings.HasPrefix(out.String(), `digraph "reqrep" {`) {
		t.Errorf("graph FILE -format dot: exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}

// update makes the golden tests rewrite their golden files.
var update = flag.Bool("update", false, "rewrite golden files")

// graphGoldenFormats are the output sections of a graph golden file, in order.
var graphGoldenFormats = []string{"mermaid", "dot"}

// TestGraphTopologies pins the pictures of every topology under
// topologies/: golden/graph/topologies/<name>.txtar holds its Mermaid and
// dot output. A golden file without a topology is stale and fails too.
func TestGraphTopologies(t *testing.T) {
	root := filepath.Join("..", "..")
	goldenDir := filepath.Join(root, "golden", "graph", "topologies")
	files, err := filepath.Glob(filepath.Join(root, "topologies", "*", "*.ztopo"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no topologies found (%v)", err)
	}
	want := make(map[string]bool)
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".ztopo")
		golden := filepath.Join(goldenDir, name+".txtar")
		want[golden] = true
		t.Run(name, func(t *testing.T) {
			ar := &txtar.Archive{Comment: []byte(fmt.Sprintf("zmqgen graph of topologies/%s/%s.ztopo.\nRun go test ./cmd/zmqgen -run TestGraphTopologies -update after changing it.\n", name, name))}
			for _, format := range graphGoldenFormats {
				var stdout, stderr bytes.Buffer
				if code := run([]string{"graph", "-format", format, file}, nil, &stdout, &stderr); code != exitOK {
					t.Fatalf("graph -format %s %s: exit %d\n%s", format, file, code, stderr.String())
				}
				ar.Files = append(ar.Files, txtar.File{Name: format, Data: stdout.Bytes()})
			}
			checkGolden(t, golden, txtar.Format(ar))
		})
	}
	stale, _ := filepath.Glob(filepath.Join(goldenDir, "*.txtar"))
	for _, g := range stale {
		if want[g] {
			continue
		}
		if *update {
			os.Remove(g)
			continue
		}
		t.Errorf("%s: no topology of that name under topologies/ (run with -update to remove it)", g)
	}
}

// TestGraphCases runs the cases under golden/graph/cases: each holds an
// input.ztopo and the expected exit status and mermaid and dot output.
// Diagnostics are the dsl package's to pin; here it is enough that they
// come in the compact form, and only they.
func TestGraphCases(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "golden", "graph", "cases", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no cases (%v)", err)
	}
	compact := regexp.MustCompile(`^input\.ztopo:\d+:\d+: (error|warning): \S`)
	for _, golden := range files {
		golden, _ = filepath.Abs(golden)
		t.Run(strings.TrimSuffix(filepath.Base(golden), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			var input []byte
			for _, f := range ar.Files {
				if f.Name == "input.ztopo" {
					input = f.Data
				}
			}
			if input == nil {
				t.Fatal("no input.ztopo section")
			}
			// Diagnostics name the file as given: run where it is "input.ztopo".
			t.Chdir(t.TempDir())
			if err := os.WriteFile("input.ztopo", input, 0o666); err != nil {
				t.Fatal(err)
			}
			got := &txtar.Archive{Comment: ar.Comment, Files: []txtar.File{{Name: "input.ztopo", Data: input}}}
			var codes []string
			for _, format := range graphGoldenFormats {
				var stdout, stderr bytes.Buffer
				code := run([]string{"graph", "-format", format, "input.ztopo"}, nil, &stdout, &stderr)
				codes = append(codes, strconv.Itoa(code))
				errors := 0
				for _, line := range strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n") {
					if m := compact.FindStringSubmatch(line); m != nil {
						if m[1] == "error" {
							errors++
						}
					} else if line != "" {
						t.Errorf("-format %s: stderr line not in the compact form: %q", format, line)
					}
				}
				if (code == exitFail) != (errors > 0) || (code == exitFail) != (stdout.Len() == 0) || code != exitOK && code != exitFail {
					t.Errorf("-format %s: exit %d with %d errors and stdout %q", format, code, errors, stdout.String())
				}
				got.Files = append(got.Files, txtar.File{Name: format, Data: stdout.Bytes()})
			}
			if codes[0] != codes[1] {
				t.Errorf("exit statuses differ between formats: %v", codes)
			}
			got.Files = append([]txtar.File{got.Files[0], {Name: "exit", Data: []byte(codes[0] + "\n")}}, got.Files[1:]...)
			checkGolden(t, golden, txtar.Format(got))
		})
	}
}

// checkGolden compares got with the golden file, or rewrites it with -update.
func checkGolden(t *testing.T, golden string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o666); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is stale (run with -update to rewrite it):\n%s", golden, lineDiff(string(want), string(got)))
	}
}

// lineDiff lists the lines of want and got that differ, in order; enough to
// see what changed in a small golden file.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	for i := 0; i < max(len(w), len(g)); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			fmt.Fprintf(&b, "line %d:\n-%s\n+%s\n", i+1, wl, gl)
		}
	}
	return b.String()
}

// readmePicture is a Mermaid picture in README.md that zmqgen graph draws:
// a marker comment naming the topology, then the mermaid code block.
var readmePicture = regexp.MustCompile("(?s)<!-- zmqgen graph (\\S+) -->\n```mermaid\n(.*?)```\n")

// TestReadmePictures keeps the pictures in README.md current (-update
// redraws them) and checks that README shows every topology under
// topologies/, as the guide shows its examples.
func TestReadmePictures(t *testing.T) {
	root := filepath.Join("..", "..")
	readmePath := filepath.Join(root, "README.md")
	readme, err := os.ReadFile(readmePath)
	if err != nil {
		t.Fatal(err)
	}
	shown := make(map[string]bool)
	stale := false
	updated := readmePicture.ReplaceAllFunc(readme, func(block []byte) []byte {
		m := readmePicture.FindSubmatch(block)
		file := string(m[1])
		shown[file] = true
		var stdout, stderr bytes.Buffer
		if code := run([]string{"graph", filepath.Join(root, filepath.FromSlash(file))}, nil, &stdout, &stderr); code != exitOK {
			t.Errorf("README.md draws %s, which does not draw: exit %d\n%s", file, code, stderr.String())
			return block
		}
		if !bytes.Equal(m[2], stdout.Bytes()) {
			stale = true
			if !*update {
				t.Errorf("README.md: the picture of %s is stale (run go test ./cmd/zmqgen -run TestReadmePictures -update):\n%s", file, lineDiff(string(m[2]), stdout.String()))
			}
		}
		return []byte(fmt.Sprintf("<!-- zmqgen graph %s -->\n```mermaid\n%s```\n", file, stdout.Bytes()))
	})
	if stale && *update {
		if err := os.WriteFile(readmePath, updated, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	files, _ := filepath.Glob(filepath.Join(root, "topologies", "*", "*.ztopo"))
	for _, f := range files {
		rel, _ := filepath.Rel(root, f)
		if rel = filepath.ToSlash(rel); !shown[rel] {
			t.Errorf("README.md has no picture of %s: add a line <!-- zmqgen graph %s --> and an empty mermaid code block after it, then run with -update", rel, rel)
		}
	}
}
