package target

import "syscall"

// sysProcAttr makes the kernel kill a child when the bench dies, so that a
// bench killed by a timeout or a second Ctrl-C leaves no server behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}
