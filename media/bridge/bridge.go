// Package bridge connects the legs of one call — a caller, an agent, a
// second agent being consulted or conferenced in, a supervisor — so that
// each party hears the mix of the parties it may hear.
//
// Every 20 ms the bridge takes one frame from each party (silence when a
// party has sent nothing) and writes to each party the sum of what it may
// hear:
//
//   - normally everyone hears everyone else;
//   - a muted party is heard by nobody;
//   - a party on hold hears its hold source (music) and is heard by
//     nobody; the others do not hear it;
//   - a party may talk to chosen parties only: a supervisor whispering
//     talks to the agent, one listening talks to nobody, one barging in
//     talks to all.
//
// A party's incoming audio can also be copied to a tap (live
// transcription) and its DTMF reported. A leg that ends leaves the
// bridge; the owner learns it from OnLeave.
package bridge

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// Errors.
var (
	// ErrClosed: the bridge has been closed.
	ErrClosed = errors.New("bridge: closed")
	// ErrDuplicate: a party with this ID is already in the bridge.
	ErrDuplicate = errors.New("bridge: duplicate party")
	// ErrNoParty: no party with this ID.
	ErrNoParty = errors.New("bridge: no such party")
)

// maxQueued bounds each party's input queue; older audio is dropped beyond
// it so that a party whose clock runs fast cannot add delay.
const maxQueued = 3

// Source gives the frames a party on hold hears (music on hold), one
// per call, at the bridge's rate.
type Source interface {
	Next() media.Frame
}

// Config configures a bridge.
type Config struct {
	// Rate of the mix (default 8000); legs at other rates are resampled.
	Rate int
	// OnDTMF receives the digits any party presses.
	OnDTMF func(p *Party, d media.DTMF)
	// OnLeave is called (on its own goroutine) when a party's leg ends.
	OnLeave func(p *Party)
	Logger  *slog.Logger
}

// Bridge mixes the audio of its parties. Create it with New, add legs
// with Add, and Close it when the call is over; Close waits for its
// goroutine and detaches every leg (it does not hang them up).
type Bridge struct {
	cfg  Config
	n    int // samples per frame
	done chan struct{}
	wg   sync.WaitGroup

	mu      sync.Mutex
	parties []*Party
	closed  bool
	ticks   int64
	mix     []int32
}

// New starts a bridge.
func New(cfg Config) *Bridge {
	if cfg.Rate == 0 {
		cfg.Rate = media.Rate8k
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	b := &Bridge{cfg: cfg, n: media.SamplesPerFrame(cfg.Rate), done: make(chan struct{})}
	b.mix = make([]int32, b.n)
	b.wg.Add(1)
	go b.run()
	return b
}

// Party is one leg in a bridge.
type Party struct {
	ID  string
	Leg media.Leg
	b   *Bridge

	// guarded by b.mu
	queue   [][]int16
	muted   bool
	hold    Source
	talkTo  map[string]bool // nil: everyone
	out     []int16
	rs      *media.Resampler // leg rate → bridge rate
	frames  int64            // frames received
	dropped int64            // frames dropped (queue full)
	silent  int64            // ticks with nothing received
	tap     media.Sink
	left    bool
	stop    chan struct{}
}

// Option configures a party.
type Option func(*Party)

// WithTap copies every frame the party's leg receives, at the leg's rate,
// to s; s must not block (it runs on the leg's receive path).
func WithTap(s media.Sink) Option { return func(p *Party) { p.tap = s } }

// Muted adds the party muted.
func Muted() Option { return func(p *Party) { p.muted = true } }

// TalkingTo adds the party heard only by the parties with these IDs (none:
// heard by nobody, a listener).
func TalkingTo(ids ...string) Option {
	return func(p *Party) {
		p.talkTo = map[string]bool{}
		for _, id := range ids {
			p.talkTo[id] = true
		}
	}
}

// Add puts a leg into the bridge: its received audio is mixed into what
// the others hear and it hears the mix from the next 20 ms on.
func (b *Bridge) Add(id string, leg media.Leg, opts ...Option) (*Party, error) {
	p := &Party{ID: id, Leg: leg, b: b, out: make([]int16, b.n), stop: make(chan struct{})}
	for _, o := range opts {
		o(p)
	}
	if r := leg.Info().Rate; r != 0 && r != b.cfg.Rate {
		rs, err := media.NewResampler(r, b.cfg.Rate)
		if err != nil {
			return nil, fmt.Errorf("bridge: party %s: %w", id, err)
		}
		p.rs = rs
	}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	for _, q := range b.parties {
		if q.ID == id {
			b.mu.Unlock()
			return nil, fmt.Errorf("%w: %s", ErrDuplicate, id)
		}
	}
	b.parties = append(b.parties, p)
	b.mu.Unlock()
	leg.Attach(receiver{p})
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		select {
		case <-leg.Done():
			b.leave(p)
			if b.cfg.OnLeave != nil {
				b.cfg.OnLeave(p)
			}
		case <-p.stop:
		}
	}()
	return p, nil
}

