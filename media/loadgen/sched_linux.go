package loadgen

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// runqueueWait returns how long the process's threads have been runnable
// but waiting for a CPU (the second field of /proc/self/task/*/schedstat,
// summed): CPU contention, from our own threads or other processes.
// Threads that have exited are not counted.
func runqueueWait() time.Duration {
	files, _ := filepath.Glob("/proc/self/task/*/schedstat")
	var sum int64
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		fields := strings.Fields(string(b))
		if len(fields) < 2 {
			continue
		}
		if n, err := strconv.ParseInt(fields[1], 10, 64); err == nil {
			sum += n
		}
	}
	return time.Duration(sum)
}

// stealTime is the machine's CPU time stolen by the hypervisor (the
// eighth value of /proc/stat's cpu line, in USER_HZ ticks of 10 ms),
// summed over its CPUs: a virtual machine's vCPUs not running at all,
// which no scheduling inside it can help.
func stealTime() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	n, err := strconv.ParseInt(f[8], 10, 64)
	if err != nil {
		return 0
	}
	return time.Duration(n) * 10 * time.Millisecond
}
