package crashtest

import "syscall"

// sysProcAttr makes the kernel kill the child when the test binary dies,
// so that a test killed by its timeout leaves no klaxon behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
