package media

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// ErrUnsupportedRate is wrapped when a sample rate is not one of Rate8k,
// Rate16k, Rate48k.
var ErrUnsupportedRate = errors.New("media: unsupported sample rate")

// Resampler converts a mono PCM16 stream from one rate to another with a
// polyphase windowed-sinc FIR low-pass filter: pass band flat to 0.4× the
// lower rate, cut-off (-6 dB) at 0.45×, at least 60 dB of attenuation from
// 0.5× (the lower rate's Nyquist frequency) up. It keeps the filter history
// between calls, so a stream resampled frame by frame comes out the same as
// resampled in one piece, with no clicks at the frame boundaries.
//
// A Resampler is not safe for concurrent use: keep one per stream.
type Resampler struct {
	from, to int
	f        *filter // nil when from == to
	// buf is the history (the last f.taps-1 input samples) followed by the
	// current input, as float32.
	buf []float32
	// t is the position of the next output sample in the up-sampled
	// (rate from×f.up) domain, relative to buf[0].
	t int
}

// NewResampler returns a resampler from one rate to another, each one of
// Rate8k, Rate16k, Rate48k. The same rate is allowed and copies.
func NewResampler(from, to int) (*Resampler, error) {
	for _, r := range [2]int{from, to} {
		if err := checkRate(r); err != nil {
			return nil, err
		}
	}
	r := &Resampler{from: from, to: to}
	if from != to {
		r.f = filterFor(from, to)
	}
	r.Reset()
	return r, nil
}

func checkRate(rate int) error {
	switch rate {
	case Rate8k, Rate16k, Rate48k:
		return nil
	}
	return fmt.Errorf("%w: %d Hz (want 8000, 16000 or 48000)", ErrUnsupportedRate, rate)
}

// Rates returns the input and output rates.
func (r *Resampler) Rates() (from, to int) { return r.from, r.to }

// Delay returns the filter's group delay: how far the output lags the
// input (under 3 ms for every pair).
func (r *Resampler) Delay() time.Duration {
	if r.f == nil {
		return 0
	}
	return time.Duration(float64(r.f.taps*r.f.up-1) / 2 / float64(r.from*r.f.up) * float64(time.Second))
}

// Reset forgets the history, as for a new stream.
func (r *Resampler) Reset() {
	if r.f == nil {
		return
	}
	h := r.f.taps - 1
	if cap(r.buf) < h {
		r.buf = make([]float32, h, h+960)
	}
	r.buf = r.buf[:h]
	clear(r.buf)
	r.t = h * r.f.up
}

// Resample appends src, resampled, to dst and returns the extended slice
// (pass dst[:0] to reuse a buffer without allocating). A 20 ms frame gives
// exactly a 20 ms frame at the new rate; other lengths carry the fraction
// of a sample over to the next call.
func (r *Resampler) Resample(dst []int16, src []int16) []int16 {
	if r.f == nil {
		return append(dst, src...)
	}
	f := r.f
	h := f.taps - 1
	n := len(r.buf) + len(src)
	if cap(r.buf) < n {
		nb := make([]float32, len(r.buf), n+n/2)
		copy(nb, r.buf)
		r.buf = nb
	}
	buf := r.buf[:n]
	for i, s := range src {
		buf[h+i] = float32(s)
	}
	dst = growInt16(dst, (len(src)*f.up)/f.down+1)
	up, down, taps := f.up, f.down, f.taps
	t, end := r.t, n*up
	for ; t < end; t += down {
		i := t / up
		c := f.coef[(t-i*up)*taps:][:taps]
		x := buf[i-h:][:taps]
		dst = append(dst, sat16(dot(c, x)))
	}
	// Keep the last h input samples as history.
	copy(buf, buf[n-h:])
	r.buf = buf[:h]
	r.t = t - (n-h)*up
	return dst
}

// dot is the inner product of two equally long slices, four at a time.
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

