//go:build !linux

package target

import (
	"errors"
	"time"
)

// CPUTime is only measured on Linux.
func CPUTime(pid int) (time.Duration, error) {
	return 0, errors.New("CPU time is only measured on Linux")
}

// MainThreadSched is only measured on Linux.
func MainThreadSched(pid int) (running, waiting time.Duration, err error) {
	return 0, 0, errors.New("scheduling times are only measured on Linux")
}
