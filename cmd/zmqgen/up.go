package main

import (
	"fmt"
	"io"
)

func runUp(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "zmqgen up: not implemented yet")
	return exitFail
}
