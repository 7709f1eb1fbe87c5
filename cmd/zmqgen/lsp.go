package main

import (
	"context"
	"fmt"
	"io"

	"github.com/zmqgen/zmqgen/lsp"
)

const lspUsage = `usage: zmqgen lsp

Lsp runs the zmqgen language server: it speaks the Language Server
Protocol on standard input and output, for an editor to start. It checks
each open .ztopo file as check does on every change, and offers hover,
go to definition, references, outline, rename, completion, formatting
(as fmt does) and quick fixes for the checker's "did you mean"
suggestions. See "go doc github.com/zmqgen/zmqgen/lsp" for what each
feature does, and editors/ for VS Code and Neovim setups.

Exit status: 0 when the editor shuts the server down, 1 when the
connection fails, 2 when the command line is wrong.
`

func runLSP(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := newFlagSet("lsp")
	if code, done := parseFlags(fl, args, lspUsage, stdout, stderr); done {
		return code
	}
	if fl.NArg() > 0 {
		return usageError(stderr, "lsp", lspUsage, "takes no arguments")
	}
	if err := lsp.Serve(context.Background(), stdio{stdin, stdout}, lsp.Options{Log: stderr}); err != nil {
		fmt.Fprintf(stderr, "zmqgen lsp: %v\n", err)
		return exitFail
	}
	return exitOK
}

// stdio joins standard input and output into the one stream the server
// reads and writes.
type stdio struct {
	io.Reader
	io.Writer
}

func (s stdio) Close() error {
	if c, ok := s.Reader.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
