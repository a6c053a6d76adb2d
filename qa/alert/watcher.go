package alert

import (
	"context"
	"sync"
	"time"
)

// DefaultTick is a Watcher's default tick interval: silence and duration
// alerts come at most this late.
const DefaultTick = 250 * time.Millisecond

// Watcher ticks many monitors from one goroutine, the one that calls Run:
// no goroutine per call. Add a call's monitor when the call starts; End
// the monitor when it ends and the watcher forgets it at its next tick
// (or Remove it at once). Alerts raised at a tick go to each monitor's
// sink.
type Watcher struct {
	interval time.Duration

	mu       sync.Mutex
	monitors map[*Monitor]struct{}
}

// NewWatcher returns a watcher ticking every interval (DefaultTick when
// zero or negative).
func NewWatcher(interval time.Duration) *Watcher {
	if interval <= 0 {
		interval = DefaultTick
	}
	return &Watcher{interval: interval, monitors: map[*Monitor]struct{}{}}
}

// Add starts ticking m.
func (w *Watcher) Add(m *Monitor) {
	w.mu.Lock()
	w.monitors[m] = struct{}{}
	w.mu.Unlock()
}

// Remove stops ticking m.
func (w *Watcher) Remove(m *Monitor) {
	w.mu.Lock()
	delete(w.monitors, m)
	w.mu.Unlock()
}

// Len is the number of monitors ticked.
func (w *Watcher) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.monitors)
}

// Run ticks every monitor every interval until ctx is done. It runs on
// the caller's goroutine, which owns it: cancel ctx to stop it.
func (w *Watcher) Run(ctx context.Context) {
	t := time.NewTicker(w.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			w.Tick(now)
		}
	}
}

// Tick ticks every monitor once at now and forgets the ended ones. Run
// calls it; a caller with its own ticker may call it instead of Run.
func (w *Watcher) Tick(now time.Time) {
	w.mu.Lock()
	batch := make([]*Monitor, 0, len(w.monitors))
	for m := range w.monitors {
		batch = append(batch, m)
	}
	w.mu.Unlock()
	// Monitors are ticked outside the watcher's lock, so that Add and
	// Remove from call goroutines never wait for a tick.
	var ended []*Monitor
	for _, m := range batch {
		m.Tick(now)
		if m.Ended() {
			ended = append(ended, m)
		}
	}
	if len(ended) > 0 {
		w.mu.Lock()
		for _, m := range ended {
			delete(w.monitors, m)
		}
		w.mu.Unlock()
	}
}
