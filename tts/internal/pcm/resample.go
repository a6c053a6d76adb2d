// Package pcm is the audio plumbing the tts providers share: a resampler
// between any two sample rates (speech engines produce 22050 or 24000 Hz;
// calls want 8000, 16000 or 48000) and a Framer that turns chunks of any
// length into the 20 ms media.Frames a tts.Synthesizer writes.
package pcm

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// ErrRate is wrapped when a sample rate is out of range.
var ErrRate = errors.New("pcm: bad sample rate")

// MaxRate bounds the rates a Resampler accepts.
const MaxRate = 192000

// Resampler converts mono PCM16 from one rate to any other with a
// polyphase windowed-sinc FIR filter. The ratio is reduced to up/down
// (22050→8000 is 160/441, 22050→16000 320/441, 22050→48000 320/147,
// 24000→8000 1/3); the filter is the Kaiser-windowed sinc designed at the
// up-sampled rate, with its -6 dB cut-off at 0.46× the lower rate, the
// stop band from 0.5× the lower rate (its Nyquist frequency, so nothing
// aliases into the output) and 80 dB of designed attenuation; the pass
// band is flat (±0.1 dB) to 0.4× the lower rate.
//
// The filter history is kept between calls, so a stream resampled chunk by
// chunk is the same as resampled in one piece. A Resampler is not safe for
// concurrent use; the filters are shared, read-only, between Resamplers.
type Resampler struct {
	from, to int
	f        *polyphase // nil when from == to
	buf      []float32  // the last taps-1 input samples, then the current input
	t        int        // next output position in the up-sampled domain, from buf[0]
}

// NewResampler returns a Resampler from rate from to rate to, each in
// 1..MaxRate Hz. Equal rates copy.
func NewResampler(from, to int) (*Resampler, error) {
	for _, r := range [2]int{from, to} {
		if r <= 0 || r > MaxRate {
			return nil, fmt.Errorf("%w: %d Hz", ErrRate, r)
		}
	}
	r := &Resampler{from: from, to: to}
	if from != to {
		r.f = polyphaseFor(from, to)
	}
	r.Reset()
	return r, nil
}

// Rates returns the input and output rates.
func (r *Resampler) Rates() (from, to int) { return r.from, r.to }

// Ratio returns the reduced conversion ratio to/from as up, down.
func (r *Resampler) Ratio() (up, down int) {
	if r.f == nil {
		return 1, 1
	}
	return r.f.up, r.f.down
}

// Taps returns the filter length per output sample (0 when copying).
func (r *Resampler) Taps() int {
	if r.f == nil {
		return 0
	}
	return r.f.taps
}

// Delay returns the filter's group delay: how far the output lags the
// input.
func (r *Resampler) Delay() time.Duration {
	if r.f == nil {
		return 0
	}
	return time.Duration(float64(r.f.taps*r.f.up-1) / 2 / float64(r.from*r.f.up) * float64(time.Second))
}

// TailSamples returns how many input samples of silence push the last
// input sample's full response out of the filter.
func (r *Resampler) TailSamples() int {
	if r.f == nil {
		return 0
	}
	return r.f.taps
}

// Reset forgets the history, as for a new stream.
func (r *Resampler) Reset() {
	if r.f == nil {
		return
	}
	h := r.f.taps - 1
	if cap(r.buf) < h {
		r.buf = make([]float32, h, h+1024)
	}
	r.buf = r.buf[:h]
	clear(r.buf)
	r.t = h * r.f.up
}

