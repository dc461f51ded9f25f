package embedded

import (
	"os"
	"syscall"
)

// syncData makes f's data durable with fdatasync: a log segment written
// over its zeros changes no metadata a read needs, so the journal is not
// committed, and its commit does not wait for what other files wrote
// meanwhile (a segment being made, a checkpoint's pages).
func syncData(f *os.File) error {
	raw, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var syncErr error
	err = raw.Control(func(fd uintptr) {
		for {
			syncErr = syscall.Fdatasync(int(fd))
			if syncErr != syscall.EINTR {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	if syncErr != nil {
		return &os.PathError{Op: "fdatasync", Path: f.Name(), Err: syncErr}
	}
	return nil
}
