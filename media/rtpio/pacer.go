package rtpio

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

const frameDuration = media.FrameDuration

// DefaultMaxQueue bounds a Pacer's outbound queue. Producers such as TTS may
// run ahead of real time; beyond this much queued audio the oldest is
// dropped (and counted).
const DefaultMaxQueue = 30 * time.Second

// comfortNoiseLevel is the peak amplitude of the comfort-noise option: about
// -66 dBov, audible as a faint hiss that tells the caller the line is up.
const comfortNoiseLevel = 16

// PacerConfig configures a Pacer.
type PacerConfig struct {
	// Codec encodes the audio; its Info gives the payload type, PCM rate
	// and RTP clock rate.
	Codec media.Codec
	// MaxQueue bounds the queued audio (DefaultMaxQueue if 0).
	MaxQueue time.Duration
	// ComfortNoise sends low-level noise instead of digital silence when
	// nothing is queued.
	ComfortNoise bool
	// DTMFPayloadType is the negotiated telephone-event payload type (101
	// if 0).
	DTMFPayloadType uint8
	// DTMFSender builds RFC 4733 payloads (EventPayloads if nil).
	DTMFSender DTMFSender
	// Logger (discarded if nil).
	Logger *slog.Logger
}

// Pacer sends one RTP packet every 20 ms on a Session: queued audio,
// silence (or comfort noise) when nothing is queued, and DTMF events. Its
// clock is a deadline schedule (start + n×20 ms on the monotonic clock), so
// there is no cumulative drift; a tick that wakes late sends at once and the
// schedule stays. RTP timestamps advance by one frame per tick, across
// silence; the marker bit is set on the first packet and on the first audio
// packet of each talkspurt (after silence or a DTMF event).
//
// WriteFrame, Flush, SendDTMF never block on the network. The Pacer owns a
// goroutine; Close stops it.
type Pacer struct {
	sess      *Session
	codec     media.Codec
	pt, dtmf  uint8
	rate      int    // PCM rate
	spf       int    // PCM samples per frame
	tsStep    uint32 // RTP clock units per frame
	clockRate int
	noise     bool
	sender    DTMFSender
	log       *slog.Logger

	mu      sync.Mutex
	q       sampleRing
	rs      rateConverter
	events  [][][]byte // queued DTMF events (payloads of each)
	sending bool
	st      PacerStats
	jit     LatenessHistogram

	// Pacer goroutine only.
	ts      uint32
	talking bool // the last packet was audio from the queue
	first   bool
	event   [][]byte // the DTMF event being played
	eventTS uint32
	eventI  int
	pcm     []int16
	payload []byte
	seed    uint32

	done      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// PacerStats are a Pacer's counters.
type PacerStats struct {
	// AudioFrames, SilenceFrames, DTMFPackets count ticks by what they sent.
	AudioFrames, SilenceFrames, DTMFPackets uint64
	// QueueOverflow is the audio dropped because the queue was full.
	QueueOverflow time.Duration
	// Flushed is the audio discarded by Flush.
	Flushed time.Duration
	// Resyncs counts times the clock fell behind by more than 1 s and
	// skipped ahead.
	Resyncs uint64
	// EncodeErrors and PacerSendErrors count failed encodes and sends.
	EncodeErrors, PacerSendErrors uint64
	// SendJitterP50 and SendJitterP99 are quantiles of how late packets
	// left versus their schedule (0.1 ms resolution).
	SendJitterP50, SendJitterP99 time.Duration
	// SendJitterMax is the worst lateness seen.
	SendJitterMax time.Duration
}

// NewPacer starts a pacer on sess. The first packet leaves at once.
func NewPacer(sess *Session, cfg PacerConfig) (*Pacer, error) {
	p, err := newPacer(sess, cfg)
	if err != nil {
		return nil, err
	}
	p.start()
	return p, nil
}

func (p *Pacer) start() {
	p.wg.Add(1)
	go p.run()
}

// newPacer returns a pacer whose goroutine is not started.
func newPacer(sess *Session, cfg PacerConfig) (*Pacer, error) {
	if cfg.Codec == nil {
		return nil, errors.New("rtpio: pacer: no codec")
	}
	info := cfg.Codec.Info()
	if info.Rate <= 0 || info.ClockRate <= 0 {
		return nil, fmt.Errorf("rtpio: pacer: codec %s has no rate", info.Name)
	}
	if cfg.MaxQueue <= 0 {
		cfg.MaxQueue = DefaultMaxQueue
	}
	if cfg.DTMFPayloadType == 0 {
		cfg.DTMFPayloadType = 101
	}
	if cfg.DTMFSender == nil {
		cfg.DTMFSender = EventPayloads
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Pacer{
		sess:      sess,
		codec:     cfg.Codec,
		pt:        info.PayloadType,
		dtmf:      cfg.DTMFPayloadType,
		rate:      info.Rate,
		spf:       media.SamplesPerFrame(info.Rate),
		tsStep:    uint32(info.ClockRate / 50),
		clockRate: info.ClockRate,
		noise:     cfg.ComfortNoise,
		sender:    cfg.DTMFSender,
		log:       cfg.Logger,
		sending:   true,
		first:     true,
		seed:      0x2545f491,
		done:      make(chan struct{}),
	}
	p.q.max = int(cfg.MaxQueue * time.Duration(info.Rate) / time.Second)
	p.pcm = make([]int16, p.spf)
	p.payload = make([]byte, 0, 4*p.spf)
	p.ts = rand.Uint32() // random initial timestamp (RFC 3550 5.1)
	return p, nil
}

// Rate returns the PCM rate the pacer encodes at.
func (p *Pacer) Rate() int { return p.rate }

// WriteFrame queues f (resampled if its rate differs). It never blocks;
// when the queue is full the oldest audio is dropped and counted.
func (p *Pacer) WriteFrame(f media.Frame) error {
	if f.Rate <= 0 {
		return fmt.Errorf("rtpio: frame without a sample rate")
	}
	select {
	case <-p.done:
		return fmt.Errorf("rtpio: pacer: %w", media.ErrClosed)
	default:
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s := f.Samples
	if f.Rate != p.rate {
		s = p.rs.resample(s, f.Rate, p.rate)
	}
	if d := p.q.write(s); d > 0 {
		p.st.QueueOverflow += p.samplesDur(d)
	}
	return nil
}

func (p *Pacer) samplesDur(n int) time.Duration {
	return time.Duration(n) * time.Second / time.Duration(p.rate)
}

// Flush drops the queued audio and returns its duration. A DTMF event being
// played is not interrupted.
func (p *Pacer) Flush() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	d := p.samplesDur(p.q.reset())
	p.st.Flushed += d
	return d
}

// Queued returns the duration of the queued audio.
func (p *Pacer) Queued() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.samplesDur(p.q.n)
}

// SendDTMF queues an RFC 4733 event for digit lasting d (100 ms if d <= 0).
// It plays at the next tick: queued audio pauses (it is not dropped) while
// the event's packets go out, one per 20 ms, with one RTP timestamp, the
// marker on the first, and the end packet sent three times.
func (p *Pacer) SendDTMF(digit rune, d time.Duration) error {
	if d <= 0 {
		d = 100 * time.Millisecond
	}
	payloads, err := p.sender(digit, d, p.clockRate)
	if err != nil {
		return err
	}
	if len(payloads) == 0 {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case !p.sending:
		return ErrNotSending
	case len(p.events) >= 32:
		return ErrQueueFull
	}
	p.events = append(p.events, payloads)
	return nil
}

// SetSending turns sending on or off (hold). While off the clock and
// timestamps keep running and queued audio is consumed in real time, but no
// RTP leaves; queued DTMF is dropped. The first packet after the hold has
// the marker bit.
func (p *Pacer) SetSending(on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.sending = on
	if !on {
		p.events = nil
	}
}

// Stats returns the pacer's counters.
func (p *Pacer) Stats() PacerStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := p.st
	st.SendJitterP50 = p.jit.Quantile(0.50)
	st.SendJitterP99 = p.jit.Quantile(0.99)
	st.SendJitterMax = p.jit.max
	return st
}

