package media

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

// Recorder records a call as a stereo 16-bit WAV file: the caller on the
// left channel, the other side (bot, agent) on the right. Each side is a
// Sink (Left, Right) that takes frames at any supported rate and never
// blocks the media path: WriteFrame copies the frame into a bounded queue
// that a goroutine owned by the Recorder drains, resamples and writes.
// When the queue is full the frame is dropped and counted (Dropped).
//
// The two channels are aligned by Frame.Timestamp, which both sides must
// count from the same origin (the start of the call): a gap in one side's
// timestamps becomes silence, and a side that sends nothing for a while
// (a bot that is not speaking) is filled with silence so the other side's
// audio is still written. Frames whose time has already been written are
// trimmed or dropped.
type Recorder struct {
	ww   *WAVWriter
	rate int

	mu     sync.RWMutex // guards closed against queue sends
	closed bool
	queue  chan recItem
	free   chan []int16

	dropped   atomic.Uint64
	done      chan struct{}
	closeOnce sync.Once
	closeErr  error

	// Owned by the goroutine (and by Close after it ends).
	err  error
	side [2]recSide
	out  []int16 // interleaved scratch
	// written is the number of sample frames written to the file.
	written int64
	// Limits in samples at rate.
	tol, maxPending int64
	idle            time.Duration
}

type recItem struct {
	side    int
	samples []int16
	rate    int
	ts      time.Duration
}

// recSide is one channel's state: pending holds the samples from the file
// position written on; its first head samples are already written (they
// are discarded lazily so that a side far ahead is not copied per frame).
type recSide struct {
	rs      *Resampler
	tmp     []int16
	pending []int16
	head    int
	last    time.Time // when its last frame was processed
}

// consume drops n pending samples (fewer if it has fewer).
func (s *recSide) consume(n int) {
	s.head += min(n, len(s.pending)-s.head)
	if s.head == len(s.pending) {
		s.pending, s.head = s.pending[:0], 0
	} else if s.head > len(s.pending)/2 {
		s.pending = s.pending[:copy(s.pending, s.pending[s.head:])]
		s.head = 0
	}
}

// len returns the number of pending samples.
func (s *recSide) len() int64 { return int64(len(s.pending) - s.head) }

// RecorderOption configures a Recorder.
type RecorderOption func(*recorderConfig)

type recorderConfig struct {
	queue int
	idle  time.Duration
}

// WithQueueSize sets how many frames (of both sides together) may wait to
// be written before new ones are dropped; the default 250 is 2.5 s of both
// sides at 20 ms frames.
func WithQueueSize(frames int) RecorderOption {
	return func(c *recorderConfig) { c.queue = max(1, frames) }
}

// WithIdle sets after how long without frames a side counts as silent and
// is filled with silence so the other side can be written (default 300 ms).
func WithIdle(d time.Duration) RecorderOption {
	return func(c *recorderConfig) { c.idle = d }
}

// NewRecorder writes a stereo WAV header at rate (Rate8k, Rate16k or
// Rate48k) to w and starts the writing goroutine; Close finishes the file.
// Close does not close w.
func NewRecorder(w io.WriteSeeker, rate int, opts ...RecorderOption) (*Recorder, error) {
	if err := checkRate(rate); err != nil {
		return nil, fmt.Errorf("media: recorder: %w", err)
	}
	cfg := recorderConfig{queue: 250, idle: 300 * time.Millisecond}
	for _, o := range opts {
		o(&cfg)
	}
	ww, err := NewWAVWriter(w, rate, 2)
	if err != nil {
		return nil, err
	}
	r := &Recorder{
		ww:         ww,
		rate:       rate,
		queue:      make(chan recItem, cfg.queue),
		free:       make(chan []int16, cfg.queue),
		done:       make(chan struct{}),
		tol:        int64(rate / 1000),
		maxPending: int64(rate * 10), // 10 s
		idle:       cfg.idle,
	}
	for range cfg.queue {
		r.free <- make([]int16, 0, SamplesPerFrame(Rate48k))
	}
	// A side is not idle before it had a chance to send its first frame.
	r.side[0].last, r.side[1].last = time.Now(), time.Now()
	go r.run()
	return r, nil
}

// Left returns the Sink of the caller's audio (left channel).
func (r *Recorder) Left() Sink { return recorderSink{r, 0} }

// Right returns the Sink of the other side's audio (right channel).
func (r *Recorder) Right() Sink { return recorderSink{r, 1} }

