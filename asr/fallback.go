package asr

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// MaxFallbackAudio bounds the audio a fallback session keeps for replay;
// a longer utterance is replayed truncated to its first MaxFallbackAudio.
const MaxFallbackAudio = 2 * time.Minute

// WithFallback returns a Recognizer that streams to primary and, when its
// final result carries an error (a provider error or ErrTimeout) or its
// session cannot be opened, replays the utterance's audio into the next
// recognizer in fallbacks, and so on. The session buffers the utterance
// (up to MaxFallbackAudio) for the replay. The final result's Provider
// names the recognizer that answered; when all fail, its Err joins their
// errors (errors.Is finds ErrTimeout if any timed out). Partial results
// are passed on from the recognizer being streamed to live, until End.
func WithFallback(primary Recognizer, fallbacks ...Recognizer) Recognizer {
	return &fallback{recs: append([]Recognizer{primary}, fallbacks...)}
}

type fallback struct {
	recs []Recognizer
}

// Name joins the providers' names with ">" ("pocketsphinx>openai").
func (f *fallback) Name() string {
	names := make([]string, len(f.recs))
	for i, r := range f.recs {
		names[i] = r.Name()
	}
	return strings.Join(names, ">")
}

// Stream opens a session on the first recognizer that accepts it.
func (f *fallback) Stream(ctx context.Context, cfg Config) (Session, error) {
	ctx, cancel := context.WithCancel(ctx)
	s := &fallbackSession{
		f: f, ctx: ctx, cancel: cancel, cfg: cfg,
		out:  make(chan Result, 16),
		done: make(chan struct{}),
	}
	var errs []error
	for i, r := range f.recs {
		sess, err := r.Stream(ctx, cfg)
		if err == nil {
			s.cur, s.idx = sess, i
			break
		}
		errs = append(errs, fmt.Errorf("%s: %w", r.Name(), err))
	}
	if s.cur == nil {
		cancel()
		return nil, errors.Join(errs...)
	}
	s.errs = errs
	go s.pump()
	return s, nil
}

type fallbackSession struct {
	f      *fallback
	ctx    context.Context
	cancel context.CancelFunc
	cfg    Config
	out    chan Result
	done   chan struct{} // closed when pump returns

	mu       sync.Mutex
	cur      Session // the session being streamed to
	idx      int     // its recognizer's index
	frames   []media.Frame
	buffered time.Duration
	ended    bool
	endAt    time.Time
	closed   bool
	errs     []error // of the recognizers that failed
}

// WriteFrame buffers a copy of f and passes it to the live session. A
// failing live session is replaced after End, so its error is not
// returned here.
func (s *fallbackSession) WriteFrame(f media.Frame) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || s.closed {
		return ErrClosed
	}
	if s.buffered < MaxFallbackAudio {
		f.Samples = slices.Clone(f.Samples)
		s.frames = append(s.frames, f)
		s.buffered += f.Duration()
	}
	_ = s.cur.WriteFrame(f)
	return nil
}

// End ends the utterance on the live session.
func (s *fallbackSession) End() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || s.closed {
		return ErrClosed
	}
	s.ended, s.endAt = true, time.Now()
	_ = s.cur.End()
	return nil
}

// Results returns the partial and final results.
func (s *fallbackSession) Results() <-chan Result { return s.out }

// Close abandons the session and waits for its goroutine.
func (s *fallbackSession) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		<-s.done
		return nil
	}
	s.closed = true
	cur := s.cur
	s.mu.Unlock()
	s.cancel()
	_ = cur.Close()
	<-s.done
	return nil
}

// pump forwards the live session's results and moves to the next
// recognizer when a final result fails.
func (s *fallbackSession) pump() {
	defer close(s.done)
	defer close(s.out)
	for {
		s.mu.Lock()
		cur, idx := s.cur, s.idx
		s.mu.Unlock()
		res, ok := s.final(cur)
		if ok && res.Err == nil {
			if res.Provider == "" {
				res.Provider = s.f.recs[idx].Name()
			}
			s.emitFinal(res)
			_ = cur.Close()
			return
		}
		_ = cur.Close()
		err := res.Err
		if !ok {
			err = fmt.Errorf("results closed without a final result: %w", ErrClosed)
		}
		s.mu.Lock()
		s.errs = append(s.errs, fmt.Errorf("%s: %w", s.f.recs[idx].Name(), err))
		if s.closed || s.ctx.Err() != nil || !s.next() {
			errs := s.errs
			s.mu.Unlock()
			s.emitFinal(Result{Final: true, Provider: s.f.recs[idx].Name(), Err: errors.Join(errs...)})
			return
		}
		s.mu.Unlock()
	}
}

// final reads cur's results until its final one, forwarding partials
// while the utterance is still being spoken.
func (s *fallbackSession) final(cur Session) (Result, bool) {
	for {
		select {
		case r, ok := <-cur.Results():
			if !ok {
				return Result{}, false
			}
			if r.Final {
				return r, true
			}
			s.mu.Lock()
			live := !s.ended
			s.mu.Unlock()
			if live {
				select {
				case s.out <- r:
				default: // a slow reader loses partials, never the final
				}
			}
		case <-s.ctx.Done():
			return Result{Final: true, Err: s.ctx.Err()}, true
		}
	}
}

// next opens the next recognizer that accepts the stream and replays the
// buffered audio into it (and End, if the utterance has ended). It is
// called with s.mu held and reports whether a session is live.
func (s *fallbackSession) next() bool {
	for s.idx+1 < len(s.f.recs) {
		s.idx++
		r := s.f.recs[s.idx]
		sess, err := r.Stream(s.ctx, s.cfg)
		if err != nil {
			s.errs = append(s.errs, fmt.Errorf("%s: %w", r.Name(), err))
			continue
		}
		for _, f := range s.frames {
			_ = sess.WriteFrame(f)
		}
		if s.ended {
			_ = sess.End()
		}
		s.cur = sess
		return true
	}
	return false
}

// emitFinal sends the one final result, with the latency from End.
func (s *fallbackSession) emitFinal(r Result) {
	r.Final = true
	s.mu.Lock()
	if s.ended {
		r.Latency = time.Since(s.endAt)
	}
	s.mu.Unlock()
	select {
	case s.out <- r:
	case <-s.ctx.Done():
		// Close or the caller's context: nobody waits for the result, but
		// deliver it if there is room.
		select {
		case s.out <- r:
		default:
		}
	}
}
