package codegen_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"golang.org/x/tools/txtar"
)

// TestMissingHandlerIsACompileError builds node programs whose handler is
// missing or does not implement Handler, and checks that the compiler
// says what is missing.
func TestMissingHandlerIsACompileError(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	src := `topology shop

message Order = string

node none {
    socket out PUSH {
        bind "tcp://*:7000"
        send Order
    }
}

node wrong {
    socket rep REP {
        bind "tcp://*:7001"
        recv Order
        send Order
    }
}
`
	files := map[string][]byte{}
	for _, f := range generateArchive(t, txtar.File{Name: "shop.ztopo", Data: []byte(src)}, "example.com/shop") {
		if strings.HasSuffix(f.Name, ".zmqgen.go") {
			files[f.Name] = f.Data
		}
	}
	// wrong's handler answers with the wrong type.
	files["wrong/handler.go"] = []byte(`package main

import (
	"context"

	"example.com/shop"
)

type handler struct{}

func newHandler(n *Node) (Handler, error) { return handler{}, nil }

func (handler) ServeRep(ctx context.Context, req shop.Order) (string, error) { return "", nil }
`)
	out := buildFails(t, "example.com/shop", files)
	t.Logf("go build says:\n%s", out)
	for _, want := range []string{
		"undefined: newHandler",
		"does not implement Handler (wrong type for method ServeRep)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("go build output does not say %q:\n%s", want, out)
		}
	}
}

// buildFails is buildModule for code that must not compile; it returns
// what go build printed.
func buildFails(t *testing.T, modPath string, files map[string][]byte) string {
	t.Helper()
	dir := writeModule(t, modPath, files)
	cmd := exec.Command(goTool(), "build", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("go build succeeded; want errors")
	}
	return string(out)
}

// TestOldGeneratedCodeSaysRegenerate builds what code generated for the
// runtime's version 1 references, and checks that the compiler's error
// says to run zmqgen generate (runtime/version.go).
func TestOldGeneratedCodeSaysRegenerate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module")
	}
	out := buildFails(t, "example.com/old", map[string][]byte{"old.go": []byte(`package old

import "github.com/zmqgen/zmqgen/runtime"

const _ = runtime.SupportPackageIsVersion1
`)})
	for _, want := range []string{"runtime.SupportPackageIsVersion1 (variable of struct type", "generatedCodeIsTooOld_RunZmqgenGenerate) is not constant"} {
		if !strings.Contains(out, want) {
			t.Errorf("go build output does not say %q:\n%s", want, out)
		}
	}
}
