//go:build !linux

package target

import "syscall"

// sysProcAttr puts a child in its own process group; the bench stops it
// on exit.
func sysProcAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
