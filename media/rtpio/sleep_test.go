package rtpio

import (
	"testing"
	"time"
)

// sleepers are the ways a clock worker can sleep here: the platform's
// (a timerfd on Linux) and the Go timer fallback.
func sleepers() []struct {
	name string
	make func() sleeper
} {
	return []struct {
		name string
		make func() sleeper
	}{
		{"platform", newSleeper},
		{"timer", func() sleeper { return newTimerSleeper() }},
	}
}

func TestSleeper(t *testing.T) {
	for _, tc := range sleepers() {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.make()
			defer s.close()
			kick, stop := make(chan struct{}, 1), make(chan struct{})

			// The time comes: not before it, and not long after.
			for range 5 {
				at := time.Now().Add(10 * time.Millisecond)
				if w := s.sleepUntil(at, kick, stop); w != wakeTime {
					t.Fatalf("woke for %v, want the time", w)
				}
				if late := time.Since(at); late < 0 || late > 50*time.Millisecond {
					// A woken-early sleeper is legal but the worker
					// re-sleeps; it must not be the rule.
					t.Logf("woke %v after the time", late)
				}
			}

			// A kick sent (and the sleeper interrupted) before the sleep
			// ends it at once, as does one sent during it.
			kick <- struct{}{}
			s.interrupt()
			start := time.Now()
			if w := s.sleepUntil(time.Now().Add(time.Hour), kick, stop); w != wakeKick {
				t.Fatalf("pending kick: woke for %v", w)
			}
			go func() {
				time.Sleep(5 * time.Millisecond)
				kick <- struct{}{}
				s.interrupt()
			}()
			if w := s.sleepUntil(time.Now().Add(time.Hour), kick, stop); w != wakeKick {
				t.Fatalf("kick: woke for %v", w)
			}
			go func() {
				time.Sleep(5 * time.Millisecond)
				close(stop)
				s.interrupt()
			}()
			if w := s.sleepUntil(time.Now().Add(time.Hour), kick, stop); w != wakeStop {
				t.Fatalf("stop: woke for %v", w)
			}
			if el := time.Since(start); el > 5*time.Second {
				t.Fatalf("kicks and stop took %v", el)
			}
		})
	}
}

func TestSleeperClosed(t *testing.T) {
	s := newSleeper()
	s.close()
	s.close()
	s.interrupt() // no effect, no panic
	kick, stop := make(chan struct{}, 1), make(chan struct{})
	at := time.Now().Add(5 * time.Millisecond)
	if w := s.sleepUntil(at, kick, stop); w != wakeTime || time.Now().Before(at) {
		t.Fatalf("closed sleeper: woke for %v at %v before the time", w, time.Until(at))
	}
}

// The platform sleeper's point: it wakes close to the time asked (the Go
// timer fallback can be a millisecond late). Loose bounds: the machine
// may be busy.
func TestSleeperPrecision(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	s := newSleeper()
	defer s.close()
	if _, ok := s.(*timerSleeper); ok {
		t.Skip("no precise sleeper on this platform")
	}
	kick, stop := make(chan struct{}, 1), make(chan struct{})
	var lates []time.Duration
	for range 200 {
		at := time.Now().Add(time.Millisecond + 300*time.Microsecond)
		for s.sleepUntil(at, kick, stop) == wakeTime && time.Now().Before(at) {
		}
		lates = append(lates, time.Since(at))
	}
	under := 0
	for _, l := range lates {
		if l < 500*time.Microsecond {
			under++
		}
	}
	// A Go timer wakes under 0.5 ms late about half the time here.
	if under < len(lates)*3/4 {
		t.Errorf("%d of %d wake-ups under 0.5 ms late", under, len(lates))
	}
}

// A clock worker sleeps thousands of times a second: without allocating.
func TestSleeperAllocs(t *testing.T) {
	s := newSleeper()
	defer s.close()
	kick, stop := make(chan struct{}, 1), make(chan struct{})
	allocs := testing.AllocsPerRun(50, func() {
		s.sleepUntil(time.Now().Add(100*time.Microsecond), kick, stop)
	})
	if allocs > 0 {
		t.Errorf("%v allocations per sleep", allocs)
	}
}
