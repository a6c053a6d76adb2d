//go:build linux

package rtprio

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// enable sets SCHED_RR on every thread in /proc/self/task, then looks
// again until a pass finds none left: a thread started during a pass by
// a thread not yet changed inherits the old policy.
func enable(priority int) (int, error) {
	attr := unix.SchedAttr{Size: unix.SizeofSchedAttr, Policy: unix.SCHED_RR, Priority: uint32(priority)}
	done := map[int]bool{}
	for pass := 0; pass < 20; pass++ {
		tids, err := threads()
		if err != nil {
			return len(done), err
		}
		changed := 0
		for _, tid := range tids {
			if done[tid] {
				continue
			}
			switch err := unix.SchedSetAttr(tid, &attr, 0); {
			case err == nil:
				done[tid] = true
				changed++
			case errors.Is(err, unix.ESRCH): // the thread ended
			case errors.Is(err, unix.EPERM):
				return len(done), fmt.Errorf("%w: thread %d: %v", ErrNotPermitted, tid, err)
			default:
				return len(done), fmt.Errorf("rtprio: thread %d: %w", tid, err)
			}
		}
		if changed == 0 {
			return len(done), nil
		}
	}
	return len(done), errors.New("rtprio: threads kept appearing faster than they could be changed")
}

// threads lists the process's thread ids.
func threads() ([]int, error) {
	d, err := os.Open("/proc/self/task")
	if err != nil {
		return nil, fmt.Errorf("rtprio: list threads: %w", err)
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, fmt.Errorf("rtprio: list threads: %w", err)
	}
	tids := make([]int, 0, len(names))
	for _, n := range names {
		if tid, err := strconv.Atoi(n); err == nil {
			tids = append(tids, tid)
		}
	}
	return tids, nil
}

// Policy returns the scheduling policy (unix.SCHED_OTHER, SCHED_RR...) and
// real-time priority of thread tid (0: the calling thread).
func Policy(tid int) (policy, priority int, err error) {
	a, err := unix.SchedGetAttr(tid, 0)
	if err != nil {
		return 0, 0, fmt.Errorf("rtprio: thread %d: %w", tid, err)
	}
	return int(a.Policy), int(a.Priority), nil
}
