package vad

import "github.com/switchboard-voice/switchboard/media"

// Sink is a media.Sink decorator that runs a Detector on every frame
// before passing the frame on, like media.Meter does for levels.
type Sink struct {
	d    *Detector
	next media.Sink
	fn   func(ev Event, f media.Frame)
}

// NewSink returns a Sink that runs d on each frame, calls fn (when not
// nil) with the frame's Event, and passes the frame to next (nil drops
// it). fn runs on the caller's goroutine and must not keep f.Samples.
func NewSink(d *Detector, next media.Sink, fn func(ev Event, f media.Frame)) *Sink {
	return &Sink{d: d, next: next, fn: fn}
}

// Detector returns the detector the sink runs.
func (s *Sink) Detector() *Detector { return s.d }

// WriteFrame analyses f and passes it on.
func (s *Sink) WriteFrame(f media.Frame) error {
	ev := s.d.Process(f)
	if s.fn != nil {
		s.fn(ev, f)
	}
	if s.next == nil {
		return nil
	}
	return s.next.WriteFrame(f)
}

// Close closes next.
func (s *Sink) Close() error {
	if s.next == nil {
		return nil
	}
	return s.next.Close()
}
