package vad

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// ErrOption is wrapped by New when an option value is out of range.
var ErrOption = errors.New("vad: invalid option")

// Defaults, tuned for 8 kHz phone calls (see doc.go).
const (
	// DefaultOnset is how much speech starts an utterance.
	DefaultOnset = 80 * time.Millisecond
	// DefaultHangover is how much non-speech ends one.
	DefaultHangover = 300 * time.Millisecond
	// DefaultMinLevel is the quietest frame level (dBFS) that can be
	// speech.
	DefaultMinLevel = -55.0
	// DefaultOnThreshold and DefaultOffThreshold are the mean band SNRs
	// (dB) above which a frame is speech, when not speaking and when
	// speaking (hysteresis).
	DefaultOnThreshold  = 5.5
	DefaultOffThreshold = 4.0
)

// minFloorSNR: a frame is speech only if its level is this many dB above
// the whole-band noise floor too.
const minFloorSNR = 3.0

// The on and off thresholds rise by up to maxLift dB when the statistic
// outside speech has a mean plus three standard deviations above the on
// threshold (tracked with statAlpha per frame, about 2 s).
const (
	maxLift   = 6.0
	statAlpha = 0.01
	statLevel = 6.0 // only frames this close to the noise floor (dB) count
)

// subBlocks per frame measure how much of a voiced frame is active, so
// that the onset counts speech, not frames (a 40 ms click spread over
// three frames counts 40 ms).
const subBlocks = 4

// subRange: a sub-block is active when within 20 dB of the frame's
// loudest (and above the noise floor), so that a loud burst's tail
// through the high-pass filter does not count.
const subRange = 100

// EventType says whether a frame starts or ends an utterance.
type EventType uint8

// Event types.
const (
	// None: no edge in this frame.
	None EventType = iota
	// SpeechStart: an utterance started; Event.Time is back-dated to its
	// first voiced sample.
	SpeechStart
	// SpeechEnd: the hangover ran out; Event.Time is the end of the last
	// voiced frame.
	SpeechEnd
)

// String returns "speech-start", "speech-end" or "none".
func (t EventType) String() string {
	switch t {
	case SpeechStart:
		return "speech-start"
	case SpeechEnd:
		return "speech-end"
	}
	return "none"
}

// Event is the detector's verdict on one frame.
type Event struct {
	// Type is SpeechStart or SpeechEnd on an edge, else None.
	Type EventType
	// Time of the edge in media time (the frames' timestamps): the first
	// voiced sample for SpeechStart, the end of the last voiced frame for
	// SpeechEnd. Zero for None.
	Time time.Duration
	// Speaking is the state after this frame: inside an utterance
	// (hangover included).
	Speaking bool
	// Voiced says this frame on its own looked like speech.
	Voiced bool
	// Level is the frame's level in dBFS after removing rumble below
	// 100 Hz.
	Level float64
	// SNR is the decision statistic in dB: the mean over the better half
	// of the speech bands of each band's power over its noise floor, each
	// band counted from 0 to 30 dB.
	SNR float64
}

// Option configures a Detector.
type Option func(*config)

type config struct {
	onset, hangover time.Duration
	minLevel        float64
	on, off         float64
}

// WithOnset sets how much speech (counted in 5 ms steps of voiced
// frames) starts an utterance; 20 ms to 1 s. Default DefaultOnset.
func WithOnset(d time.Duration) Option { return func(c *config) { c.onset = d } }

// WithHangover sets how long a pause ends an utterance; 20 ms to 5 s.
// Default DefaultHangover.
func WithHangover(d time.Duration) Option { return func(c *config) { c.hangover = d } }

// WithMinLevel sets the quietest level (dBFS) a speech frame may have;
// -100 to 0. SetMinLevel changes it later. Default DefaultMinLevel.
func WithMinLevel(dBFS float64) Option { return func(c *config) { c.minLevel = dBFS } }

// WithThresholds sets the mean band SNR (dB) a frame needs to be speech
// when not speaking (on) and while speaking (off ≤ on). Lower values
// find quieter speech and accept more noise. Defaults
// DefaultOnThreshold, DefaultOffThreshold.
func WithThresholds(on, off float64) Option {
	return func(c *config) { c.on, c.off = on, off }
}

// band is a range of FFT bins [lo, hi).
type band struct{ lo, hi int }

// bandEdges are the analysis bands in Hz: the telephone speech band in
// about third-octave steps. They are the same at every rate, so decisions
// do not depend on it.
var bandEdges = [...]float64{150, 300, 450, 600, 800, 1000, 1250, 1500, 1800, 2100, 2500, 2900, 3350, 3800}

