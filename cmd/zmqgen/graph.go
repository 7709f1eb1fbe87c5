package main

import (
	"fmt"
	"io"
)

func runGraph(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "zmqgen graph: not implemented yet")
	return exitFail
}
