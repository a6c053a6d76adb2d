package pocketsphinx

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/media"
)

// maxQueued bounds the audio a session holds that its decoder has not
// taken yet; frames past it are dropped (a decoder that far behind, or a
// pool that full, is an overload).
const maxQueued = 2 * time.Minute

// Stream opens a session. It never blocks on the decoders: the session's
// goroutine takes a decoder from the pool (waiting if all are busy) while
// WriteFrame queues audio. Config.Language must be empty or English and
// Config.Rate 8000 or 16000, or the error wraps asr.ErrUnsupported.
// Config.Grammar selects the grammar search (an unknown grammar uses the
// free-speech language model); Config.Phrases are not used.
func (r *Recognizer) Stream(ctx context.Context, cfg asr.Config) (asr.Session, error) {
	if l := strings.ToLower(cfg.Language); l != "" && l != "en" && !strings.HasPrefix(l, "en-") && !strings.HasPrefix(l, "en_") {
		return nil, fmt.Errorf("%w: pocketsphinx: language %q (English only)", asr.ErrUnsupported, cfg.Language)
	}
	if cfg.Rate != media.Rate8k && cfg.Rate != media.Rate16k {
		return nil, fmt.Errorf("%w: pocketsphinx: rate %d Hz (want 8000 or 16000)", asr.ErrUnsupported, cfg.Rate)
	}
	p, err := r.pool(cfg.Rate)
	if err != nil {
		return nil, err
	}
	search := searchFree
	if _, ok := grammars[cfg.Grammar]; ok {
		search = string(cfg.Grammar)
	}
	s := &session{
		r: r, p: p, ctx: ctx, cfg: cfg, search: search,
		out:    make(chan asr.Result, 8),
		wake:   make(chan struct{}, 1),
		quit:   make(chan struct{}),
		closed: make(chan struct{}),
	}
	if cfg.Rate != r.o.decoderRate {
		if s.rs, err = media.NewResampler(cfg.Rate, r.o.decoderRate); err != nil {
			return nil, err
		}
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, ErrClosed
	}
	r.sessions[s] = struct{}{}
	r.wg.Add(1)
	r.mu.Unlock()
	go s.run()
	return s, nil
}

// session is one utterance. WriteFrame and End queue work for run, the
// goroutine that owns the decoder.
type session struct {
	r      *Recognizer
	p      *pool
	ctx    context.Context
	cfg    asr.Config
	search string
	rs     *media.Resampler // input rate → decoder rate, nil when equal
	out    chan asr.Result
	wake   chan struct{} // cap 1: work was queued
	quit   chan struct{} // closed by Close or the Recognizer's Close
	closed chan struct{} // closed when run returns

	mu       sync.Mutex
	queue    []int16 // input-rate samples not yet decoded
	ended    bool
	endAt    time.Time
	aborted  bool
	dropped  time.Duration
	quitOnce sync.Once
}

// WriteFrame queues a copy of the frame's samples. Frames must be at the
// session's rate (a Rate of 0 is taken as the session's).
func (s *session) WriteFrame(f media.Frame) error {
	if f.Rate != 0 && f.Rate != s.cfg.Rate {
		return fmt.Errorf("%w: pocketsphinx: frame at %d Hz in a %d Hz session", asr.ErrUnsupported, f.Rate, s.cfg.Rate)
	}
	s.mu.Lock()
	if s.ended || s.aborted {
		s.mu.Unlock()
		return asr.ErrClosed
	}
	if time.Duration(len(s.queue))*time.Second/time.Duration(s.cfg.Rate) < maxQueued {
		s.queue = append(s.queue, f.Samples...)
	} else {
		s.dropped += f.Duration()
	}
	s.mu.Unlock()
	s.signal()
	return nil
}

// End says the utterance is over; the final result follows.
func (s *session) End() error {
	s.mu.Lock()
	if s.ended || s.aborted {
		s.mu.Unlock()
		return asr.ErrClosed
	}
	s.ended, s.endAt = true, time.Now()
	s.mu.Unlock()
	s.signal()
	return nil
}

// Results returns the partial and final results; it is closed after the
// final one or when the session is closed.
func (s *session) Results() <-chan asr.Result { return s.out }

