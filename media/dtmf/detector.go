package dtmf

import (
	"math"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// DTMF frequencies: rows (low group) and columns (high group).
var (
	rowFreqs = [4]float64{697, 770, 852, 941}
	colFreqs = [4]float64{1209, 1336, 1477, 1633}
	keypad   = [4][4]rune{
		{'1', '2', '3', 'A'},
		{'4', '5', '6', 'B'},
		{'7', '8', '9', 'C'},
		{'*', '0', '#', 'D'},
	}
)

// Detection thresholds (power ratios unless stated).
const (
	// minTonePower is the least mean power of each tone: a sine of
	// amplitude 400 (about -38 dBFS, below the -25 dBm0 a sender may use).
	minTonePower = 400 * 400 / 2
	normalTwist  = 6.31 // 8 dB: the row tone may be this much stronger
	reverseTwist = 2.51 // 4 dB: the column tone may be this much stronger
	// relPeak: every other tone of a group is at least 8 dB below the best.
	relPeak = 6.31
	// minFraction of the window's power must be in the two tones.
	minFraction = 0.75
	// maxHarmonic: each tone's second harmonic is at least 10 dB down.
	maxHarmonic = 0.1
	// offFreq: a tone must be stronger at its nominal frequency than
	// 3.5% away (ITU-T Q.24 rejects tones off by more than 3.5%).
	offFreq = 0.035
	// onHits windows (20 ms long, 10 ms apart) in a row make a digit: a
	// 40 ms tone always fills two windows whatever its alignment, while
	// windows only partly filled fail minFraction, so 20 ms tones are
	// rejected. offMisses windows in a row end it: a pause of 30-40 ms.
	onHits    = 2
	offMisses = 2
)

// Detector finds DTMF digits in PCM audio with the Goertzel algorithm. It
// analyses 20 ms windows every 10 ms and accepts a window when both tones
// are above a threshold, the twist is within 8 dB (row stronger) or 4 dB
// (column stronger), the other tones of each group are 8 dB down, the two
// tones hold most of the power, their second harmonics are weak and each is
// closer to its nominal frequency than to 3.5% off. Two accepted windows
// in a row (40 ms of tone) make a digit, which is reported once, when the
// tone stops (after a pause of 30-40 ms) or on Flush. It works at any rate
// from 8 kHz (tested at 8 and 16 kHz). A Detector is not safe for
// concurrent use.
type Detector struct {
	rate    int
	n, hop  int
	coef    [16]float64 // rows, cols, 2×rows, 2×cols
	offLo   [8]float64  // rows, cols at -offFreq
	offHi   [8]float64  // rows, cols at +offFreq
	pending []float64
	start   time.Duration // media time of pending[0]
	started bool

	cand     rune // digit seen in the last windows
	hits     int
	misses   int
	on       bool // cand is a confirmed digit
	onAt     time.Duration
	lastSeen time.Duration // end of the last window holding cand
	out      []media.DTMF
}

// NewDetector returns a Detector; it takes the rate from the frames.
func NewDetector() *Detector { return &Detector{} }

func (d *Detector) setRate(rate int) {
	*d = Detector{rate: rate, n: rate / 50, hop: rate / 100, out: d.out[:0]}
	d.pending = make([]float64, 0, 2*d.n+rate/10)
	for i, f := range append(rowFreqs[:], colFreqs[:]...) {
		d.coef[i] = 2 * math.Cos(2*math.Pi*f/float64(rate))
		d.coef[i+8] = 2 * math.Cos(2*math.Pi*2*f/float64(rate))
		d.offLo[i] = 2 * math.Cos(2*math.Pi*f*(1-offFreq)/float64(rate))
		d.offHi[i] = 2 * math.Cos(2*math.Pi*f*(1+offFreq)/float64(rate))
	}
}

// Process analyses a frame and returns the digits that ended in it. The
// slice is reused by the next call. Frames should be contiguous; a change
// of rate restarts the detector.
func (d *Detector) Process(f media.Frame) []media.DTMF {
	d.out = d.out[:0]
	if f.Rate < media.Rate8k || len(f.Samples) == 0 {
		return d.out
	}
	if f.Rate != d.rate {
		d.setRate(f.Rate)
	}
	if !d.started {
		d.start, d.started = f.Timestamp, true
	}
	for _, s := range f.Samples {
		d.pending = append(d.pending, float64(s))
		if len(d.pending) == d.n {
			d.window()
			copy(d.pending, d.pending[d.hop:])
			d.pending = d.pending[:d.n-d.hop]
			d.start += d.dur(d.hop)
		}
	}
	return d.out
}

// Flush reports a digit whose tone is still on (end of stream).
func (d *Detector) Flush() []media.DTMF {
	d.out = d.out[:0]
	d.release()
	d.cand, d.hits, d.misses = 0, 0, 0
	return d.out
}

func (d *Detector) dur(samples int) time.Duration {
	return time.Duration(samples) * time.Second / time.Duration(d.rate)
}

// window analyses pending[:n] and runs the on/off state machine.
func (d *Detector) window() {
	digit := d.classify(d.pending[:d.n])
	end := d.start + d.dur(d.n)
	switch {
	case digit != 0 && digit == d.cand:
		d.hits++
		d.misses = 0
		d.lastSeen = end
	case digit != 0:
		// A different tone: the old one has stopped.
		d.release()
		d.cand, d.hits, d.misses = digit, 1, 0
		d.onAt, d.lastSeen = d.start, end
	default:
		d.misses++
		if d.misses >= offMisses {
			d.release()
			d.cand, d.hits = 0, 0
		}
	}
	if d.cand != 0 && !d.on && d.hits >= onHits {
		d.on = true
	}
}

// release reports the current digit if it was confirmed.
func (d *Detector) release() {
	if d.on {
		d.out = append(d.out, media.DTMF{Digit: d.cand, Timestamp: d.onAt, Duration: d.lastSeen - d.onAt, InBand: true})
	}
	d.on = false
}

// classify returns the digit a window holds, or 0.
func (d *Detector) classify(x []float64) rune {
	var total float64
	for _, v := range x {
		total += v * v
	}
	total /= float64(len(x))
	if total < 2*minTonePower {
		return 0
	}
	var p [16]float64
	for i := range 8 {
		p[i] = goertzel(x, d.coef[i])
	}
	row, col := best(p[0:4]), best(p[4:8])
	pr, pc := p[row], p[4+col]
	switch {
	case pr < minTonePower || pc < minTonePower:
		return 0
	case pr > pc*normalTwist || pc > pr*reverseTwist:
		return 0
	case pr+pc < minFraction*total:
		return 0
	}
	for i := range 4 {
		if i != row && p[i]*relPeak > pr || i != col && p[4+i]*relPeak > pc {
			return 0
		}
	}
	if goertzel(x, d.coef[8+row]) > maxHarmonic*pr || goertzel(x, d.coef[12+col]) > maxHarmonic*pc {
		return 0
	}
	if goertzel(x, d.offLo[row]) > pr || goertzel(x, d.offHi[row]) > pr ||
		goertzel(x, d.offLo[4+col]) > pc || goertzel(x, d.offHi[4+col]) > pc {
		return 0
	}
	return keypad[row][col]
}

// goertzel returns the mean power of the component at the frequency whose
// coefficient is coef (2cos ω): A²/2 for a sine of amplitude A.
func goertzel(x []float64, coef float64) float64 {
	var s1, s2 float64
	for _, v := range x {
		s1, s2 = v+coef*s1-s2, s1
	}
	n := float64(len(x))
	return 2 * (s1*s1 + s2*s2 - coef*s1*s2) / (n * n)
}

func best(p []float64) int {
	b := 0
	for i := range p {
		if p[i] > p[b] {
			b = i
		}
	}
	return b
}
