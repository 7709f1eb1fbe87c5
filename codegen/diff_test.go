package codegen_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/codegen"
)

// TestOneSocketChangesOnlyItsLines generates the reqrep topology, changes
// one socket in the .ztopo, generates again, and checks that the diff
// touches only the files and lines that concern that socket: generated
// code is reviewed in diffs, and a diff should say what changed.
func TestOneSocketChangesOnlyItsLines(t *testing.T) {
	src, err := os.ReadFile(filepath.Join(repoRoot(t), "topologies", "reqrep", "reqrep.ztopo"))
	if err != nil {
		t.Fatal(err)
	}
	base := generateMap(t, string(src))
	tests := []struct {
		name      string
		old, new  string // the edit to the .ztopo
		changed   []string
		removedOK func(line string) bool // every removed line must pass
		addedOK   func(line string) bool // every added line must pass
	}{{
		name:      "server1's port",
		old:       `bind "tcp://*:5000"`,
		new:       `bind "tcp://*:5001"`,
		changed:   []string{"server1/server1.zmqgen.go", "client/client.zmqgen.go"},
		removedOK: func(l string) bool { return strings.Contains(l, "5000") },
		addedOK:   func(l string) bool { return strings.Contains(l, "5001") },
	}, {
		name:      "an option of server2's socket",
		old:       `bind "tcp://*:6000"`,
		new:       "bind \"tcp://*:6000\"\n        hwm 10",
		changed:   []string{"server2/server2.zmqgen.go"},
		removedOK: func(string) bool { return false },
		addedOK: func(l string) bool {
			// The socket's first option starts its list of options.
			return strings.Contains(l, "HWM(10)") || l == "	c.Rep.Options = []runtime.Option{" || l == "	}"
		},
	}, {
		name:      "an identity of server2's socket",
		old:       `bind "tcp://*:6000"`,
		new:       "bind \"tcp://*:6000\"\n        identity \"s2\"",
		changed:   []string{"server2/server2.zmqgen.go"},
		removedOK: func(string) bool { return false },
		addedOK:   func(l string) bool { return l == `	c.Rep.Identity = "s2"` },
	}, {
		// A policy adds its flags, setting, handle field and method; the
		// only line it changes is the one that makes the socket's handle,
		// which sets the new field.
		name:    "a heartbeat policy on server2's socket",
		old:     `bind "tcp://*:6000"`,
		new:     "bind \"tcp://*:6000\"\n        heartbeat { interval 2s liveness 4 }",
		changed: []string{"server2/server2.zmqgen.go"},
		removedOK: func(l string) bool {
			return strings.HasPrefix(strings.TrimSpace(l), "n.Rep = &RepSocket{")
		},
		addedOK: func(string) bool { return true },
	}, {
		name:      "a new socket of the client",
		old:       "        recv Answer\n    }\n}",
		new:       "        recv Answer\n    }\n    socket news SUB {\n        connect \"tcp://localhost:7000\"\n        recv Answer\n        subscribe \"\"\n    }\n}",
		changed:   []string{"client/client.zmqgen.go"},
		removedOK: func(string) bool { return false },
		addedOK:   func(string) bool { return true },
	}, {
		// The edge to server2 goes, and with it its contract on both
		// ends (runtime.WithContract).
		name:      "an endpoint of the client's socket",
		old:       "connect server2.rep",
		new:       `connect "tcp://localhost:7777"`,
		changed:   []string{"client/client.zmqgen.go", "server2/server2.zmqgen.go"},
		removedOK: func(l string) bool { return strings.Contains(l, "6000") || contractLine(l) },
		addedOK:   func(l string) bool { return strings.Contains(l, "7777") },
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if strings.Count(string(src), tt.old) != 1 {
				t.Fatalf("reqrep.ztopo does not hold %q exactly once", tt.old)
			}
			next := generateMap(t, strings.Replace(string(src), tt.old, tt.new, 1))
			changed := map[string]bool{}
			for _, c := range tt.changed {
				changed[c] = true
			}
			for name, b := range base {
				n, ok := next[name]
				if !ok {
					t.Errorf("%s is no longer generated", name)
					continue
				}
				if !changed[name] {
					if n != b {
						t.Errorf("%s changed, want it unchanged:\n%s", name, lineDiff(b, n))
					}
					continue
				}
				if n == b {
					t.Errorf("%s did not change", name)
				}
				removed, added := changedLines(b, n)
				for _, l := range removed {
					if !tt.removedOK(l) {
						t.Errorf("%s: removed line %q does not concern the change", name, l)
					}
				}
				for _, l := range added {
					if !tt.addedOK(l) {
						t.Errorf("%s: added line %q does not concern the change", name, l)
					}
				}
				t.Logf("%s: %d lines removed, %d added", name, len(removed), len(added))
			}
		})
	}
}

// generateMap generates the reqrep topology from src, by file path.
// contractLine reports whether l is a line of a socket's contract option
// or of the option list that holds it.
func contractLine(l string) bool {
	l = strings.TrimSpace(l)
	for _, p := range []string{"runtime.WithContract(", "Binds:", "Connects:", "Edge:", "Fingerprint:", "Socket:", "Topology:", "c.Rep.Options = ", "})", "}},", "}"} {
		if strings.HasPrefix(l, p) {
			return true
		}
	}
	return false
}

func generateMap(t *testing.T, src string) map[string]string {
	t.Helper()
	topo := compile(t, "reqrep.ztopo", []byte(src))
	files, err := codegen.Generate(topo, codegen.Options{ImportPath: modulePath + "/topologies/reqrep", Source: "topologies/reqrep/reqrep.ztopo"})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, f := range files {
		m[f.Path] = string(f.Content)
	}
	return m
}

// changedLines returns the lines of a that a longest common subsequence
// with b leaves out (removed) and those of b it leaves out (added).
func changedLines(a, b string) (removed, added []string) {
	x, y := strings.Split(a, "\n"), strings.Split(b, "\n")
	w := len(y) + 1
	lcs := make([]int, (len(x)+1)*w)
	for i := len(x) - 1; i >= 0; i-- {
		for j := len(y) - 1; j >= 0; j-- {
			if x[i] == y[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < len(x) || j < len(y) {
		switch {
		case i < len(x) && j < len(y) && x[i] == y[j]:
			i++
			j++
		case i < len(x) && (j == len(y) || lcs[(i+1)*w+j] >= lcs[i*w+j+1]):
			removed = append(removed, x[i])
			i++
		default:
			added = append(added, y[j])
			j++
		}
	}
	return removed, added
}

// lineDiff shows the changed lines of a and b.
func lineDiff(a, b string) string {
	removed, added := changedLines(a, b)
	var s strings.Builder
	for _, l := range removed {
		s.WriteString("-" + l + "\n")
	}
	for _, l := range added {
		s.WriteString("+" + l + "\n")
	}
	return s.String()
}
