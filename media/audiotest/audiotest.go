// Package audiotest generates and measures test audio for the media
// packages: pure tones and DTMF digits, spectra and peak frequencies (FFT),
// the power of one frequency (Goertzel), levels and signal-to-noise ratios.
//
// Samples are mono signed 16-bit PCM. Amplitudes and powers are relative to
// full scale (32768): a tone of amplitude 1 peaks at ±32767, and its power
// is 0.5. The package has no dependency on media so that media's own tests
// can use it.
package audiotest

import (
	"math"
	"math/cmplx"
	"time"
)

// fullScale is the magnitude that amplitude 1 maps to.
const fullScale = 32768

// Tone returns dur of a sine wave at freq Hz sampled at rate, with peak
// amplitude amp relative to full scale (0..1; louder values clip).
func Tone(freq float64, rate int, dur time.Duration, amp float64) []int16 {
	out := make([]int16, numSamples(rate, dur))
	for i := range out {
		out[i] = clip(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return out
}

// dtmfLow and dtmfHigh are the row and column frequencies of the keypad
// (ITU-T Q.23).
var (
	dtmfLow  = [4]float64{697, 770, 852, 941}
	dtmfHigh = [4]float64{1209, 1336, 1477, 1633}
	dtmfKeys = [4]string{"123A", "456B", "789C", "*0#D"}
)

// DTMFFrequencies returns the low (row) and high (column) frequencies of a
// keypad digit: 0-9, *, #, A-D (a-d are accepted too). ok is false for any
// other rune.
func DTMFFrequencies(digit rune) (low, high float64, ok bool) {
	if digit >= 'a' && digit <= 'd' {
		digit -= 'a' - 'A'
	}
	for r, row := range dtmfKeys {
		for c, k := range row {
			if k == digit {
				return dtmfLow[r], dtmfHigh[c], true
			}
		}
	}
	return 0, 0, false
}

// DTMFTone returns dur of the dual tone of a keypad digit at rate, each
// component at amplitude 0.25 (so the sum never clips). It returns nil for
// a rune that is not a DTMF digit.
func DTMFTone(digit rune, rate int, dur time.Duration) []int16 {
	low, high, ok := DTMFFrequencies(digit)
	if !ok {
		return nil
	}
	out := make([]int16, numSamples(rate, dur))
	for i := range out {
		t := float64(i) / float64(rate)
		out[i] = clip(0.25*math.Sin(2*math.Pi*low*t) + 0.25*math.Sin(2*math.Pi*high*t))
	}
	return out
}

// Silence returns dur of zero samples at rate.
func Silence(rate int, dur time.Duration) []int16 { return make([]int16, numSamples(rate, dur)) }

// Spectrum returns the magnitude spectrum of samples (Hann window, zero
// padded to a power of two) from 0 Hz to rate/2, and the width of one bin
// in Hz. Magnitudes are amplitudes relative to full scale: a tone of
// amplitude a that falls on a bin reads about a there.
func Spectrum(samples []int16, rate int) (mag []float64, binHz float64) {
	if len(samples) == 0 || rate <= 0 {
		return nil, 0
	}
	n := 1
	for n < len(samples) {
		n <<= 1
	}
	x := make([]complex128, n)
	var wsum float64
	for i, s := range samples {
		w := hann(i, len(samples))
		wsum += w
		x[i] = complex(w*float64(s)/fullScale, 0)
	}
	fft(x)
	mag = make([]float64, n/2+1)
	for i := range mag {
		mag[i] = 2 * cmplx.Abs(x[i]) / wsum
	}
	return mag, float64(rate) / float64(n)
}

// PeakFrequency returns the frequency in Hz of the strongest component of
// samples (0 for silence), refined between FFT bins by parabolic
// interpolation of the log magnitudes.
func PeakFrequency(samples []int16, rate int) float64 {
	mag, binHz := Spectrum(samples, rate)
	best := 0
	for i := 1; i < len(mag); i++ {
		if mag[i] > mag[best] {
			best = i
		}
	}
	if best == 0 || mag[best] == 0 {
		return 0
	}
	if best == len(mag)-1 {
		return float64(best) * binHz
	}
	a, b, c := math.Log(mag[best-1]+1e-300), math.Log(mag[best]), math.Log(mag[best+1]+1e-300)
	d := 0.0
	if den := a - 2*b + c; den != 0 {
		d = 0.5 * (a - c) / den
	}
	return (float64(best) + d) * binHz
}

// Power returns the power of the freq component of samples relative to
// full scale: a²/2 for a tone of amplitude a, so a full-scale tone reads
// 0.5 (-3 dB). It runs a Goertzel filter over the Hann-windowed samples,
// which keeps a strong tone more than a few tens of Hz away (for a
// 20 ms window: a few hundred Hz) from leaking into the reading.
func Power(samples []int16, rate int, freq float64) float64 {
	if len(samples) == 0 || rate <= 0 {
		return 0
	}
	w := 2 * math.Pi * freq / float64(rate)
	coeff := 2 * math.Cos(w)
	var s1, s2, wsum float64
	for i, v := range samples {
		win := hann(i, len(samples))
		wsum += win
		s0 := win*float64(v)/fullScale + coeff*s1 - s2
		s2, s1 = s1, s0
	}
	p := s1*s1 + s2*s2 - coeff*s1*s2
	if p < 0 {
		p = 0
	}
	amp := 2 * math.Sqrt(p) / wsum
	return amp * amp / 2
}

// Amplitude returns the peak amplitude of the freq component of samples
// relative to full scale (from Power).
func Amplitude(samples []int16, rate int, freq float64) float64 {
	return math.Sqrt(2 * Power(samples, rate, freq))
}

// RMS returns the root mean square of samples relative to full scale.
func RMS(samples []int16) float64 {
	if len(samples) == 0 {
		return 0
	}
	var sum float64
	for _, s := range samples {
		v := float64(s) / fullScale
		sum += v * v
	}
	return math.Sqrt(sum / float64(len(samples)))
}

// DB returns a power ratio in decibels (10·log10 p); -Inf for 0.
func DB(p float64) float64 { return 10 * math.Log10(p) }

// SNR returns how close got is to ref in dB: the power of ref over the
// power of the difference, sample by sample over the common length.
// Identical signals give +Inf.
func SNR(ref, got []int16) float64 {
	n := min(len(ref), len(got))
	var sig, noise float64
	for i := range n {
		r := float64(ref[i])
		d := float64(got[i]) - r
		sig += r * r
		noise += d * d
	}
	return DB(sig / noise)
}

// ToneSNR returns the signal-to-noise-and-distortion ratio of a tone at
// freq in dB: it fits the best sine at freq (least squares over amplitude
// and phase) and compares its power with the residual's. A clean 16-bit
// tone reads about 90 dB; one through G.711 about 38 dB.
func ToneSNR(samples []int16, rate int, freq float64) float64 {
	if len(samples) == 0 || rate <= 0 {
		return math.NaN()
	}
	// Least squares for x ≈ a·cos + b·sin (+ c, a DC offset is noise too,
	// so it is left in the residual).
	var cc, ss, cs, xc, xs float64
	w := 2 * math.Pi * freq / float64(rate)
	for i, v := range samples {
		c, s := math.Cos(w*float64(i)), math.Sin(w*float64(i))
		x := float64(v)
		cc += c * c
		ss += s * s
		cs += c * s
		xc += x * c
		xs += x * s
	}
	det := cc*ss - cs*cs
	if det == 0 {
		return math.NaN()
	}
	a := (xc*ss - xs*cs) / det
	b := (xs*cc - xc*cs) / det
	var sig, noise float64
	for i, v := range samples {
		fit := a*math.Cos(w*float64(i)) + b*math.Sin(w*float64(i))
		d := float64(v) - fit
		sig += fit * fit
		noise += d * d
	}
	return DB(sig / noise)
}

func numSamples(rate int, dur time.Duration) int {
	return int(int64(dur) * int64(rate) / int64(time.Second))
}

func clip(v float64) int16 {
	v = math.Round(v * fullScale)
	switch {
	case v > math.MaxInt16:
		return math.MaxInt16
	case v < math.MinInt16:
		return math.MinInt16
	}
	return int16(v)
}

// hann is the symmetric Hann window of length n at i.
func hann(i, n int) float64 {
	if n == 1 {
		return 1
	}
	return 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n-1))
}

// fft is an in-place iterative radix-2 FFT; len(x) is a power of two.
func fft(x []complex128) {
	n := len(x)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			x[i], x[j] = x[j], x[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		step := cmplx.Exp(complex(0, -2*math.Pi/float64(size)))
		for start := 0; start < n; start += size {
			w := complex(1, 0)
			for k := range size / 2 {
				a, b := x[start+k], x[start+k+size/2]*w
				x[start+k], x[start+k+size/2] = a+b, a-b
				w *= step
			}
		}
	}
}
