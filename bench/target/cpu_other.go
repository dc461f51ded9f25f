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
