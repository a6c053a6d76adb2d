package aec

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// ErrOption is wrapped by New when an option value is out of range.
var ErrOption = errors.New("aec: invalid option")

// Defaults.
const (
	// DefaultMaxDelay is the longest echo delay searched: round trips up
	// to 500 ms plus the outbound queue.
	DefaultMaxDelay = 600 * time.Millisecond
	// DefaultFilterLength is the span of the adaptive filter around the
	// bulk delay: a network hybrid's dispersion.
	DefaultFilterLength = 8 * time.Millisecond
)

// Tuning.
const (
	// mu is the NLMS step size.
	mu = 0.5
	// subBlocksPerFrame: double talk is decided every eighth of a frame
	// (2.5 ms).
	subBlocksPerFrame = 8
	// dtMargin: the residual of a sub-block is near-end speech when its
	// power exceeds dtMargin times the expected residual echo plus
	// noiseMargin times the noise floor.
	dtMargin    = 4.0
	noiseMargin = 4.0
	// inMargin: and the input power must exceed inMargin times the power
	// of the echo estimate (the filter's output).
	inMargin = 2.0
	// dtHangover keeps adaptation frozen after near-end speech.
	dtHangover = 40 * time.Millisecond
	// stuckAfter: unexpected residual this long while the input keeps
	// following the reference (short-term envelope correlation above
	// stuckCorr) is an echo path change: the coupling estimate restarts.
	stuckAfter = 300 * time.Millisecond
	stuckCorr  = 0.6
	// couplingAlpha smooths the residual coupling per single-talk
	// sub-block (2.5 ms).
	couplingAlpha = 0.02
	// statAlpha smooths the powers behind ERLE and ERL.
	statAlpha = 0.01
	// lockRho is the normalised envelope correlation a delay needs to be
	// taken; lockMargin over the best correlation elsewhere; lockEvidence
	// the active reference blocks (2 ms) seen; lockFrames the frames the
	// candidate must hold.
	lockRho = 0.35
	// quietLockRho is the correlation a delay needs on a line found quiet
	// (WithQuietLine): far above what a caller's speech reaches by
	// chance against the bot's.
	quietLockRho = 0.8
	lockMargin   = 1.15
	lockEvidence = 100
	lockFrames   = 3
	// relockERLE: a new delay is taken only while the filter's recent
	// ERLE (frames with reference, smoothed by recentAlpha) is below
	// 6 dB.
	relockERLE  = 4.0
	recentAlpha = 0.1
	// relockFrames a different delay must hold, with a correlation
	// relockGain above the locked one, to replace it.
	relockFrames = 5
	relockGain   = 0.1
	// refFloor: reference power (full scale 1) below which a sub-block
	// cannot carry echo worth cancelling (-60 dBFS).
	refFloor = 1e-6
	// quietAbs is the input power (-70 dBFS) that counts as quiet on a
	// digitally silent line.
	quietAbs = 1e-7
	// adaptFloor: the filter adapts only on reference above -50 dBFS,
	// where G.711's quantisation noise does not swamp the echo.
	adaptFloor = 1e-5
	// erleGood is the filter's long-term ERLE (power ratio, 15 dB) above
	// which a frame whose own ERLE is below lowERLE (6 dB) holds a caller.
	erleGood = 31.6
	lowERLE  = 4.0
	// noEcho: an echo estimate 30 dB below the reference is no echo.
	noEcho = 1e-3
	// weakEcho: the echo power gain assumed (-30 dB) when the bot has
	// talked for a while and no delay was found.
	weakEcho = 0.001
	// noGain: nor is one the filter removes less than 1 dB of.
	noGain = 1.26
	// convergedLoss: converged when the residual in single talk is at
	// least 20 dB below the reference (ERL + ERLE ≥ 20 dB).
	convergedLoss = 100
)

// Option configures a Canceller.
type Option func(*config)

type config struct {
	maxDelay   time.Duration
	filterLen  time.Duration
	suppressor bool
	quietLine  time.Duration
}

// DefaultQuietLine is how long the line must stay at its noise floor
// while the bot talks, before any echo delay is known, for the canceller
// to conclude that the line carries no echo (see WithQuietLine).
const DefaultQuietLine = 450 * time.Millisecond