// growInt16 makes room for n more elements without changing len(s).
func growInt16(s []int16, n int) []int16 {
	if cap(s)-len(s) >= n {
		return s
	}
	ns := make([]int16, len(s), len(s)+n)
	copy(ns, s)
	return ns
}

// filter is a polyphase low-pass FIR for up-sampling by up and
// down-sampling by down. coef holds up phases of taps coefficients each,
// each phase reversed so that it lines up with the input oldest first.
type filter struct {
	up, down, taps int
	coef           []float32
}

// Filter design (Kaiser window): cut-off at 0.45× the lower rate with a
// transition band 0.1× the lower rate wide, and 70 dB designed attenuation
// (measured: over 60 dB in the stop band).
const (
	cutoff     = 0.45
	transition = 0.10
	stopDB     = 70.0
)

var (
	filtersMu sync.Mutex
	filters   = map[[2]int]*filter{}
)

// filterFor returns the shared, read-only filter of a pair of rates.
func filterFor(from, to int) *filter {
	filtersMu.Lock()
	defer filtersMu.Unlock()
	key := [2]int{from, to}
	if f := filters[key]; f != nil {
		return f
	}
	g := gcd(from, to)
	up, down := to/g, from/g
	f := designFilter(up, down, float64(min(from, to))/float64(from*up))
	filters[key] = f
	return f
}

// designFilter designs the filter for a lower rate of low (as a fraction of
// the up-sampled rate).
func designFilter(up, down int, low float64) *filter {
	fc := cutoff * low
	dw := 2 * math.Pi * transition * low
	n := int(math.Ceil((stopDB-7.95)/(2.285*dw))) + 1
	taps := (n + up - 1) / up
	n = taps * up
	beta := 0.1102 * (stopDB - 8.7)
	i0b := bessel0(beta)
	h := make([]float64, n)
	mid := float64(n-1) / 2
	for i := range h {
		x := float64(i) - mid
		sinc := 2 * fc
		if x != 0 {
			sinc = math.Sin(2*math.Pi*fc*x) / (math.Pi * x)
		}
		r := 2*float64(i)/float64(n-1) - 1
		h[i] = sinc * bessel0(beta*math.Sqrt(max(0, 1-r*r))) / i0b
	}
	// Unity gain per phase on average: up-sampling by up needs a gain of up.
	var sum float64
	for _, v := range h {
		sum += v
	}
	f := &filter{up: up, down: down, taps: taps, coef: make([]float32, n)}
	for p := range up {
		for j := range taps {
			// Output at phase p uses h[p+j·up] against x[i-j]; store it
			// reversed so index taps-1-j meets x[i-j].
			f.coef[p*taps+taps-1-j] = float32(h[p+j*up] * float64(up) / sum)
		}
	}
	return f
}

// bessel0 is the modified Bessel function of the first kind, order 0.
func bessel0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / 2 / float64(k)) * (x / 2 / float64(k))
		sum += term
		if term < sum*1e-12 {
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

// ResampleSink returns a Sink that resamples frames of any supported rate
// to rate to before passing them to next, with Rate set to to. Timestamps
// are kept: they are media time, the same at every rate. Frames already at
// rate to pass through untouched. A change of input rate starts a new
// resampler. Close closes next. The Sink is not safe for concurrent use.
func ResampleSink(to int, next Sink) Sink {
	return &resampleSink{to: to, next: next}
}

type resampleSink struct {
	to   int
	next Sink
	r    *Resampler
	out  []int16
}

func (s *resampleSink) WriteFrame(f Frame) error {
	if f.Rate == s.to {
		return s.next.WriteFrame(f)
	}
	if s.r == nil || s.r.from != f.Rate {
		r, err := NewResampler(f.Rate, s.to)
		if err != nil {
			return err
		}
		s.r = r
	}
	s.out = s.r.Resample(s.out[:0], f.Samples)
	return s.next.WriteFrame(Frame{Samples: s.out, Rate: s.to, Timestamp: f.Timestamp})
}

func (s *resampleSink) Close() error { return s.next.Close() }
