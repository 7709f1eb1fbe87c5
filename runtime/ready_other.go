//go:build !unix

package runtime

// closeOnExec does nothing where descriptors are not inherited by number.
func closeOnExec(fd int) {}
