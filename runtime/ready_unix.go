//go:build unix

package runtime

import "syscall"

func closeOnExec(fd int) { syscall.CloseOnExec(fd) }