// Detector decides frame by frame whether a stream carries speech.
//
// Process must be called from one goroutine at a time; SetMinLevel and
// the read-only accessors (Speaking, Level, NoiseFloor, SpeechDuration,
// SilenceDuration, MinLevel) are safe from any goroutine.
type Detector struct {
	rate     int
	cfg      config
	block    int // samples per analysis block (20 ms)
	onsetSub int // onset in sub-blocks
	hangBlk  int // hangover in blocks

	// filtering and analysis
	hp      biquad
	fft     *realFFT
	window  []float64
	buf     []float64 // FFT input
	pow     []float64 // bin powers
	bands   []band
	p       []float64 // band powers, then the whole-band power last
	tr      *tracker
	pending int // samples collected in buf
	subE    [subBlocks]float64

	// state
	speaking   bool
	runSub     int           // active sub-blocks in the current onset run
	runStart   time.Duration // media time of its first active sub-block
	quiet      int           // unvoiced blocks since the last voiced one
	lastVoiced time.Duration // end of the last voiced block
	clock      time.Duration // media time of the next sample
	started    bool
	blockStart time.Duration
	anyVoiced  bool
	scoreMean  float64 // mean of the statistic outside speech
	scoreSq    float64 // and of its square

	// published for other goroutines
	minLevel    atomic.Uint64 // float64 bits
	level       atomic.Uint64
	noiseFloor  atomic.Uint64
	speakingNow atomic.Bool
	speechDur   atomic.Int64
	silenceDur  atomic.Int64
}

// New returns a Detector for frames at rate Hz (8000 to 48000).
func New(rate int, opts ...Option) (*Detector, error) {
	if rate < media.Rate8k || rate > media.Rate48k {
		return nil, fmt.Errorf("%w: %d Hz (want 8000 to 48000)", media.ErrUnsupportedRate, rate)
	}
	cfg := config{
		onset: DefaultOnset, hangover: DefaultHangover, minLevel: DefaultMinLevel,
		on: DefaultOnThreshold, off: DefaultOffThreshold,
	}
	for _, o := range opts {
		o(&cfg)
	}
	switch {
	case cfg.onset < 20*time.Millisecond || cfg.onset > time.Second:
		return nil, fmt.Errorf("%w: onset %v (want 20ms to 1s)", ErrOption, cfg.onset)
	case cfg.hangover < 20*time.Millisecond || cfg.hangover > 5*time.Second:
		return nil, fmt.Errorf("%w: hangover %v (want 20ms to 5s)", ErrOption, cfg.hangover)
	case cfg.minLevel < media.MinLevel || cfg.minLevel > 0 || math.IsNaN(cfg.minLevel):
		return nil, fmt.Errorf("%w: min level %v dBFS (want -100 to 0)", ErrOption, cfg.minLevel)
	case !(cfg.off > 0 && cfg.off <= cfg.on && cfg.on <= 30):
		return nil, fmt.Errorf("%w: thresholds on %v, off %v dB (want 0 < off ≤ on ≤ 30)", ErrOption, cfg.on, cfg.off)
	}
	d := &Detector{rate: rate, cfg: cfg, block: rate / 50}
	sub := media.FrameDuration / subBlocks
	d.onsetSub = int((cfg.onset + sub - 1) / sub)
	d.hangBlk = int((cfg.hangover + media.FrameDuration - 1) / media.FrameDuration)
	n := 1
	for n < d.block {
		n <<= 1
	}
	d.fft = newRealFFT(n)
	d.buf = make([]float64, n)
	d.pow = make([]float64, n/2+1)
	d.window = make([]float64, d.block)
	var wsum float64
	for i := range d.window {
		d.window[i] = 0.5 - 0.5*math.Cos(2*math.Pi*(float64(i)+0.5)/float64(d.block))
		wsum += d.window[i] * d.window[i]
	}
	binHz := float64(rate) / float64(n)
	for i := 0; i+1 < len(bandEdges); i++ {
		lo := int(math.Round(bandEdges[i] / binHz))
		hi := int(math.Round(bandEdges[i+1] / binHz))
		d.bands = append(d.bands, band{lo, max(hi, lo+1)})
	}
	// Absolute floors: -90 dBFS white noise in each band and overall.
	floor := make([]float64, len(d.bands)+1)
	const silence = 1e-9 * 32768 * 32768
	for i := range d.bands {
		floor[i] = silence * wsum
	}
	floor[len(d.bands)] = silence
	d.p = make([]float64, len(floor))
	d.tr = newTracker(floor)
	d.hp = highpass(100, rate)
	d.minLevel.Store(math.Float64bits(cfg.minLevel))
	d.Reset()
	return d, nil
}

// Rate returns the sample rate the detector expects.
func (d *Detector) Rate() int { return d.rate }

