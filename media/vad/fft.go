package vad

import "math"

// realFFT computes the power spectrum of a real block of n samples (n a
// power of two) through a complex FFT of n/2 points. Its buffers are
// allocated once, so power does not allocate.
type realFFT struct {
	n      int
	re, im []float64 // n/2 complex points
	cos    []float64 // twiddles of the n/2 FFT: cos(2πk/(n/2)), k < n/4
	sin    []float64
	rcos   []float64 // twiddles of the real split: cos(2πk/n), k ≤ n/2
	rsin   []float64
	rev    []int // bit reversal of n/2 indices
}

func newRealFFT(n int) *realFFT {
	m := n / 2
	f := &realFFT{
		n: n, re: make([]float64, m), im: make([]float64, m),
		cos: make([]float64, m/2), sin: make([]float64, m/2),
		rcos: make([]float64, m+1), rsin: make([]float64, m+1),
		rev: make([]int, m),
	}
	for k := range m / 2 {
		f.cos[k] = math.Cos(2 * math.Pi * float64(k) / float64(m))
		f.sin[k] = math.Sin(2 * math.Pi * float64(k) / float64(m))
	}
	for k := range m + 1 {
		f.rcos[k] = math.Cos(2 * math.Pi * float64(k) / float64(n))
		f.rsin[k] = math.Sin(2 * math.Pi * float64(k) / float64(n))
	}
	bits := 0
	for 1<<bits < m {
		bits++
	}
	for i := range m {
		r := 0
		for b := range bits {
			if i&(1<<b) != 0 {
				r |= 1 << (bits - 1 - b)
			}
		}
		f.rev[i] = r
	}
	return f
}

// power writes |X[k]|² for k = 0..n/2 of the DFT of x (len n) into out
// (len n/2+1).
func (f *realFFT) power(x, out []float64) {
	m := f.n / 2
	// Pack even samples as real, odd as imaginary parts, in bit-reversed
	// order.
	for i := range m {
		j := f.rev[i]
		f.re[j], f.im[j] = x[2*i], x[2*i+1]
	}
	re, im := f.re[:m], f.im[:m]
	for size := 2; size <= m; size <<= 1 {
		half, step := size/2, m/size
		for start := 0; start < m; start += size {
			for k := range half {
				wr, wi := f.cos[k*step], -f.sin[k*step]
				a, b := start+k, start+k+half
				tr := re[b]*wr - im[b]*wi
				ti := re[b]*wi + im[b]*wr
				re[b], im[b] = re[a]-tr, im[a]-ti
				re[a], im[a] = re[a]+tr, im[a]+ti
			}
		}
	}
	// Split: X[k] = (Z[k] + conj Z[m-k])/2 - i·e^{-2πik/n}·(Z[k] - conj Z[m-k])/2.
	for k := 0; k <= m; k++ {
		zr, zi := re[k%m], im[k%m]
		cr, ci := re[(m-k)%m], -im[(m-k)%m]
		er, ei := (zr+cr)/2, (zi+ci)/2 // even part
		or, oi := (zr-cr)/2, (zi-ci)/2 // odd part times i
		// -i·(or + i·oi) = oi - i·or; times (cos - i·sin).
		c, s := f.rcos[k], f.rsin[k]
		ar, ai := oi, -or
		xr := er + ar*c + ai*s
		xi := ei + ai*c - ar*s
		out[k] = xr*xr + xi*xi
	}
}
