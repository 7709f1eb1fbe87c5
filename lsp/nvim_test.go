package lsp

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestNeovim drives "zmqgen lsp", the real binary, from a real editor:
// Neovim's built-in client, headless, runs testdata/nvim.lua on a copy of
// topologies/reqrep. The script types a mistake, puts it right, jumps
// from a connect to its bind, renames a socket and formats the buffer;
// this test checks the buffer and positions it recorded after each step.
// .ci/run installs Debian's neovim; without it the test is skipped, except
// in CI, where it fails.
func TestNeovim(t *testing.T) {
	nvim, err := exec.LookPath("nvim")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("nvim is not installed; .ci/run installs Debian's neovim")
		}
		t.Skip("nvim is not installed (apt-get install neovim)")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "zmqgen")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/zmqgen/zmqgen/cmd/zmqgen").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	src, err := os.ReadFile("../topologies/reqrep/reqrep.ztopo")
	if err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	os.Mkdir(work, 0o755)
	file := filepath.Join(work, "reqrep.ztopo")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		t.Fatal(err)
	}
	script, _ := filepath.Abs("testdata/nvim.lua")
	// The editor's configuration is README.md's Neovim snippet, as is.
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	snippet := regexp.MustCompile("(?s)In Neovim.*?```lua\n(.*?)```").FindSubmatch(readme)
	if snippet == nil {
		t.Fatal("README.md has no Neovim snippet")
	}
	initFile := filepath.Join(dir, "init.lua")
	if err := os.WriteFile(initFile, snippet[1], 0o644); err != nil {
		t.Fatal(err)
	}
	resultFile := filepath.Join(dir, "result.json")

	// A bound for a hung editor, far above what the run takes.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, nvim, "--headless", "-u", initFile, "-i", "NONE", "-n", "-c", "luafile "+script)
	cmd.Dir = work
	cmd.Env = append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "ZTOPO_FILE="+file, "RESULT_FILE="+resultFile,
		"HOME="+dir, "XDG_CONFIG_HOME="+filepath.Join(dir, "config"), "XDG_DATA_HOME="+filepath.Join(dir, "data"),
		"XDG_STATE_HOME="+filepath.Join(dir, "state"), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"))
	out, runErr := cmd.CombinedOutput()
	data, err := os.ReadFile(resultFile)
	if err != nil {
		t.Fatalf("nvim: %v, no result: %v\n%s", runErr, err, out)
	}
	var res struct {
		Error       string
		Diagnostics []struct {
			Lnum, Col, End_lnum, End_col, Severity int
			Message                                string
		}
		Definition struct {
			From, To []int
			Line     string
		}
		Renamed, Messy, Formatted []string
	}
	if err := json.Unmarshal(data, &res); err != nil {
		t.Fatalf("result: %v\n%s", err, data)
	}
	if res.Error != "" || runErr != nil {
		t.Fatalf("nvim: %v: %s\n%s", runErr, res.Error, out)
	}
	text := string(src)
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	lineOf := func(s string, n int) int {
		for i, l := range lines {
			if strings.Contains(l, s) {
				if n--; n == 0 {
					return i
				}
			}
		}
		t.Fatalf("no %q", s)
		return 0
	}

	// 1. The mistake: one error on "Ordr", with the checker's message.
	recv := lineOf("recv Order", 1)
	col := strings.Index(lines[recv], "Order")
	if len(res.Diagnostics) != 1 {
		t.Fatalf("diagnostics of the mistake: %+v", res.Diagnostics)
	}
	d := res.Diagnostics[0]
	if d.Lnum != recv || d.Col != col || d.End_lnum != recv || d.End_col != col+4 || d.Severity != 1 ||
		d.Message != `unknown message type "Ordr"; did you mean "Order"?` {
		t.Errorf("diagnostic %+v, want line %d, columns %d-%d", d, recv, col, col+4)
	}

	// 3. The jump: from connect server2.rep to server2's bind.
	bind := lineOf(`bind "tcp://*:6000"`, 1)
	if want := []int{bind, strings.Index(lines[bind], "bind")}; !slices.Equal(res.Definition.To, want) {
		t.Errorf("definition from %v went to %v (%q), want %v", res.Definition.From, res.Definition.To, res.Definition.Line, want)
	}
	if from := res.Definition.From; len(from) != 2 || from[0] != lineOf("connect server2.rep", 1) {
		t.Errorf("definition from %v", from)
	}

	// 4. The rename: the declaration and the connect, nothing else.
	sock := lineOf("socket rep REP", 2)
	want := slices.Clone(lines)
	want[sock] = strings.Replace(want[sock], "socket rep", "socket reply", 1)
	conn := lineOf("connect server2.rep", 1)
	want[conn] = strings.Replace(want[conn], "server2.rep", "server2.reply", 1)
	if !slices.Equal(res.Renamed, want) {
		t.Errorf("after the rename:\n%s\nwant\n%s", strings.Join(res.Renamed, "\n"), strings.Join(want, "\n"))
	}

	// 5. Formatting: exactly what zmqgen fmt prints for the messy buffer.
	messy := strings.Join(res.Messy, "\n") + "\n"
	if !strings.Contains(messy, "\t") {
		t.Fatalf("the buffer was not made messy:\n%s", messy)
	}
	fmtCmd := exec.Command(bin, "fmt")
	fmtCmd.Stdin = strings.NewReader(messy)
	formatted, err := fmtCmd.Output()
	if err != nil {
		t.Fatalf("zmqgen fmt: %v", err)
	}
	if got := strings.Join(res.Formatted, "\n") + "\n"; got != string(formatted) {
		t.Errorf("formatted buffer:\n%s\nwant (zmqgen fmt):\n%s", got, formatted)
	}
	if !bytes.Equal(formatted, []byte(strings.Join(want, "\n")+"\n")) {
		t.Logf("note: zmqgen fmt keeps the blank lines the messy buffer added")
	}
}