// WithQuietLine sets how long the input must stay at the noise floor
// while the reference is active for the canceller to conclude, before it
// has found an echo delay, that there is no echo: until then a caller
// must be clearly louder than the bot to pass, after it the caller
// passes at any level (a barge-in early in the bot's first prompt on a
// clean line). It should exceed the longest echo delay expected; 0
// turns the shortcut off (the echo is then ruled out only by the
// correlation search, after the bot has talked about a second).
func WithQuietLine(d time.Duration) Option { return func(c *config) { c.quietLine = d } }

// WithMaxDelay sets the longest echo delay (round trip plus outbound
// queue) searched: 100 ms to 2 s. Cost grows with it. Default
// DefaultMaxDelay.
func WithMaxDelay(d time.Duration) Option { return func(c *config) { c.maxDelay = d } }

// WithFilterLength sets the span of the adaptive filter around the
// estimated delay: 2 to 64 ms. Cost grows with it (and with the rate).
// Default DefaultFilterLength.
func WithFilterLength(d time.Duration) Option { return func(c *config) { c.filterLen = d } }

// WithSuppressor turns the residual echo suppressor on (the default) or
// off. Off, Process returns the linear canceller's output, in which some
// echo remains (ERLE, typically 20-30 dB below the echo).
func WithSuppressor(on bool) Option { return func(c *config) { c.suppressor = on } }

// Canceller removes the echo of what a bot plays from what the caller's
// side sends back.
//
// Reference and Flush may be called from another goroutine than Process;
// Process must be called from one goroutine at a time. The accessors
// (EchoDelay, ERLE, Converged, Stats) are safe from any goroutine.
type Canceller struct {
	rate     int
	cfg      config
	taps     int // filter length in samples
	pre      int // taps before the estimated delay
	sub      int // samples per double-talk sub-block
	envLen   int // samples per envelope block
	lags     int // envelope lags
	histLen  int
	maxDelay int // samples

	mu    sync.Mutex // guards queue and rs
	queue []int16    // reference not yet consumed, FIFO
	qHead int
	rs    *media.Resampler
	rsBuf []int16

	hist    []float64 // reference history, written twice (see window)
	sq      []float64 // its squares, same layout
	written int64     // reference samples written to hist
	lastRef int64     // absolute index of the last active reference sample

	de    *delayEstimator
	f     *nlms
	envX  float64 // envelope block accumulators
	envY  float64
	envN  int
	frame int64 // frames processed

	locked bool
	// quiet counts samples the input stayed at the noise floor while the
	// reference was active and no delay was known; quietMax ends the
	// search for an echo (see WithQuietLine).
	quiet, quietMax int
	// quietSeen: the line was found quiet; a lock then needs a much
	// stronger correlation (a caller talking over the bot must not be
	// taken for an echo).
	quietSeen bool
	delay     float64 // estimated delay in samples
	offset    int     // filter window offset: delay - pre
	candLag   float64
	candHold  int
	// coupling is the residual echo power over the reference power
	// after the linear filter, learnt in single talk; gPre the echo
	// path's power gain assumed before a delay is locked.
	coupling  float64
	gPre      float64
	envGain   float64 // echo power gain from the envelopes at the lock
	lockRho   float64 // envelope correlation at the lock
	dtHang    int     // samples of double-talk hangover left
	dtRun     int     // samples of consecutive unexpected residual with reference
	step      float64 // NLMS step scale (1: full)
	adapted   int     // samples adapted since the lock
	noise     float64
	noiseInit bool
	minNoise  minTracker
	sumY      float64 // smoothed powers for ERLE and ERL
	sumE      float64
	sumX      float64
	sumH      float64 // and of the echo estimate
	banned    float64 // a delay found to carry no echo (samples, -1: none)
	bannedRho float64
	doubleTlk bool
	recentY   float64 // input and residual powers of recent frames with reference
	recentE   float64

	// per frame
	y, e []float64
	out  []int16
	refP []float64 // reference frame powers of the last maxDelay
	refI int

	nlp *suppressor

	statsMu sync.Mutex
	stats   Stats
}

// Stats describes the canceller's state after the last frame.
type Stats struct {
	// Delay is the estimated echo delay (0 until one is found).
	Delay time.Duration
	// Locked: an echo and its delay have been found.
	Locked bool
	// Converged: locked, and the residual after the linear filter is at
	// least 20 dB below the reference in single talk (ERL + ERLE ≥ 20 dB).
	Converged bool
	// ERL is the echo return loss in dB: reference over echo power.
	ERL float64
	// ERLE is the echo return loss enhancement of the linear filter in
	// dB: echo power over residual power, in single talk.
	ERLE float64
	// DoubleTalk: the last frame held near-end (caller) speech while the
	// reference was active.
	DoubleTalk bool
	// Suppressing: the residual echo suppressor replaced the last frame
	// (or part of it) with comfort noise.
	Suppressing bool
	// NoiseFloor of the input in dBFS.
	NoiseFloor float64
}

