package main

import "syscall"

// childProcAttr puts a node in a process group of its own, so that a
// Ctrl-C in the terminal reaches only up, which then stops the nodes in
// order, and asks the kernel to send the node SIGTERM if up dies without
// stopping it (killed, say), so that no node outlives up.
//
// Pdeathsig fires when the thread that started the child exits, not the
// process (golang/go#27505); up starts nodes from ordinary goroutines,
// whose threads live as long as the process.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
