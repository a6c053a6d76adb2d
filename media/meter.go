package media

import (
	"math"
	"sync/atomic"
)

// MinLevel is the level Level reports for digital silence, in dBFS.
const MinLevel = -100.0

// Level returns the RMS level of samples in dBFS: 0 for a full-scale
// square wave, -3.01 for a full-scale sine, MinLevel for silence.
func Level(samples []int16) float64 {
	if len(samples) == 0 {
		return MinLevel
	}
	var sum int64
	for _, s := range samples {
		sum += int64(s) * int64(s)
	}
	if sum == 0 {
		return MinLevel
	}
	ms := float64(sum) / float64(len(samples)) / (32768 * 32768)
	return max(MinLevel, 10*math.Log10(ms))
}

// Meter is a Sink decorator that measures each frame's RMS level (Level)
// before passing it on: for voice activity detection and level meters.
// Level may be read from any goroutine.
type Meter struct {
	next  Sink
	fn    func(level float64, f Frame)
	level atomic.Uint64 // float64 bits
}

// NewMeter returns a meter that passes frames to next (nil drops them)
// and, when fn is not nil, calls fn with each frame's level first.
func NewMeter(next Sink, fn func(level float64, f Frame)) *Meter {
	m := &Meter{next: next, fn: fn}
	m.level.Store(math.Float64bits(MinLevel))
	return m
}

// WriteFrame measures f and passes it on.
func (m *Meter) WriteFrame(f Frame) error {
	l := Level(f.Samples)
	m.level.Store(math.Float64bits(l))
	if m.fn != nil {
		m.fn(l, f)
	}
	if m.next == nil {
		return nil
	}
	return m.next.WriteFrame(f)
}

// Level returns the level of the last frame in dBFS (MinLevel before any).
func (m *Meter) Level() float64 { return math.Float64frombits(m.level.Load()) }

// Close closes next.
func (m *Meter) Close() error {
	if m.next == nil {
		return nil
	}
	return m.next.Close()
}