// New returns a Canceller for input frames at rate (8000, 16000 or
// 48000 Hz). Reference frames at another of these rates are resampled.
func New(rate int, opts ...Option) (*Canceller, error) {
	switch rate {
	case media.Rate8k, media.Rate16k, media.Rate48k:
	default:
		return nil, fmt.Errorf("%w: %d Hz (want 8000, 16000 or 48000)", media.ErrUnsupportedRate, rate)
	}
	cfg := config{maxDelay: DefaultMaxDelay, filterLen: DefaultFilterLength, suppressor: true, quietLine: DefaultQuietLine}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.maxDelay < 100*time.Millisecond || cfg.maxDelay > 2*time.Second {
		return nil, fmt.Errorf("%w: max delay %v (want 100ms to 2s)", ErrOption, cfg.maxDelay)
	}
	if cfg.filterLen < 2*time.Millisecond || cfg.filterLen > 64*time.Millisecond {
		return nil, fmt.Errorf("%w: filter length %v (want 2ms to 64ms)", ErrOption, cfg.filterLen)
	}
	c := &Canceller{rate: rate, cfg: cfg}
	c.taps = samples(rate, cfg.filterLen) &^ 3
	c.pre = c.taps / 4
	frame := media.SamplesPerFrame(rate)
	c.sub = frame / subBlocksPerFrame
	c.envLen = rate * envBlock / 1000
	c.maxDelay = samples(rate, cfg.maxDelay)
	if cfg.quietLine < 0 {
		return nil, fmt.Errorf("%w: quiet line %v is negative", ErrOption, cfg.quietLine)
	}
	c.quietMax = samples(rate, cfg.quietLine)
	c.lags = c.maxDelay/c.envLen + 1
	// History: the largest delay, the filter, and a frame of slack.
	c.histLen = c.maxDelay + c.taps + 2*frame
	c.hist = make([]float64, 2*c.histLen)
	c.sq = make([]float64, 2*c.histLen)
	c.queue = make([]int16, 0, 4*frame)
	c.de = newDelayEstimator(c.lags)
	c.f = newNLMS(c.taps, mu)
	c.y = make([]float64, frame)
	c.e = make([]float64, frame)
	c.out = make([]int16, 0, frame)
	c.refP = make([]float64, cfg.maxDelay/media.FrameDuration+2)
	c.nlp = newSuppressor(frame)
	c.minNoise = newMinTracker(100) // 2 s
	c.Reset()
	return c, nil
}

func samples(rate int, d time.Duration) int { return int(int64(d) * int64(rate) / int64(time.Second)) }

// Rate returns the input rate.
func (c *Canceller) Rate() int { return c.rate }

// Reset forgets the echo path and the queued reference, as for a new
// call.
func (c *Canceller) Reset() {
	c.mu.Lock()
	c.queue, c.qHead = c.queue[:0], 0
	if c.rs != nil {
		c.rs.Reset()
	}
	c.mu.Unlock()
	clear(c.hist)
	clear(c.sq)
	c.written, c.lastRef = 0, -1<<40
	c.de.reset()
	c.f.reset()
	c.envX, c.envY, c.envN = 0, 0, 0
	c.frame = 0
	c.unlock()
	c.gPre = 1
	c.quiet, c.quietSeen = 0, false
	c.banned, c.bannedRho = -1, 0
	c.noise, c.noiseInit = 0, false
	c.minNoise.reset()
	clear(c.refP)
	c.nlp.reset()
	c.publish()
}

func (c *Canceller) unlock() {
	c.locked = false
	c.delay, c.offset = 0, 0
	c.candHold = 0
	c.coupling = 1
	c.dtHang, c.dtRun, c.adapted = 0, 0, 0
	c.step = 1
	c.sumY, c.sumE, c.sumX, c.sumH = 0, 0, 0, 0
	c.recentY, c.recentE = 0, 0
	c.f.reset()
}

