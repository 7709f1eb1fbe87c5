package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/zmqgen/zmqgen/internal/testnet"
)

// readmeBlock returns the fenced code block of README.md that follows the
// line "<!-- TestReadmeOwnModule: NAME -->".
func readmeBlock(t *testing.T, readme, name string) string {
	t.Helper()
	re := regexp.MustCompile("(?s)<!-- TestReadmeOwnModule: " + regexp.QuoteMeta(name) + " -->\n```[a-z]*\n(.*?)```\n")
	m := re.FindStringSubmatch(readme)
	if m == nil {
		t.Fatalf("README.md has no code block marked TestReadmeOwnModule: %s", name)
	}
	return m[1]
}

// TestReadmeOwnModule does what README's "Write a topology" tells a user
// to do in a module of their own, in a fresh temporary module: every
// command of its steps block as written (after "go mod init", a replace
// directive points github.com/zmqgen/zmqgen at this checkout; the network
// is off, so modules come from the module cache), with the guide's
// reqrep.ztopo; then README's server handler in place of the starter, a
// build, and one run of that node, which a libzmq REQ (pyzmq) asks for a
// drink.
func TestReadmeOwnModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds zmqgen and a module")
	}
	b, err := os.ReadFile(filepath.Join(repoDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	dir := t.TempDir()
	env := append(os.Environ(), "GOWORK=off", "GOFLAGS=", "GOPROXY=off", "GOSUMDB=off")
	run := func(line string) string {
		t.Helper()
		cmd := exec.Command("sh", "-c", line)
		cmd.Dir, cmd.Env = dir, env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%s: %v\n%s", line, err, out)
		}
		return string(out)
	}
	ran := 0
	for _, line := range strings.Split(readmeBlock(t, readme, "steps"), "\n") {
		line, _, _ = strings.Cut(line, "#")
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		run(line)
		ran++
		switch {
		case strings.HasPrefix(line, "go mod init "):
			run("go mod edit -replace github.com/zmqgen/zmqgen=" + repoDir)
		case line == "mkdir reqrep":
			src, err := os.ReadFile(filepath.Join(repoDir, "topologies", "reqrep", "reqrep.ztopo"))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "reqrep", "reqrep.ztopo"), src, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	if ran < 5 {
		t.Fatalf("README's steps block has %d commands", ran)
	}
	for _, f := range []string{"reqrep/reqrep.zmqgen.go", "reqrep/server1/server1.zmqgen.go", "reqrep/client/handler.go"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("after README's steps: %v", err)
		}
	}
	mod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	if !regexp.MustCompile(`(?m)^tool github.com/zmqgen/zmqgen/cmd/zmqgen$`).Match(mod) ||
		!regexp.MustCompile(`(?m)^require github.com/zmqgen/zmqgen v`).Match(mod) {
		t.Errorf("go.mod after README's steps: zmqgen is not a tool and a direct requirement:\n%s", mod)
	}

	// README's handler, whole, compiles outside this repository.
	handler := readmeBlock(t, readme, "reqrep/server1/handler.go")
	if err := os.WriteFile(filepath.Join(dir, "reqrep", "server1", "handler.go"), []byte(handler), 0o644); err != nil {
		t.Fatal(err)
	}
	run("go vet ./... && go build -o bin/ ./reqrep/server1")

	if err := exec.Command(pythonPath, "-c", "import zmq").Run(); err != nil {
		t.Skipf("%s has no pyzmq: %v", pythonPath, err)
	}
	ep := fmt.Sprintf("tcp://127.0.0.1:%d", testnet.Port(t))
	server := exec.Command(filepath.Join(dir, "bin", "server1"), "-rep.bind="+ep, "-delay=1ms")
	stdout, err := server.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	defer server.Process.Kill()
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	const req = `import sys, zmq
s = zmq.Context().socket(zmq.REQ)
s.setsockopt(zmq.RCVTIMEO, 60000)
s.setsockopt(zmq.LINGER, 0)
s.connect(sys.argv[1])
s.send(b"a drink, please")
print(s.recv().decode())
`
	reply, err := exec.Command(pythonPath, "-c", req, ep).CombinedOutput()
	if err != nil || string(reply) != "here is some coffee\n" {
		t.Errorf("the REQ got %q, %v; want the server's answer", reply, err)
	}
	if got := <-lines; got != "Received request: a drink, please" {
		t.Errorf("the server printed %q", got)
	}
}

// pythonPath is Debian's python3, the one with python3-zmq.
const pythonPath = "/usr/bin/python3"