// Remove takes a party out of the bridge and detaches its leg (which stays
// up: the caller may go back to a queue). It returns the leg.
func (b *Bridge) Remove(id string) (media.Leg, error) {
	b.mu.Lock()
	p := b.find(id)
	b.mu.Unlock()
	if p == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoParty, id)
	}
	b.leave(p)
	return p.Leg, nil
}

// leave removes p (once).
func (b *Bridge) leave(p *Party) {
	b.mu.Lock()
	if p.left {
		b.mu.Unlock()
		return
	}
	p.left = true
	for i, q := range b.parties {
		if q == p {
			b.parties = append(b.parties[:i], b.parties[i+1:]...)
			break
		}
	}
	b.mu.Unlock()
	close(p.stop)
	p.Leg.Attach(nil)
	p.Leg.Flush()
}

func (b *Bridge) find(id string) *Party {
	for _, p := range b.parties {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// Party returns the party with the ID.
func (b *Bridge) Party(id string) (*Party, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.find(id)
	return p, p != nil
}

// Parties returns the IDs of the parties, in the order they joined.
func (b *Bridge) Parties() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	ids := make([]string, len(b.parties))
	for i, p := range b.parties {
		ids[i] = p.ID
	}
	return ids
}

// SetMuted mutes or unmutes a party: muted, nobody hears it.
func (b *Bridge) SetMuted(id string, muted bool) error {
	return b.with(id, func(p *Party) { p.muted = muted })
}

// SetHold puts a party on hold with src (nil takes it off hold): it hears
// src and nobody hears it.
func (b *Bridge) SetHold(id string, src Source) error {
	return b.with(id, func(p *Party) { p.hold = src })
}

// TalkTo sets whom a party is heard by: nil, everyone; an empty list,
// nobody (listen only); else the parties listed (whisper).
func (b *Bridge) TalkTo(id string, ids []string) error {
	return b.with(id, func(p *Party) {
		if ids == nil {
			p.talkTo = nil
			return
		}
		p.talkTo = map[string]bool{}
		for _, x := range ids {
			p.talkTo[x] = true
		}
	})
}

func (b *Bridge) with(id string, fn func(*Party)) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	p := b.find(id)
	if p == nil {
		return fmt.Errorf("%w: %s", ErrNoParty, id)
	}
	fn(p)
	return nil
}

// Stats of a party.
type Stats struct {
	// Received frames, Dropped because the party sent faster than the
	// mix, Silent ticks with nothing from the party.
	Received, Dropped, Silent int64
	Muted, OnHold             bool
}

// Stats returns a party's counters.
func (b *Bridge) Stats(id string) (Stats, error) {
	var s Stats
	err := b.with(id, func(p *Party) {
		s = Stats{Received: p.frames, Dropped: p.dropped, Silent: p.silent, Muted: p.muted, OnHold: p.hold != nil}
	})
	return s, err
}

// Close stops the mix, detaches every leg and waits for the bridge's
// goroutines. Legs stay up.
func (b *Bridge) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	ps := append([]*Party(nil), b.parties...)
	b.mu.Unlock()
	close(b.done)
	for _, p := range ps {
		b.leave(p)
	}
	b.wg.Wait()
	return nil
}

