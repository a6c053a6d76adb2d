// Package asrtest has helpers for testing speech recognition: a scripted
// fake Recognizer, manifests of the Asterisk core sound recordings, and
// test speech synthesised with espeak-ng and passed through G.711.
package asrtest

import (
	"context"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/media"
)

// Fake is a scripted Recognizer. Its zero value answers every utterance
// with an empty transcript; set the fields before the first Stream.
type Fake struct {
	// ID is the provider name (default "fake").
	ID string
	// Text is the final transcript; Respond, when set, overrides it.
	Text string
	// Respond computes the final result from the utterance's samples.
	Respond func(cfg asr.Config, samples []int16) asr.Result
	// Err is put on the final result (Text is then empty).
	Err error
	// StreamErr makes Stream fail.
	StreamErr error
	// Delay is waited after End before the final result; a context that
	// ends first gives a final result with asr.ErrTimeout.
	Delay time.Duration
	// Partial, when set, is sent as a partial result after the first
	// frame.
	Partial string

	mu       sync.Mutex
	streams  int
	open     int
	received []time.Duration
}

// Name returns ID or "fake".
func (f *Fake) Name() string {
	if f.ID == "" {
		return "fake"
	}
	return f.ID
}

// Streams returns how many sessions were opened.
func (f *Fake) Streams() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.streams
}

// Open returns how many sessions are not closed yet.
func (f *Fake) Open() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.open
}

// Received returns, per ended session, how much audio it received.
func (f *Fake) Received() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.received...)
}

// Stream opens a scripted session.
func (f *Fake) Stream(ctx context.Context, cfg asr.Config) (asr.Session, error) {
	if f.StreamErr != nil {
		return nil, f.StreamErr
	}
	f.mu.Lock()
	f.streams++
	f.open++
	f.mu.Unlock()
	s := &fakeSession{f: f, ctx: ctx, cfg: cfg, out: make(chan asr.Result, 4), quit: make(chan struct{}), done: make(chan struct{})}
	return s, nil
}

type fakeSession struct {
	f    *Fake
	ctx  context.Context
	cfg  asr.Config
	out  chan asr.Result
	quit chan struct{}
	done chan struct{}

	mu      sync.Mutex
	samples []int16
	dur     time.Duration
	ended   bool
	closed  bool
	partial bool
}

func (s *fakeSession) WriteFrame(fr media.Frame) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || s.closed {
		return asr.ErrClosed
	}
	s.samples = append(s.samples, fr.Samples...)
	s.dur += fr.Duration()
	if s.f.Partial != "" && !s.partial {
		s.partial = true
		s.out <- asr.Result{Text: s.f.Partial, Provider: s.f.Name()}
	}
	return nil
}

func (s *fakeSession) End() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || s.closed {
		return asr.ErrClosed
	}
	s.ended = true
	s.f.mu.Lock()
	s.f.received = append(s.f.received, s.dur)
	s.f.mu.Unlock()
	go s.finish(time.Now())
	return nil
}

func (s *fakeSession) finish(end time.Time) {
	defer close(s.done)
	defer close(s.out)
	res := asr.Result{Final: true, Provider: s.f.Name()}
	t := time.NewTimer(s.f.Delay)
	defer t.Stop()
	select {
	case <-t.C:
		switch {
		case s.f.Err != nil:
			res.Err = s.f.Err
		case s.f.Respond != nil:
			res = s.f.Respond(s.cfg, s.samples)
			res.Final = true
			if res.Provider == "" {
				res.Provider = s.f.Name()
			}
		default:
			res.Text = s.f.Text
		}
	case <-s.ctx.Done():
		res.Err = asr.ErrTimeout
	case <-s.quit:
		return
	}
	res.Latency = time.Since(end)
	select {
	case s.out <- res:
	case <-s.quit:
	}
}

func (s *fakeSession) Results() <-chan asr.Result { return s.out }

func (s *fakeSession) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	ended := s.ended
	close(s.quit)
	s.mu.Unlock()
	if ended {
		<-s.done
	} else {
		close(s.out)
	}
	s.f.mu.Lock()
	s.f.open--
	s.f.mu.Unlock()
	return nil
}
