package main

import (
	"fmt"
	"io"
)

func runInit(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "zmqgen init: not implemented yet")
	return exitFail
}