// SendLateness returns a copy of the histogram of how late the pacer's
// packets left.
func (p *Pacer) SendLateness() LatenessHistogram {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.jit
}

// Close stops the pacer and waits for its goroutine (a Leg's pacer has
// none: the leg's Clock ticks it).
func (p *Pacer) Close() error {
	p.closeOnce.Do(func() {
		close(p.done)
		p.wg.Wait()
	})
	return nil
}

func (p *Pacer) run() {
	defer p.wg.Done()
	clk := newFrameClock(time.Now(), frameDuration)
	defer clk.stop()
	for {
		sched, skipped, ok := clk.wait(p.done)
		if !ok {
			return
		}
		p.skip(skipped)
		p.tick(sched)
	}
}

// skip moves the timeline over n ticks that the clock skipped because it
// fell too far behind.
func (p *Pacer) skip(n int64) {
	if n <= 0 {
		return
	}
	p.ts += uint32(n) * p.tsStep
	p.talking = false
	p.mu.Lock()
	p.st.Resyncs++
	p.mu.Unlock()
	p.log.Debug("pacer fell behind, skipping", "frames", n)
}

// tick sends one packet: the current DTMF event's next packet, else a frame
// of queued audio, else silence.
func (p *Pacer) tick(sched time.Time) {
	p.mu.Lock()
	sending := p.sending
	if !sending {
		p.event = nil
	}
	if p.event == nil && len(p.events) > 0 {
		p.event, p.eventTS, p.eventI = p.events[0], p.ts, 0
		p.events[0] = nil
		p.events = p.events[1:]
	}
	var (
		pt      = p.pt
		ts      = p.ts
		marker  bool
		payload []byte
		audio   int
	)
	if p.event != nil {
		pt, ts = p.dtmf, p.eventTS
		payload = p.event[p.eventI]
		marker = p.eventI == 0
		p.eventI++
		if p.eventI == len(p.event) {
			p.event = nil
		}
		p.talking = false
		p.st.DTMFPackets++
	} else {
		audio = p.q.read(p.pcm)
		if audio > 0 {
			p.st.AudioFrames++
		} else {
			p.st.SilenceFrames++
		}
	}
	p.mu.Unlock()

	if payload == nil {
		if audio > 0 {
			clear(p.pcm[audio:])
			marker = !p.talking
			p.talking = true
		} else {
			p.silence()
			p.talking = false
		}
		var err error
		p.payload, err = p.codec.Encode(p.payload[:0], p.pcm)
		if err != nil {
			p.count(func(st *PacerStats) { st.EncodeErrors++ })
			p.ts += p.tsStep
			return
		}
		payload = p.payload
	}
	if p.first {
		marker, p.first = true, false
	}
	p.ts += p.tsStep
	if !sending {
		p.first = true // mark the first packet after the hold
		return
	}
	late := time.Since(sched)
	err := p.sess.WriteRTP(pt, marker, ts, payload)
	p.mu.Lock()
	p.jit.add(late)
	if err != nil {
		p.st.PacerSendErrors++
	}
	p.mu.Unlock()
}

