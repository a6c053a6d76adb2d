//go:build !linux

package rtpio

// newSleeper returns a Go timer sleeper: this platform has no timerfd.
func newSleeper() sleeper { return newTimerSleeper() }
