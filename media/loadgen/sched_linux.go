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
