package main

import (
	"fmt"
	"io"
	"os"
	"sort"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// Exit statuses.
const (
	exitOK    = 0 // success; warnings allowed
	exitFail  = 1 // errors in the input, or stale output with -check
	exitUsage = 2 // the command line was wrong
)

// A command is one zmqgen subcommand.
type command struct {
	summary string
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"check":    {"check topologies and report diagnostics", runCheck},
	"fmt":      {"format .ztopo files", runFmt},
	"generate": {"generate Go programs from topologies", runGenerate},
	"init":     {"write starter handler files that do not exist yet", runInit},
	"graph":    {"draw a topology as Graphviz dot or Mermaid", runGraph},
	"up":       {"build and run every node of a topology", runUp},
	"version":  {"print zmqgen's version", runVersion},
}

// Version is zmqgen's version.
const Version = "0.1.0"

const usageHead = `zmqgen generates typed Go programs from ZeroMQ topologies.

Usage:

	zmqgen <command> [arguments]

The commands are:

`

func usage(w io.Writer) {
	fmt.Fprint(w, usageHead)
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "\t%-9s %s\n", name, commands[name].summary)
	}
	fmt.Fprint(w, "\nUse \"zmqgen <command> -h\" for more about a command.\n")
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		usage(stdout)
		return exitOK
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "zmqgen: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}
	return cmd.run(args[1:], stdin, stdout, stderr)
}

func runVersion(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintf(stdout, "zmqgen %s\n", Version)
	return exitOK
}