func (p *Pacer) count(fn func(*PacerStats)) {
	p.mu.Lock()
	fn(&p.st)
	p.mu.Unlock()
}

// silence fills p.pcm with zeros or comfort noise.
func (p *Pacer) silence() {
	if !p.noise {
		clear(p.pcm)
		return
	}
	for i := range p.pcm {
		// xorshift32: cheap, good enough for a hiss.
		p.seed ^= p.seed << 13
		p.seed ^= p.seed >> 17
		p.seed ^= p.seed << 5
		p.pcm[i] = int16(int32(p.seed%(2*comfortNoiseLevel+1)) - comfortNoiseLevel)
	}
}

// LatenessHistogram counts packets by how late they left versus their
// schedule, in 0.1 ms buckets up to 50 ms (one overflow bucket above), for
// quantiles without allocation. Histograms of several legs add up, and one
// taken earlier subtracts from a later one of the same leg: what was sent
// in between.
type LatenessHistogram struct {
	b     [latenessBuckets]uint32
	count uint64
	max   time.Duration // of everything added, not kept by Sub
}

const (
	histStep        = 100 * time.Microsecond
	latenessBuckets = 501
)

func (h *LatenessHistogram) add(d time.Duration) {
	d = max(d, 0)
	i := min(int(d/histStep), len(h.b)-1)
	h.b[i]++
	h.count++
	h.max = max(h.max, d)
}

// Count is how many packets h holds.
func (h *LatenessHistogram) Count() uint64 { return h.count }

// Add adds o's packets to h.
func (h *LatenessHistogram) Add(o *LatenessHistogram) {
	for i, c := range o.b {
		h.b[i] += c
	}
	h.count += o.count
	h.max = max(h.max, o.max)
}

// Sub removes o's packets from h: o is an earlier snapshot of (part of)
// what h counts. The maximum becomes the upper edge of the highest bucket
// left (the exact maximum of a difference is not known).
func (h *LatenessHistogram) Sub(o *LatenessHistogram) {
	for i, c := range o.b {
		h.b[i] -= min(c, h.b[i])
	}
	h.count -= min(o.count, h.count)
	h.max = 0
	for i := len(h.b) - 1; i >= 0; i-- {
		if h.b[i] > 0 {
			h.max = time.Duration(i+1) * histStep
			break
		}
	}
}

// Max is the worst lateness counted (see Sub).
func (h *LatenessHistogram) Max() time.Duration { return h.max }

// Quantile returns the upper edge of the bucket holding quantile q (0 to
// 1), or Max for the overflow bucket; 0 when h is empty.
func (h *LatenessHistogram) Quantile(q float64) time.Duration {
	if h.count == 0 {
		return 0
	}
	rank := uint64(q*float64(h.count-1)) + 1
	var acc uint64
	for i, c := range h.b {
		acc += uint64(c)
		if acc >= rank {
			if i == len(h.b)-1 {
				return h.max
			}
			return time.Duration(i+1) * histStep
		}
	}
	return h.max
}
