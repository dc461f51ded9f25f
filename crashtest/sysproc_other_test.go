//go:build !linux

package crashtest

import "syscall"

// sysProcAttr has nothing to add where the kernel cannot kill a child with
// its parent: every test kills its children in its cleanup.
func sysProcAttr() *syscall.SysProcAttr { return nil }
