package voicebot

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/tts"
)

// segment is one prompt of a reply: the text of one action, synthesised
// sentence by sentence into frames that the player sends as they come.
type segment struct {
	text          string
	interruptible bool

	mu     sync.Mutex
	frames []media.Frame
	done   bool // synthesis finished (or failed)
	err    error
	first  time.Time // first audio
}

func (s *segment) snapshot() (n int, done bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.frames), s.done
}

func (s *segment) frame(i int) media.Frame {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.frames[i]
}

// segmentSink collects a synthesiser's frames into a segment and wakes the
// call loop on the first one.
type segmentSink struct {
	s    *segment
	wake chan<- struct{}
}

func (k segmentSink) WriteFrame(f media.Frame) error {
	cp := make([]int16, len(f.Samples))
	copy(cp, f.Samples)
	k.s.mu.Lock()
	first := len(k.s.frames) == 0
	if first {
		k.s.first = time.Now()
	}
	k.s.frames = append(k.s.frames, media.Frame{Samples: cp, Rate: f.Rate})
	k.s.mu.Unlock()
	if first {
		select {
		case k.wake <- struct{}{}:
		default:
		}
	}
	return nil
}

func (k segmentSink) Close() error { return nil }

// synthesize renders segs in order, sentence by sentence, so the first
// sentence plays while the rest is synthesised. It returns when all are
// done or ctx is cancelled.
func synthesize(ctx context.Context, syn tts.Synthesizer, lang string, rate int, segs []*segment, wake chan<- struct{}) {
	for _, s := range segs {
		var err error
		for _, sentence := range Sentences(s.text) {
			if ctx.Err() != nil {
				err = ctx.Err()
				break
			}
			err = syn.Synthesize(ctx, tts.Request{Text: sentence, Language: lang, Rate: rate}, segmentSink{s: s, wake: wake})
			if err != nil {
				break
			}
		}
		s.mu.Lock()
		s.done, s.err = true, err
		s.mu.Unlock()
		select {
		case wake <- struct{}{}:
		default:
		}
		if errors.Is(err, context.Canceled) {
			// Mark the rest done so the player does not wait on them.
			for _, r := range segs {
				r.mu.Lock()
				if !r.done {
					r.done, r.err = true, err
				}
				r.mu.Unlock()
			}
			return
		}
	}
}

// Sentences splits text at sentence ends (. ! ? and their full-width
// forms), keeping each piece's punctuation.
func Sentences(text string) []string {
	var out []string
	start := 0
	rs := []rune(text)
	for i, r := range rs {
		end := false
		switch r {
		case '。', '！', '？', '；':
			end = true
		case '.', '!', '?':
			// "3.5" and "e.g." do not end a sentence: require a space or
			// the end after the mark.
			end = i+1 == len(rs) || unicode.IsSpace(rs[i+1])
		}
		if end {
			if s := strings.TrimSpace(string(rs[start : i+1])); s != "" {
				out = append(out, s)
			}
			start = i + 1
		}
	}
	if s := strings.TrimSpace(string(rs[start:])); s != "" {
		out = append(out, s)
	}
	return out
}

// player paces a reply's frames into the leg a little ahead of real time
// and keeps the position, so a barge-in discards at most the lead and a
// false interruption can resume where the caller heard it stop.
type player struct {
	leg  media.Leg
	rate int
	lead time.Duration

	segs   []*segment
	cur    int  // segment playing
	pos    int  // next frame of segs[cur]
	paused bool // stopped by a barge-in, may resume
	until  time.Time
	sent   []sentFrame // frames handed to the leg, not yet due (echo reference)
	// inRun: the last reference was a frame, and the next in sent follows
	// it on the leg's queue with no gap.
	inRun   bool
	restart bool // the timeline restarts: the next frame written begins a run
	written int  // frames of this reply handed to the leg
	silence media.Frame
	// now is the clock (time.Now; tests set their own).
	now func() time.Time
	// gap is how long the leg had nothing to send in the middle of a
	// reply because synthesis had not produced the audio yet.
	gap time.Duration
}

type sentFrame struct {
	f  media.Frame
	at time.Time
	// cont: the frame follows the one written before it on the leg's
	// queue, with no gap (the timeline did not restart in between).
	cont bool
}

func newPlayer(leg media.Leg, rate int, lead time.Duration) *player {
	return &player{leg: leg, rate: rate, lead: lead, now: time.Now, silence: media.Frame{Samples: make([]int16, media.SamplesPerFrame(rate)), Rate: rate}}
}

