//go:build !linux

package redistest

import "syscall"

// sysProcAttr has nothing to add where the kernel cannot kill a child with
// its parent: the cleanup functions stop the server.
func sysProcAttr() *syscall.SysProcAttr { return nil }
