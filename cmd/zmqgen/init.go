package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/zmqgen/zmqgen/codegen"
)

const initUsage = `usage: zmqgen init [-v] [FILE|DIR|DIR/...]...

Init starts the Go programs of a topology: it generates the code, as
zmqgen generate does, and writes a starter handler <node>/handler.go for
each node, so that "go build ./..." works right away. A starter
implements the node's Handler and does something visible with its
sockets: it logs what they receive, sends a zero value every second,
makes one request, or answers requests with zero values. It is yours to
edit; replace it with the node's real code.

Init never writes over a file: a node whose directory already holds Go
code other than the generated <node>.zmqgen.go keeps it and gets no
starter.

Flags:

	-v   name every file written

Exit status: 0 on success, 1 when a topology has errors or a file cannot
be written, 2 on a wrong command line.
`

func runInit(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := newFlagSet("init")
	verbose := fl.Bool("v", false, "")
	if code, done := parseFlags(fl, args, initUsage, stdout, stderr); done {
		return code
	}
	files, err := ztopoFiles(argsOrDot(fl.Args()))
	if err != nil {
		fmt.Fprintf(stderr, "zmqgen init: %v\n", err)
		return exitFail
	}
	status := exitOK
	for _, file := range files {
		topo, opts, changes, ok := loadAndGenerate("init", file, stderr)
		if !ok {
			status = exitFail
			continue
		}
		if !applyChanges("init", changes, *verbose, stderr) {
			status = exitFail
		}
		dir := filepath.Dir(file)
		for _, n := range topo.Nodes {
			nodeDir := filepath.Join(dir, n.Name)
			if has, err := hasHandlerCode(nodeDir); err != nil || has {
				if err != nil {
					fmt.Fprintf(stderr, "zmqgen init: %v\n", err)
					status = exitFail
				} else if *verbose {
					fmt.Fprintf(stderr, "kept %s: it has handler code\n", nodeDir)
				}
				continue
			}
			src, err := codegen.Starter(topo, n, opts)
			if err != nil {
				fmt.Fprintf(stderr, "zmqgen init: %s: %v\n", file, err)
				status = exitFail
				continue
			}
			p := filepath.Join(nodeDir, codegen.StarterName)
			if err := createFile(p, src); err != nil {
				fmt.Fprintf(stderr, "zmqgen init: %v\n", err)
				status = exitFail
				continue
			}
			if *verbose {
				fmt.Fprintf(stderr, "created %s\n", p)
			}
		}
	}
	return status
}

// hasHandlerCode says whether dir holds a Go file that zmqgen did not
// generate.
func hasHandlerCode(dir string) (bool, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() && strings.HasSuffix(name, ".go") && !strings.HasSuffix(name, codegen.Suffix) {
			return true, nil
		}
	}
	return false, nil
}

// createFile writes a new file name, failing if it exists; a failed write
// removes what it wrote.
func createFile(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o777); err != nil {
		return err
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(name)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return err
	}
	return nil
}
