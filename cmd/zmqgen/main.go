package main

import (
	"flag"
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
	summary string // its line in zmqgen's usage
	usage   string // what "zmqgen NAME -h" prints
	run     func(args []string, stdin io.Reader, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"breaking": {"report changes that break a running mixed-version system", breakingUsage, runBreaking},
	"check":    {"check topologies and report diagnostics", checkUsage, runCheck},
	"deploy":   {"write Kubernetes or Compose manifests for a topology", deployUsage, runDeploy},
	"fmt":      {"format .ztopo files", fmtUsage, runFmt},
	"generate": {"generate Go programs from topologies", generateUsage, runGenerate},
	"init":     {"write starter handler files that do not exist yet", initUsage, runInit},
	"keys":     {"write CURVE key pairs for a topology's secured nodes", keysUsage, runKeys},
	"lsp":      {"run the language server for editors", lspUsage, runLSP},
	"graph":    {"draw a topology as Graphviz dot or Mermaid", graphUsage, runGraph},
	"up":       {"build and run every node of a topology", upUsage, runUp},
	"version":  {"print zmqgen's version", versionUsage, runVersion},
	"vet":      {"report handler methods the generated code no longer calls", vetUsage, runVet},
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

const versionUsage = `usage: zmqgen version

Version prints "zmqgen" and its version number on standard output.

Exit status: 0, or 2 when the command line is wrong.
`

func runVersion(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := newFlagSet("version")
	if code, done := parseFlags(fl, args, versionUsage, stdout, stderr); done {
		return code
	}
	if fl.NArg() > 0 {
		return usageError(stderr, "version", versionUsage, "takes no arguments")
	}
	fmt.Fprintf(stdout, "zmqgen %s\n", Version)
	return exitOK
}

// Every command reads its command line the same way. Its usage text is a
// constant, laid out as "usage: zmqgen NAME ..." (the synopsis), a
// description, "Flags:" with one entry per flag, and "Exit status:".
// -h, -help and --help print it on stdout and exit 0, since help that was
// asked for is not an error; a wrong command line prints a complaint, a
// blank line and the usage on stderr and exits 2 (usageError).

// newFlagSet returns the flag set of command name. The flag package's own
// messages and defaults are discarded: parseFlags reports its errors, and
// the usage constant describes the flags.
func newFlagSet(name string) *flag.FlagSet {
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(io.Discard)
	return fl
}

// parseFlags parses the flags of command fl.Name(), whose usage text is
// usage. done reports whether the command should return code right away:
// after -h, or after a wrong flag.
func parseFlags(fl *flag.FlagSet, args []string, usage string, stdout, stderr io.Writer) (code int, done bool) {
	err := fl.Parse(args)
	switch {
	case err == flag.ErrHelp:
		fmt.Fprint(stdout, usage)
		return exitOK, true
	case err != nil:
		return usageError(stderr, fl.Name(), usage, "%v", err), true
	}
	return 0, false
}

// parseInterleaved is parseFlags for flags that may come before, between
// and after the positional arguments, as "zmqgen graph FILE -format dot"
// reads naturally; it returns the positional arguments.
func parseInterleaved(fl *flag.FlagSet, args []string, usage string, stdout, stderr io.Writer) (positional []string, code int, done bool) {
	for {
		if code, done := parseFlags(fl, args, usage, stdout, stderr); done {
			return nil, code, true
		}
		if fl.NArg() == 0 {
			return positional, 0, false
		}
		positional = append(positional, fl.Arg(0))
		args = fl.Args()[1:]
	}
}

// usageError reports a wrong command line of command cmd: "zmqgen cmd: "
// and the complaint, a blank line and the usage, on stderr. It returns
// exitUsage, for the command to return.
func usageError(stderr io.Writer, cmd, usage, format string, args ...any) int {
	fmt.Fprintf(stderr, "zmqgen %s: %s\n\n%s", cmd, fmt.Sprintf(format, args...), usage)
	return exitUsage
}