// Reset forgets the stream: the noise floor is learnt again from the
// next frame, and the detector is not speaking. The minimum level stays.
func (d *Detector) Reset() {
	d.hp.reset()
	d.tr.reset()
	d.pending = 0
	d.speaking, d.runSub, d.quiet, d.anyVoiced = false, 0, 0, false
	d.scoreMean, d.scoreSq = 2, 4
	d.started = false
	d.clock, d.lastVoiced, d.runStart = 0, 0, 0
	d.level.Store(math.Float64bits(media.MinLevel))
	d.noiseFloor.Store(math.Float64bits(media.MinLevel))
	d.speakingNow.Store(false)
	d.speechDur.Store(0)
	d.silenceDur.Store(0)
}

// SetMinLevel changes the quietest level (dBFS) a speech frame may have,
// from any goroutine: raise it while the bot talks to ignore residual
// echo, lower it again afterwards.
func (d *Detector) SetMinLevel(dBFS float64) {
	d.minLevel.Store(math.Float64bits(min(0, max(media.MinLevel, dBFS))))
}

// MinLevel returns the current minimum speech level in dBFS.
func (d *Detector) MinLevel() float64 { return math.Float64frombits(d.minLevel.Load()) }

// Speaking reports whether the stream is inside an utterance.
func (d *Detector) Speaking() bool { return d.speakingNow.Load() }

// Level returns the last frame's level in dBFS (media.MinLevel before any
// frame).
func (d *Detector) Level() float64 { return math.Float64frombits(d.level.Load()) }

// NoiseFloor returns the estimated noise floor of the stream in dBFS.
func (d *Detector) NoiseFloor() float64 { return math.Float64frombits(d.noiseFloor.Load()) }

// SpeechDuration returns how long the current utterance has lasted, from
// its back-dated start to the end of the last frame; 0 when not speaking.
func (d *Detector) SpeechDuration() time.Duration { return time.Duration(d.speechDur.Load()) }

// SilenceDuration returns the time since the end of the last voiced
// frame (since the stream started when there was none): the length of the
// current pause, which end-of-turn logic compares with its timeout. It is
// 0 after a voiced frame.
func (d *Detector) SilenceDuration() time.Duration { return time.Duration(d.silenceDur.Load()) }

// Process analyses one frame and returns its Event. Frames should be
// contiguous, at the detector's rate, about 20 ms long; frames at another
// rate are ignored (Event{} is returned). A frame whose timestamp is
// ahead of the previous frame's end (a gap) moves the clock forward;
// frames without timestamps are timed by their length. Longer frames are
// analysed in 20 ms blocks; the returned Event is the last block's, with
// the first edge seen in the frame.
func (d *Detector) Process(f media.Frame) Event {
	if f.Rate != d.rate || len(f.Samples) == 0 {
		return Event{}
	}
	if !d.started || f.Timestamp > d.clock {
		d.clock = f.Timestamp
		d.started = true
	}
	var ev, edge Event
	s := f.Samples
	for len(s) > 0 {
		if d.pending == 0 {
			d.blockStart = d.clock
		}
		n := min(len(s), d.block-d.pending)
		d.filter(s[:n])
		d.pending += n
		d.clock += d.dur(n)
		s = s[n:]
		if d.pending == d.block {
			ev = d.analyse()
			d.pending = 0
			if edge.Type == None && ev.Type != None {
				edge = ev
			}
		}
	}
	if edge.Type != None {
		ev.Type, ev.Time = edge.Type, edge.Time
	}
	return ev
}

func (d *Detector) dur(samples int) time.Duration {
	return time.Duration(samples) * time.Second / time.Duration(d.rate)
}

// filter high-passes samples into buf after the pending ones, and adds up
// the sub-block energies.
func (d *Detector) filter(s []int16) {
	subLen := d.block / subBlocks
	for i, v := range s {
		j := d.pending + i
		y := d.hp.step(float64(v))
		d.buf[j] = y
		d.subE[min(j/subLen, subBlocks-1)] += y * y
	}
}

