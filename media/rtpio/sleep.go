package rtpio

import "time"

// wake says why a clock worker's sleep ended.
type wake int

const (
	wakeTime wake = iota // the time came (or, rarely, a spurious wake-up)
	wakeKick             // a leg was added
	wakeStop             // the run stopped
)

// sleeper is how a clock worker waits for its next tick. Go's timers wake
// up to a millisecond late (the runtime's network poller sleeps in whole
// milliseconds when nothing else wakes it), which alone is half the send
// jitter budget; on Linux a timerfd in the poller wakes the worker within
// tens of microseconds (sleep_linux.go).
type sleeper interface {
	// sleepUntil blocks until t, a kick or stop. It may return wakeTime
	// early; the caller checks the time.
	sleepUntil(t time.Time, kick, stop <-chan struct{}) wake
	// interrupt makes a sleepUntil in progress, or the next one if none
	// is, return: whoever sends a kick or closes stop calls it after.
	interrupt()
	// close releases the sleeper; the worker calls it when it ends.
	close()
}

// timerSleeper sleeps on a Go timer.
type timerSleeper struct{ t *time.Timer }

func newTimerSleeper() *timerSleeper {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &timerSleeper{t: t}
}

func (s *timerSleeper) sleepUntil(t time.Time, kick, stop <-chan struct{}) wake {
	s.t.Reset(time.Until(t))
	defer s.t.Stop()
	select {
	case <-s.t.C:
		return wakeTime
	case <-kick:
		return wakeKick
	case <-stop:
		return wakeStop
	}
}

func (s *timerSleeper) interrupt() {} // sleepUntil waits on kick and stop itself

func (s *timerSleeper) close() { s.t.Stop() }

// pending reports a kick or stop without blocking (wakeTime if neither).
func pending(kick, stop <-chan struct{}) wake {
	select {
	case <-stop:
		return wakeStop
	case <-kick:
		return wakeKick
	default:
		return wakeTime
	}
}