// Reference queues a frame the bot sends to the caller. Call it with each
// frame, in order, when the frame is written to the leg; Process consumes
// one frame's duration of it per input frame, so the queue plays the part
// of the leg's outbound queue, and what is not queued is silence. Frames
// at another supported rate are resampled; others are ignored.
func (c *Canceller) Reference(f media.Frame) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := f.Samples
	if f.Rate != c.rate {
		if c.rs == nil || !c.rsRates(f.Rate) {
			rs, err := media.NewResampler(f.Rate, c.rate)
			if err != nil {
				return
			}
			c.rs = rs
		}
		c.rsBuf = c.rs.Resample(c.rsBuf[:0], s)
		s = c.rsBuf
	}
	if c.qHead > 0 && len(c.queue)+len(s) > cap(c.queue) {
		n := copy(c.queue, c.queue[c.qHead:])
		c.queue, c.qHead = c.queue[:n], 0
	}
	c.queue = append(c.queue, s...)
}

func (c *Canceller) rsRates(from int) bool {
	f, _ := c.rs.Rates()
	return f == from
}

// Flush drops the queued reference: call it when the leg's outbound queue
// is flushed (barge-in).
func (c *Canceller) Flush() {
	c.mu.Lock()
	c.queue, c.qHead = c.queue[:0], 0
	c.mu.Unlock()
}

// Queued returns how much reference is queued and not yet consumed.
func (c *Canceller) Queued() time.Duration {
	c.mu.Lock()
	n := len(c.queue) - c.qHead
	c.mu.Unlock()
	return time.Duration(n) * time.Second / time.Duration(c.rate)
}

// pop moves n samples of queued reference (zeros when the queue runs
// short) into the history.
func (c *Canceller) pop(n int) {
	c.mu.Lock()
	avail := min(n, len(c.queue)-c.qHead)
	q := c.queue[c.qHead : c.qHead+avail]
	for i := range n {
		var v float64
		if i < avail {
			v = float64(q[i]) / 32768
		}
		c.write(v)
	}
	c.qHead += avail
	if c.qHead == len(c.queue) {
		c.queue, c.qHead = c.queue[:0], 0
	}
	c.mu.Unlock()
}

// write appends one reference sample to the history.
func (c *Canceller) write(v float64) {
	i := int(c.written % int64(c.histLen))
	c.hist[i], c.hist[i+c.histLen] = v, v
	c.sq[i], c.sq[i+c.histLen] = v*v, v*v
	if v > 1.0/8192 || v < -1.0/8192 {
		c.lastRef = c.written
	}
	c.written++
}

// window returns the n reference samples ending at absolute index end
// (exclusive), contiguous.
func (c *Canceller) window(buf []float64, end int64, n int) []float64 {
	start := int((end - int64(n)) % int64(c.histLen))
	if start < 0 {
		start += c.histLen
	}
	return buf[start : start+n]
}

// Process removes the echo from one input frame and returns the residual,
// in a buffer of the Canceller that the next call overwrites. The frame
// keeps in's rate and timestamp. Input at another rate is returned as it
// is. While no reference has been active within the echo delay (the
// maximum delay before one is found), the input is passed through
// unchanged. Frames longer than 20 ms are processed 20 ms at a time.
func (c *Canceller) Process(in media.Frame) media.Frame {
	if in.Rate != c.rate || len(in.Samples) == 0 {
		return in
	}
	n := len(in.Samples)
	if n > cap(c.out) {
		c.out = make([]int16, n)
	}
	out := c.out[:n]
	frame := len(c.y)
	for s := 0; s < n; s += frame {
		e := min(n, s+frame)
		c.chunk(in.Samples[s:e], out[s:e])
	}
	c.publish()
	return media.Frame{Samples: out, Rate: in.Rate, Timestamp: in.Timestamp}
}

