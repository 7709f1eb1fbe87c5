package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
)

// Building: one go build for the programs of every node up runs.

// buildNodes builds the program of every node in plan with one go build,
// which links them in parallel, into dir, and sets each proc's binary.
func buildNodes(topoDir string, plan []*proc, dir string, interrupt <-chan os.Signal, stderr io.Writer) error {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return fmt.Errorf("cannot build the nodes: %v", err)
	}
	args := []string{"build", "-o", dir + string(filepath.Separator)}
	var nodes []string
	for _, p := range plan {
		if slices.Contains(nodes, p.node) {
			continue
		}
		nodes = append(nodes, p.node)
		if fi, err := os.Stat(filepath.Join(topoDir, p.node)); err != nil || !fi.IsDir() {
			return fmt.Errorf("%s: no program for node %s (run zmqgen generate first)", filepath.Join(topoDir, p.node), p.node)
		}
		args = append(args, "./"+p.node)
	}
	fmt.Fprintf(stderr, "zmqgen up: building %s\n", strings.Join(nodes, ", "))
	cmd := exec.Command(goTool, args...)
	cmd.Dir = topoDir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("go build: %v", err)
	}
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	select {
	case err = <-waitErr:
	case <-interrupt:
		cmd.Process.Kill()
		<-waitErr
		return errors.New("interrupted while building")
	}
	if err != nil {
		stderr.Write(out.Bytes())
		return fmt.Errorf("building the nodes of %s failed: %v", topoDir, err)
	}
	exe := ""
	if goruntime.GOOS == "windows" {
		exe = ".exe"
	}
	for _, p := range plan {
		p.binary = filepath.Join(dir, p.node+exe)
		if _, err := os.Stat(p.binary); err != nil {
			return fmt.Errorf("go build wrote no program for node %s: %v", p.node, err)
		}
	}
	return nil
}