func (b *Bridge) run() {
	defer b.wg.Done()
	start := time.Now()
	t := time.NewTimer(media.FrameDuration)
	defer t.Stop()
	for k := int64(1); ; k++ {
		select {
		case <-b.done:
			return
		case <-t.C:
		}
		b.tick()
		// Next tick on the schedule from start: no drift; after a stall,
		// skip the ticks missed rather than bursting.
		next := start.Add(time.Duration(k+1) * media.FrameDuration)
		if d := time.Until(next); d < -media.FrameDuration {
			k = int64(time.Since(start)/media.FrameDuration) - 1
			next = start.Add(time.Duration(k+1) * media.FrameDuration)
		}
		t.Reset(time.Until(next))
	}
}

// tick mixes one frame for every party.
func (b *Bridge) tick() {
	type write struct {
		leg media.Leg
		f   media.Frame
	}
	b.mu.Lock()
	ts := time.Duration(b.ticks) * media.FrameDuration
	b.ticks++
	// One frame from each party.
	cur := make([][]int16, len(b.parties))
	for i, p := range b.parties {
		if len(p.queue) == 0 {
			p.silent++
			continue
		}
		cur[i] = p.queue[0]
		p.queue = p.queue[1:]
	}
	writes := make([]write, 0, len(b.parties))
	for i, l := range b.parties {
		var out []int16
		if l.hold != nil {
			f := l.hold.Next()
			out = f.Samples
		} else {
			clear(b.mix)
			for j, t := range b.parties {
				if j == i || cur[j] == nil || t.muted || t.hold != nil || (t.talkTo != nil && !t.talkTo[l.ID]) {
					continue
				}
				for k, s := range cur[j][:min(len(cur[j]), b.n)] {
					b.mix[k] += int32(s)
				}
			}
			out = make([]int16, b.n)
			for k, v := range b.mix {
				out[k] = sat(v)
			}
		}
		writes = append(writes, write{l.Leg, media.Frame{Samples: out, Rate: b.cfg.Rate, Timestamp: ts}})
	}
	b.mu.Unlock()
	for _, w := range writes {
		if err := w.leg.WriteFrame(w.f); err != nil && !errors.Is(err, media.ErrClosed) {
			b.cfg.Logger.Debug("bridge write", "leg", w.leg.Info().ID, "err", err)
		}
	}
}

func sat(v int32) int16 {
	if v > 32767 {
		return 32767
	}
	if v < -32768 {
		return -32768
	}
	return int16(v)
}

// receiver takes a party's incoming audio.
type receiver struct{ p *Party }

func (r receiver) WriteFrame(f media.Frame) error {
	p := r.p
	if p.tap != nil {
		_ = p.tap.WriteFrame(f)
	}
	b := p.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if p.left {
		return nil
	}
	s := f.Samples
	if p.rs != nil {
		s = p.rs.Resample(nil, s)
	} else {
		s = append([]int16(nil), s...)
	}
	p.frames++
	if len(p.queue) >= maxQueued {
		p.queue = p.queue[1:]
		p.dropped++
	}
	p.queue = append(p.queue, s)
	return nil
}

func (r receiver) OnDTMF(d media.DTMF) {
	if cb := r.p.b.cfg.OnDTMF; cb != nil {
		cb(r.p, d)
	}
}

func (r receiver) Close() error { return nil }

// Loop is a Source that plays pcm over and over (music on hold).
type Loop struct {
	mu   sync.Mutex
	pcm  []int16
	rate int
	pos  int
	n    int
}

// NewLoop returns a Source looping pcm at rate (the bridge's rate).
func NewLoop(pcm []int16, rate int) *Loop {
	return &Loop{pcm: pcm, rate: rate, n: media.SamplesPerFrame(rate)}
}

// Next returns the next frame.
func (l *Loop) Next() media.Frame {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]int16, l.n)
	if len(l.pcm) == 0 {
		return media.Frame{Samples: out, Rate: l.rate}
	}
	for i := range out {
		out[i] = l.pcm[l.pos]
		l.pos = (l.pos + 1) % len(l.pcm)
	}
	return media.Frame{Samples: out, Rate: l.rate}
}