// Close abandons the session, waits for its goroutine and returns its
// decoder to the pool.
func (s *session) Close() error {
	s.abort()
	<-s.closed
	return nil
}

func (s *session) abort() {
	s.mu.Lock()
	s.aborted = true
	s.mu.Unlock()
	s.quitOnce.Do(func() { close(s.quit) })
}

func (s *session) signal() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// run owns the decoder for the utterance.
func (s *session) run() {
	defer func() {
		close(s.out)
		close(s.closed)
		s.r.mu.Lock()
		delete(s.r.sessions, s)
		s.r.mu.Unlock()
		s.r.wg.Done()
	}()
	d, err := s.p.acquire(s.ctx, s.quit)
	if err != nil {
		s.fail(err)
		return
	}
	ok := false
	defer func() {
		if ok {
			s.p.release(d)
		} else {
			s.p.discard(d)
		}
	}()
	if err := d.use(s.search); err != nil {
		s.fail(err)
		return
	}
	if err := d.start(); err != nil {
		s.fail(err)
		return
	}
	var (
		buf, up   []int16
		sinceHyp  int // decoder-rate samples since the last partial check
		lastHyp   string
		every     = int(s.r.o.partial) * s.r.o.decoderRate / int(time.Second)
		done      = s.ctx.Done()
		utterDone bool
	)
	for {
		select {
		case <-s.wake:
		case <-s.quit:
			_ = d.end() // leave the decoder ready for the next utterance
			ok = true
			return
		case <-done:
			_ = d.end()
			ok = true
			s.fail(fmt.Errorf("pocketsphinx: %w", s.ctx.Err()))
			return
		}
		s.mu.Lock()
		buf, s.queue = s.queue, buf[:0]
		ended := s.ended
		s.mu.Unlock()
		pcm := buf
		if s.rs != nil {
			up = s.rs.Resample(up[:0], buf)
			pcm = up
		}
		// Decode in 100 ms pieces so partials keep their pace.
		for off := 0; off < len(pcm); {
			n := min(len(pcm)-off, s.r.o.decoderRate/10)
			if err := d.process(pcm[off : off+n]); err != nil {
				s.fail(err)
				return
			}
			off += n
			sinceHyp += n
			if sinceHyp >= every && !ended {
				sinceHyp = 0
				if h := d.hyp(); h != lastHyp {
					lastHyp = h
					s.partial(h)
				}
			}
		}
		if ended && !utterDone {
			utterDone = true
			if err := d.end(); err != nil {
				s.fail(err)
				return
			}
			ok = true
			s.final(d)
			return
		}
	}
}

// partial sends a partial result unless the reader is behind.
func (s *session) partial(text string) {
	select {
	case s.out <- asr.Result{Text: text, Provider: Name}:
	default:
	}
}

// final sends the final result of the decoded utterance.
func (s *session) final(d *decoder) {
	res := asr.Result{Final: true, Provider: Name, Text: d.hyp()}
	var sum float64
	for _, seg := range d.segments() {
		w, ok := wordOf(seg.word)
		if !ok {
			continue
		}
		res.Words = append(res.Words, asr.Word{Text: w, Start: seg.start, End: seg.end, Confidence: seg.conf})
		sum += seg.conf
	}
	if len(res.Words) > 0 {
		res.Confidence = sum / float64(len(res.Words))
	}
	s.send(res)
}

// fail sends a final result with err, if the caller still waits for one.
func (s *session) fail(err error) {
	s.send(asr.Result{Final: true, Provider: Name, Err: err})
}

func (s *session) send(res asr.Result) {
	s.mu.Lock()
	if !s.endAt.IsZero() {
		res.Latency = time.Since(s.endAt)
	}
	s.mu.Unlock()
	select {
	case s.out <- res:
	case <-s.quit:
	}
}

// wordOf returns the word of a segment without its alternate-pronunciation
// suffix ("read(2)"); ok is false for silence, fillers and sentence marks.
func wordOf(w string) (string, bool) {
	if w == "" || w[0] == '<' || w[0] == '[' || w[0] == '+' || w == "(NULL)" {
		return "", false
	}
	if i := strings.IndexByte(w, '('); i > 0 {
		w = w[:i]
	}
	return w, true
}