// chunk processes up to 20 ms of input into out.
func (c *Canceller) chunk(in, out []int16) {
	n := len(in)
	y, e := c.y[:n], c.e[:n]
	var py float64
	for i, s := range in {
		v := float64(s) / 32768
		y[i] = v
		py += v * v
	}
	py /= float64(n)
	start := c.written // absolute index of the chunk's first sample
	c.pop(n)
	c.frame++
	c.envelopes(start, y)
	c.track()

	// Reference power of this chunk, for the bound before a lock.
	var px float64
	for _, v := range c.window(c.sq, c.written, n) {
		px += v
	}
	c.refP[c.refI] = px / float64(n)
	c.refI = (c.refI + 1) % len(c.refP)

	span := int64(c.maxDelay + c.taps + n)
	if c.locked {
		span = int64(c.offset + c.taps + n)
	}
	if c.written-c.lastRef > span {
		// No reference within reach: nothing to cancel. Learn the line's
		// noise for the comfort noise.
		copy(out, in)
		c.updateNoise(py)
		c.nlp.learn(y, py, c.noise)
		c.nlp.idle()
		c.doubleTlk = false
		return
	}

	var pxa, pyh float64 // reference power over the echo support, echo estimate power
	if c.locked {
		pyh = c.cancel(start, y, e)
		c.recentre()
		c.verify()
		w := c.window(c.sq, start+int64(n)-int64(c.offset), n+c.taps)
		for _, v := range w {
			pxa += v
		}
		pxa /= float64(len(w))
	} else {
		// Delay unknown: the echo can be as loud as the loudest recent
		// reference times the assumed gain.
		copy(e, y)
		for _, v := range c.refP {
			pxa = max(pxa, v)
		}
		// A line that stays at its noise floor for a while as the bot
		// talks has no echo worth the name.
		if c.quietMax > 0 && c.gPre > weakEcho && pxa >= refFloor {
			if py <= noiseMargin*c.noise+quietAbs {
				c.quiet += n
				if c.quiet >= c.quietMax {
					c.gPre = weakEcho
					c.quietSeen = true
				}
			} else {
				c.quiet = 0
			}
		}
		pyh = c.gPre * pxa
	}
	var pe float64
	for _, v := range e {
		pe += v * v
	}
	pe /= float64(n)
	c.updateNoise(pe)
	if c.locked && pxa >= adaptFloor {
		c.recentY += recentAlpha * (py - c.recentY)
		c.recentE += recentAlpha * (pe - c.recentE)
	}

	// The caller is talking when the residual holds more than the
	// filter leaves of an echo, and the input is louder than the echo
	// estimate (the filter's output).
	coupling := c.gPre
	if c.locked {
		coupling = c.coupling
	}
	nearRes := pe > dtMargin*coupling*pxa+noiseMargin*c.noise
	nearIn := py > inMargin*pyh+noiseMargin*c.noise
	good := c.locked && c.sumY > erleGood*c.sumE
	if !good {
		// Until the filter cancels well its estimate may fall short: the
		// input must also beat the echo the envelopes suggest.
		nearIn = nearIn && py > inMargin*c.envGain*pxa+noiseMargin*c.noise
	}
	// Once it cancels well, a residual within 6 dB of the input is a
	// caller even when the input is no louder than the echo (an echo as
	// loud as the bot, a quiet caller).
	near := nearRes && (nearIn || (good && pe*lowERLE > py))
	if c.cfg.suppressor {
		c.nlp.process(e, out, near || pxa < refFloor, c.noise)
	} else {
		for i, v := range e {
			out[i] = sat(v)
		}
	}
	c.doubleTlk = near && pxa >= refFloor
}

// EchoDelay returns the estimated echo delay, 0 while none is known. It
// includes the time the reference waited in the queue.
func (c *Canceller) EchoDelay() time.Duration { return c.Stats().Delay }

// ERLE returns the linear filter's echo return loss enhancement in dB,
// for statistics.
func (c *Canceller) ERLE() float64 { return c.Stats().ERLE }

// Converged reports whether the echo path is known well enough: delay
// locked and the residual at least 20 dB below the reference.
func (c *Canceller) Converged() bool { return c.Stats().Converged }

// Stats returns the canceller's state after the last frame.
func (c *Canceller) Stats() Stats {
	c.statsMu.Lock()
	defer c.statsMu.Unlock()
	return c.stats
}

func (c *Canceller) publish() {
	s := Stats{
		Locked: c.locked, DoubleTalk: c.doubleTlk, Suppressing: c.nlp.suppressing,
		NoiseFloor: max(media.MinLevel, 10*math.Log10(max(c.noise, 1e-10))),
	}
	if c.locked {
		s.Delay = time.Duration(c.delay * float64(time.Second) / float64(c.rate))
		if c.sumE > 0 && c.sumY > 0 {
			s.ERLE = 10 * math.Log10(c.sumY/c.sumE)
			s.ERL = 10 * math.Log10(c.sumX/c.sumY)
		}
		s.Converged = c.adapted >= samples(c.rate, 200*time.Millisecond) && c.sumE*convergedLoss <= c.sumX
	}
	c.statsMu.Lock()
	c.stats = s
	c.statsMu.Unlock()
}

func sat(v float64) int16 {
	v = math.Round(v * 32768)
	if v > 32767 {
		return 32767
	}
	if v < -32768 {
		return -32768
	}
	return int16(v)
}
