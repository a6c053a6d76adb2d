//go:build !unix

package loadgen

import "time"

// cpuTime is not measured on this platform.
func cpuTime() time.Duration { return 0 }

// RaiseFileLimit does nothing on this platform.
func RaiseFileLimit(want uint64) (uint64, error) { return want, nil }
