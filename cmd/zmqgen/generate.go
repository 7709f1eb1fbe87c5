package main

import (
	"fmt"
	"io"
)

func runGenerate(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "zmqgen generate: not implemented yet")
	return exitFail
}
