package aec

// nlms is a normalised least-mean-squares adaptive FIR filter. Taps are
// stored in window order: h[j] multiplies w[j], where w is the reference
// window x[p-L+1 .. p] (oldest first), so h[L-1] is the tap of the most
// recent sample and h[L-1-k] the tap of delay k.
type nlms struct {
	h     []float64
	mu    float64
	delta float64 // regularisation of the window energy
}

func newNLMS(taps int, mu float64) *nlms {
	return &nlms{h: make([]float64, taps), mu: mu, delta: float64(taps) * 1e-6}
}

func (f *nlms) reset() { clear(f.h) }

// estimate returns the filter output for window w (len L).
func (f *nlms) estimate(w []float64) float64 {
	h := f.h
	w = w[:len(h)]
	var s0, s1, s2, s3 float64
	for len(h) >= 4 && len(w) >= 4 {
		s0 += h[0] * w[0]
		s1 += h[1] * w[1]
		s2 += h[2] * w[2]
		s3 += h[3] * w[3]
		h, w = h[4:], w[4:]
	}
	return s0 + s1 + s2 + s3
}

// gain returns the NLMS update factor for error e on a window of energy
// energy, scaled by scale.
func (f *nlms) gain(e, energy, scale float64) float64 {
	return scale * f.mu * e / (energy + f.delta)
}

// adapt moves the taps by g times window w (an NLMS step, g from gain).
func (f *nlms) adapt(w []float64, g float64) {
	h := f.h
	w = w[:len(h)]
	for len(h) >= 4 && len(w) >= 4 {
		h[0] += g * w[0]
		h[1] += g * w[1]
		h[2] += g * w[2]
		h[3] += g * w[3]
		h, w = h[4:], w[4:]
	}
}

// adaptEstimate applies the previous sample's step (g times its window
// wp) and returns the output for window w, in one pass over the taps.
func (f *nlms) adaptEstimate(wp []float64, g float64, w []float64) float64 {
	h := f.h
	wp, w = wp[:len(h)], w[:len(h)]
	var s0, s1, s2, s3 float64
	for len(h) >= 4 && len(w) >= 4 && len(wp) >= 4 {
		h0 := h[0] + g*wp[0]
		h1 := h[1] + g*wp[1]
		h2 := h[2] + g*wp[2]
		h3 := h[3] + g*wp[3]
		h[0], h[1], h[2], h[3] = h0, h1, h2, h3
		s0 += h0 * w[0]
		s1 += h1 * w[1]
		s2 += h2 * w[2]
		s3 += h3 * w[3]
		h, w, wp = h[4:], w[4:], wp[4:]
	}
	return s0 + s1 + s2 + s3
}

// peak returns the delay k (0 = most recent sample) of the largest tap,
// and the taps' energy (the echo path's power gain for white input).
func (f *nlms) peak() (k int, energy float64) {
	best := 0.0
	for j, v := range f.h {
		energy += v * v
		if v*v > best {
			best, k = v*v, len(f.h)-1-j
		}
	}
	return k, energy
}

// shift moves the taps by n samples of delay (positive: the echo is
// later than the window assumed), dropping the taps that fall out.
func (f *nlms) shift(n int) {
	L := len(f.h)
	switch {
	case n >= L || -n >= L:
		clear(f.h)
	case n > 0:
		// delay k becomes k-n: index L-1-k becomes L-1-k+n.
		copy(f.h[n:], f.h[:L-n])
		clear(f.h[:n])
	case n < 0:
		copy(f.h[:L+n], f.h[-n:])
		clear(f.h[L+n:])
	}
}