// start replaces what is playing with a new reply.
func (p *player) start(segs []*segment) {
	p.stop()
	p.segs, p.cur, p.pos, p.paused = segs, 0, 0, false
	p.written = 0
	p.until = time.Time{}
}

// active reports whether the reply still has audio to play (or is
// paused by a barge-in).
func (p *player) active() bool {
	return p.segs != nil
}

// interruptible reports whether the segment playing may be cut.
func (p *player) interruptible() bool {
	return p.cur < len(p.segs) && p.segs[p.cur].interruptible
}

// pump hands frames to the leg until it is lead ahead of now. It returns
// whether the reply has finished playing (all frames due).
func (p *player) pump(now time.Time) (finished bool) {
	if p.until.Before(now) {
		if !p.until.IsZero() && !p.paused && p.cur < len(p.segs) && p.written > 0 {
			// The leg's queue ran dry mid-reply: the caller heard a gap.
			p.gap += now.Sub(p.until)
		}
		p.until = now // underrun or first frame: restart the timeline
		p.restart = true
	}
	for !p.paused && p.cur < len(p.segs) && p.until.Before(now.Add(p.lead)) {
		s := p.segs[p.cur]
		n, done := s.snapshot()
		if p.pos >= n {
			if !done {
				break // waiting for synthesis
			}
			p.cur, p.pos = p.cur+1, 0
			continue
		}
		f := s.frame(p.pos)
		f.Timestamp = time.Duration(p.written) * media.FrameDuration
		if err := p.leg.WriteFrame(f); err != nil {
			return true
		}
		p.sent = append(p.sent, sentFrame{f: f, at: p.until, cont: !p.restart})
		p.restart = false
		p.until = p.until.Add(media.FrameDuration)
		p.pos++
		p.written++
	}
	return p.cur >= len(p.segs) && !p.until.After(now)
}

// reference returns the frame the leg sent in the tick that delivered
// the caller's frame being processed (silence when nothing is playing),
// for the echo canceller: one call per caller frame.
//
// Only the first frame of a run (a reply's start, or after the leg's
// queue ran dry) is placed by time, by when the player reckoned it would
// leave. The frames after it in the run leave one per tick, as the
// caller's frames arrive, so they are handed out one per call whatever
// the clock says: the call loop processes frames late, or in bursts, when
// the machine is busy, and a frame judged "not due yet" by a few ms would
// put a frame of silence into the reference and move the echo, for the
// canceller, 20 ms later in the middle of a prompt (an echo path change,
// which it needs a few hundred ms to follow).
func (p *player) reference(now time.Time) media.Frame {
	if len(p.sent) > 0 && ((p.inRun && p.sent[0].cont) || !p.sent[0].at.After(now)) {
		f := p.sent[0].f
		p.sent = p.sent[1:]
		p.inRun = true
		return f
	}
	p.inRun = false
	return p.silence
}

// dropUnsent forgets the reference frames the leg has not sent by now
// (its queue was flushed, or nothing more plays) and keeps those already
// on the wire: their echo is still to come, and the canceller must be
// given them even when the call loop, behind on the caller's frames, has
// not consumed them yet (otherwise the tail of every prompt echoes back
// uncancelled whenever the loop runs late).
func (p *player) dropUnsent(now time.Time) {
	n := 0
	for _, s := range p.sent {
		if s.at.After(now) {
			break
		}
		n++
	}
	p.sent = p.sent[:n]
}

// pause stops playout now (barge-in): the leg's queue is discarded and
// the position moves back by what was discarded.
func (p *player) pause() {
	if p.paused || p.segs == nil {
		return
	}
	d := p.leg.Flush()
	n := int(d / media.FrameDuration)
	p.pos = max(0, p.pos-n)
	p.dropUnsent(p.now())
	p.until = time.Time{}
	p.paused = true
}

// resume continues a paused reply, backing up by backup so the caller
// hears the words again from before the interruption.
func (p *player) resume(backup time.Duration) {
	if !p.paused {
		return
	}
	p.pos = max(0, p.pos-int(backup/media.FrameDuration))
	p.paused = false
}

// stop drops the reply: the leg's queue is discarded.
func (p *player) stop() {
	if p.segs != nil {
		p.leg.Flush()
	}
	p.segs, p.cur, p.pos, p.paused = nil, 0, 0, false
	p.dropUnsent(p.now())
	p.until = time.Time{}
}