// Resample appends src, resampled, to dst and returns the extended slice;
// pass dst[:0] to reuse a buffer. Over a stream, n input samples give
// n·to/from output samples, the fraction carried over to the next call.
func (r *Resampler) Resample(dst, src []int16) []int16 {
	if r.f == nil {
		return append(dst, src...)
	}
	f := r.f
	h := f.taps - 1
	n := h + len(src)
	if cap(r.buf) < n {
		nb := make([]float32, h, n+n/4)
		copy(nb, r.buf)
		r.buf = nb
	}
	buf := r.buf[:n]
	for i, s := range src {
		buf[h+i] = float32(s)
	}
	up, down, taps := f.up, f.down, f.taps
	end := n * up
	if need := (end-r.t)/down + 1; cap(dst)-len(dst) < need {
		nd := make([]int16, len(dst), len(dst)+need)
		copy(nd, dst)
		dst = nd
	}
	t := r.t
	for ; t < end; t += down {
		i := t / up
		c := f.coef[(t-i*up)*taps:][:taps]
		dst = append(dst, sat16(dot(c, buf[i-h:][:taps])))
	}
	copy(buf, buf[n-h:])
	r.buf = buf[:h]
	r.t = t - (n-h)*up
	return dst
}

// dot is the inner product of two equally long slices.
func dot(c, x []float32) float32 {
	x = x[:len(c)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(c); i += 4 {
		s0 += c[i] * x[i]
		s1 += c[i+1] * x[i+1]
		s2 += c[i+2] * x[i+2]
		s3 += c[i+3] * x[i+3]
	}
	for ; i < len(c); i++ {
		s0 += c[i] * x[i]
	}
	return (s0 + s1) + (s2 + s3)
}

// sat16 rounds v to the nearest int16, saturating.
func sat16(v float32) int16 {
	switch {
	case v >= math.MaxInt16:
		return math.MaxInt16
	case v <= math.MinInt16:
		return math.MinInt16
	case v < 0:
		return int16(v - 0.5)
	}
	return int16(v + 0.5)
}

// polyphase is a low-pass FIR split into up phases of taps coefficients,
// each phase reversed to line up with the input oldest first and scaled
// by up (the gain that zero-stuffing loses).
type polyphase struct {
	up, down, taps int
	coef           []float32
}

// Filter design.
const (
	cutoff     = 0.46 // -6 dB point, × the lower rate
	transition = 0.08 // width of the transition band, × the lower rate
	stopDB     = 80.0 // designed stop-band attenuation
)

var filters sync.Map // [2]int{from, to} → *polyphase

func polyphaseFor(from, to int) *polyphase {
	key := [2]int{from, to}
	if f, ok := filters.Load(key); ok {
		return f.(*polyphase)
	}
	g := gcd(from, to)
	up, down := to/g, from/g
	f, _ := filters.LoadOrStore(key, design(up, down, float64(min(from, to))/float64(from)))
	return f.(*polyphase)
}

// design builds the filter for a ratio up/down whose lower rate is low
// times the input rate.
func design(up, down int, low float64) *polyphase {
	// Frequencies in cycles per sample of the up-sampled stream.
	fc := cutoff * low / float64(up)
	dw := 2 * math.Pi * transition * low / float64(up)
	n := int(math.Ceil((stopDB-7.95)/(2.285*dw))) + 1
	taps := (n + up - 1) / up
	n = taps * up
	beta := 0.1102 * (stopDB - 8.7)
	i0b := bessel0(beta)
	h := make([]float64, n)
	mid := float64(n-1) / 2
	var sum float64
	for i := range h {
		x := float64(i) - mid
		v := 2 * fc
		if x != 0 {
			v = math.Sin(2*math.Pi*fc*x) / (math.Pi * x)
		}
		r := 2*float64(i)/float64(n-1) - 1
		h[i] = v * bessel0(beta*math.Sqrt(max(0, 1-r*r))) / i0b
		sum += h[i]
	}
	p := &polyphase{up: up, down: down, taps: taps, coef: make([]float32, n)}
	for ph := range up {
		for q := range taps {
			p.coef[ph*taps+taps-1-q] = float32(h[q*up+ph] * float64(up) / sum)
		}
	}
	return p
}

// bessel0 is the modified Bessel function of the first kind, order 0.
func bessel0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 100; k++ {
		term *= (x / 2 / float64(k)) * (x / 2 / float64(k))
		sum += term
		if term < sum*1e-14 {
			break
		}
	}
	return sum
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}