// Dropped returns how many frames were dropped because the queue was full.
func (r *Recorder) Dropped() uint64 { return r.dropped.Load() }

// Rate returns the file's sample rate.
func (r *Recorder) Rate() int { return r.rate }

type recorderSink struct {
	r    *Recorder
	side int
}

// WriteFrame queues a copy of f without blocking; it returns ErrClosed
// after the Recorder's Close, or an error for an unsupported rate.
func (s recorderSink) WriteFrame(f Frame) error { return s.r.writeFrame(s.side, f) }

// Close does nothing: the Recorder's Close ends the recording.
func (s recorderSink) Close() error { return nil }

func (r *Recorder) writeFrame(side int, f Frame) error {
	if f.Rate != r.rate {
		if err := checkRate(f.Rate); err != nil {
			return fmt.Errorf("media: recorder: %w", err)
		}
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if r.closed {
		return ErrClosed
	}
	var buf []int16
	select {
	case buf = <-r.free:
	default:
		r.dropped.Add(1)
		return nil
	}
	// There are as many buffers as queue slots: this send never blocks.
	r.queue <- recItem{side: side, samples: append(buf[:0], f.Samples...), rate: f.Rate, ts: f.Timestamp}
	return nil
}

// Close writes what is queued, pads the shorter channel with silence,
// fixes the WAV header and waits for the goroutine. It returns the first
// write error. Later calls return the same.
func (r *Recorder) Close() error {
	r.closeOnce.Do(func() {
		r.mu.Lock()
		r.closed = true
		close(r.queue)
		r.mu.Unlock()
		<-r.done
		r.flush(true)
		err := r.ww.Close()
		if r.err == nil {
			r.err = err
		}
		r.closeErr = r.err
	})
	return r.closeErr
}

func (r *Recorder) run() {
	defer close(r.done)
	for it := range r.queue {
		r.process(it)
		r.free <- it.samples
	}
}

func (r *Recorder) process(it recItem) {
	if r.err != nil {
		return
	}
	s := &r.side[it.side]
	s.last = time.Now()
	samples := it.samples
	if it.rate != r.rate {
		if s.rs == nil || s.rs.from != it.rate {
			s.rs, _ = NewResampler(it.rate, r.rate) // the rate was checked
		}
		s.tmp = s.rs.Resample(s.tmp[:0], samples)
		samples = s.tmp
	}
	pos := int64(it.ts/time.Second)*int64(r.rate) + int64(it.ts%time.Second)*int64(r.rate)/int64(time.Second)
	off := pos - r.written
	if end := s.len(); off != end && off > end-r.tol && off < end+r.tol {
		off = end // within rounding of contiguous
	}
	if off < 0 { // already written: trim
		if -off >= int64(len(samples)) {
			return
		}
		samples, off = samples[-off:], 0
	}
	// A long gap: write the silence in bounded pieces.
	for off > s.len() {
		add := min(off-s.len(), r.maxPending-s.len())
		s.pending = append(s.pending, make([]int16, add)...)
		if s.len() >= r.maxPending {
			before := r.written
			r.flush(false)
			off -= r.written - before
		}
	}
	n := copy(s.pending[int64(s.head)+off:], samples)
	s.pending = append(s.pending, samples[n:]...)
	r.flush(false)
}

// flush writes the sample frames both channels have. A side that has been
// idle, or all pending audio when the other side holds too much or final is
// set, is padded with silence.
func (r *Recorder) flush(final bool) {
	l, rt := &r.side[0], &r.side[1]
	nl, nr := l.len(), rt.len()
	n := min(nl, nr)
	now := time.Now()
	if final || max(nl, nr) >= r.maxPending {
		n = max(nl, nr)
	} else {
		if now.Sub(l.last) > r.idle {
			n = max(n, nr)
		}
		if now.Sub(rt.last) > r.idle {
			n = max(n, nl)
		}
	}
	if n == 0 {
		return
	}
	r.out = r.out[:0]
	lp, rp := l.pending[l.head:], rt.pending[rt.head:]
	for i := range n {
		var a, b int16
		if i < nl {
			a = lp[i]
		}
		if i < nr {
			b = rp[i]
		}
		r.out = append(r.out, a, b)
	}
	l.consume(int(n))
	rt.consume(int(n))
	r.written += n
	if r.err == nil {
		r.err = r.ww.WritePCM(r.out)
	}
}
