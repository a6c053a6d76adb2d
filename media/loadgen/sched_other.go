//go:build !linux

package loadgen

import "time"

// runqueueWait is not measured on this platform.
func runqueueWait() time.Duration { return 0 }

// stealTime is not measured on this platform.
func stealTime() time.Duration { return 0 }