// analyse runs the detector on a full block in buf.
func (d *Detector) analyse() Event {
	var energy float64
	for _, e := range d.subE {
		energy += e
	}
	ms := energy / float64(d.block)
	level := max(media.MinLevel, db(ms/(32768*32768)))
	for i, w := range d.window {
		d.buf[i] *= w
	}
	clear(d.buf[d.block:])
	d.fft.power(d.buf, d.pow)
	nb := len(d.bands)
	for i, b := range d.bands {
		var sum float64
		for _, p := range d.pow[b.lo:b.hi] {
			sum += p
		}
		d.p[i] = sum / float64(b.hi-b.lo)
	}
	d.p[nb] = ms

	// Score against the noise floor learnt so far.
	var snr float64
	if d.tr.init {
		snr = score(d.p[:nb], d.tr.noise[:nb])
	}
	floorDB := db(d.tr.noise[nb] / (32768 * 32768))
	if !d.tr.init {
		floorDB = level
	}
	// The start threshold rises with the spread of the statistic
	// outside speech: non-stationary noise (babble, traffic) needs more.
	lift := min(maxLift, max(0, d.scoreMean+3*math.Sqrt(max(0, d.scoreSq-d.scoreMean*d.scoreMean))-d.cfg.on))
	thr := d.cfg.on + lift
	if d.speaking {
		thr = d.cfg.off
	}
	voiced := d.tr.init && snr >= thr && level >= d.MinLevel() && level >= floorDB+minFloorSNR

	// Active sub-blocks of a voiced block: those clearly above the floor.
	active, first := 0, -1
	if voiced {
		var loudest float64
		for _, e := range d.subE {
			loudest = max(loudest, e)
		}
		subThr := max(d.tr.noise[nb]*2*float64(d.block/subBlocks), loudest/subRange)
		for i, e := range d.subE {
			if e >= subThr {
				active++
				if first < 0 {
					first = i
				}
			}
		}
		if active == 0 {
			active, first = 1, subBlocks-1
		}
	}
	clear(d.subE[:])
	d.tr.update(d.p, voiced)
	if !d.speaking && !voiced && d.tr.init && level < floorDB+statLevel {
		d.scoreMean += statAlpha * (snr - d.scoreMean)
		d.scoreSq += statAlpha * (snr*snr - d.scoreSq)
	}

	ev := d.step(voiced, active, first)
	ev.Voiced, ev.Level, ev.SNR = voiced, level, snr
	d.level.Store(math.Float64bits(level))
	d.noiseFloor.Store(math.Float64bits(max(media.MinLevel, db(d.tr.noise[nb]/(32768*32768)))))
	return ev
}

// step runs the onset/hangover state machine for one block.
func (d *Detector) step(voiced bool, active, first int) Event {
	end := d.blockStart + d.dur(d.block)
	sub := media.FrameDuration / subBlocks
	var ev Event
	if voiced {
		d.quiet = 0
		d.lastVoiced = end
		d.anyVoiced = true
		if !d.speaking {
			if d.runSub == 0 {
				d.runStart = d.blockStart + time.Duration(first)*sub
			}
			d.runSub += active
			if d.runSub >= d.onsetSub {
				d.speaking = true
				ev = Event{Type: SpeechStart, Time: d.runStart}
			}
		}
	} else {
		d.runSub = 0
		if d.speaking {
			d.quiet++
			if d.quiet >= d.hangBlk {
				d.speaking = false
				ev = Event{Type: SpeechEnd, Time: d.lastVoiced}
			}
		}
	}
	ev.Speaking = d.speaking
	d.speakingNow.Store(d.speaking)
	if d.speaking {
		d.speechDur.Store(int64(end - d.runStart))
	} else {
		d.speechDur.Store(0)
	}
	if voiced {
		d.silenceDur.Store(0)
	} else if d.anyVoiced {
		d.silenceDur.Store(int64(end - d.lastVoiced))
	} else {
		d.silenceDur.Store(d.silenceDur.Load() + int64(d.dur(d.block)))
	}
	return ev
}

// biquad is a second-order IIR section (transposed direct form II).
type biquad struct {
	b0, b1, b2, a1, a2 float64
	z1, z2             float64
}

// highpass returns a Butterworth high-pass at fc Hz.
func highpass(fc float64, rate int) biquad {
	w := 2 * math.Pi * fc / float64(rate)
	alpha := math.Sin(w) / (2 * math.Sqrt2 / 2)
	cw := math.Cos(w)
	a0 := 1 + alpha
	return biquad{
		b0: (1 + cw) / 2 / a0, b1: -(1 + cw) / a0, b2: (1 + cw) / 2 / a0,
		a1: -2 * cw / a0, a2: (1 - alpha) / a0,
	}
}

func (b *biquad) reset() { b.z1, b.z2 = 0, 0 }

func (b *biquad) step(x float64) float64 {
	y := b.b0*x + b.z1
	b.z1 = b.b1*x - b.a1*y + b.z2
	b.z2 = b.b2*x - b.a2*y
	return y
}

// score is the decision statistic: the mean, over the better half of the
// bands, of each band's SNR in dB (counted from 0 to 30 dB). Speech puts
// its energy in a few bands (formants), so the better half separates it
// from stationary noise at low SNR better than the mean of all bands does.
func score(p, n []float64) float64 {
	var top [len(bandEdges)]float64
	k := 0
	for i := range p {
		v := min(30, max(0, db(p[i]/n[i])))
		j := k
		for ; j > 0 && top[j-1] < v; j-- {
			top[j] = top[j-1]
		}
		top[j] = v
		k++
	}
	var s float64
	h := (k + 1) / 2
	for _, v := range top[:h] {
		s += v
	}
	return s / float64(h)
}
