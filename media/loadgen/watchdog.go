package loadgen

import (
	"sync"
	"time"
)

// Stall is a time the process did not run a goroutine for longer than
// stallThreshold: every pacer of the process is late by as much.
type Stall struct {
	// AtS is when the stall ended, in seconds since the first call.
	AtS float64 `json:"at_s"`
	// Ms is how much later than due the watchdog ran.
	Ms float64 `json:"ms"`
}

const (
	watchdogPeriod = 10 * time.Millisecond
	stallThreshold = 20 * time.Millisecond
	maxStalls      = 20
)

// watchdog wakes every 10 ms and records how late it woke: a process-wide
// stall (GC, the OS not scheduling us) shows here, while lateness of a few
// legs only shows in their pacers.
type watchdog struct {
	begin time.Time
	stop  chan struct{}
	done  chan struct{}

	mu     sync.Mutex
	stalls []Stall
	worst  time.Duration
	n      int
}

func startWatchdog(begin time.Time) *watchdog {
	w := &watchdog{begin: begin, stop: make(chan struct{}), done: make(chan struct{})}
	go w.run()
	return w
}

func (w *watchdog) run() {
	defer close(w.done)
	t := time.NewTicker(watchdogPeriod)
	defer t.Stop()
	last := time.Now()
	for {
		select {
		case <-w.stop:
			return
		case now := <-t.C:
			late := time.Since(last) - watchdogPeriod
			last = now
			if late < stallThreshold {
				continue
			}
			w.mu.Lock()
			w.n++
			w.worst = max(w.worst, late)
			if len(w.stalls) < maxStalls {
				w.stalls = append(w.stalls, Stall{AtS: now.Sub(w.begin).Seconds(), Ms: ms(late)})
			}
			w.mu.Unlock()
		}
	}
}

// close stops the watchdog and returns the stalls seen, their number and
// the worst.
func (w *watchdog) close() ([]Stall, int, time.Duration) {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.stalls, w.n, w.worst
}
