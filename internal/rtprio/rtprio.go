package rtprio

import (
	"errors"
	"fmt"
)

// ErrNotPermitted is returned when the process may not use real-time
// scheduling (not root, no CAP_SYS_NICE, RLIMIT_RTPRIO too low).
var ErrNotPermitted = errors.New("rtprio: real-time scheduling not permitted (needs root, CAP_SYS_NICE or RLIMIT_RTPRIO)")

// ErrUnsupported is returned on systems without SCHED_RR for threads.
var ErrUnsupported = errors.New("rtprio: real-time scheduling is not supported on this system")

// MinPriority and MaxPriority bound the SCHED_RR priorities.
const (
	MinPriority = 1
	MaxPriority = 99
)

// Enable puts every thread of the process under SCHED_RR at priority and
// returns how many threads it changed. priority must be within
// MinPriority..MaxPriority; low values (1-10) are enough to outrank normal
// processes and stay below the kernel's own real-time threads.
func Enable(priority int) (int, error) {
	if priority < MinPriority || priority > MaxPriority {
		return 0, fmt.Errorf("rtprio: priority %d: must be %d-%d", priority, MinPriority, MaxPriority)
	}
	return enable(priority)
}
