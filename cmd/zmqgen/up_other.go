//go:build !linux

package main

import "syscall"

// childProcAttr leaves a node in up's process group where Linux's parent
// death signal is not available: a node that outlived up would run on
// unseen, which is worse than a Ctrl-C reaching it directly.
func childProcAttr() *syscall.SysProcAttr { return nil }
