package aec

import "math"

// Delay estimation: the reference and the input are reduced to envelopes
// (mean |x| over 2 ms blocks), the slow part of each envelope is removed,
// and their cross-correlation is kept for every lag up to the maximum delay
// with exponential forgetting (about 1 s of reference activity). The lag
// with the highest normalised correlation is the bulk delay. Envelopes
// ignore the phase, so the estimate survives G.711, polarity inversion, a
// dispersive echo path and a caller talking at the same time; updates stop
// while the reference is silent, so the estimate outlives the bot's
// pauses.
const (
	envBlock    = 2  // ms per envelope block
	envMeanRate = 16 // blocks: the slow mean removed from the envelopes (≈ 32 ms)
	envMemory   = 500
	// shortMemory blocks for the correlation at the locked lag alone,
	// which tells echo (high) from double talk (low) when the residual
	// grows.
	shortMemory = 150
	// activeEnv: a reference block is active above this mean |x|
	// (about -66 dBFS).
	activeEnv = 5e-4
)

type delayEstimator struct {
	lags   int
	lambda float64

	mx, my float64 // slow means of the envelopes
	xh     []float64
	exh    []float64 // running reference energy, same ring
	q      int       // ring position: xh[q+l] is the envelope l blocks ago
	c      []float64 // correlation per lag
	ey     float64   // running input energy
	ex     float64
	since  int     // blocks since the last active reference block
	active float64 // active reference blocks, with forgetting (evidence)

	dirty bool // updated since the last peak

	// short-term correlation at one lag
	lag          int
	cs, exs, eys float64
	lambdaS      float64
}

func newDelayEstimator(lags int) *delayEstimator {
	return &delayEstimator{
		lags: lags, lambda: 1 - 1.0/envMemory, lambdaS: 1 - 1.0/shortMemory,
		xh: make([]float64, 2*lags), exh: make([]float64, 2*lags), c: make([]float64, lags),
		since: lags,
	}
}

func (d *delayEstimator) reset() {
	clear(d.xh)
	clear(d.exh)
	clear(d.c)
	d.mx, d.my, d.ey, d.ex, d.active = 0, 0, 0, 0, 0
	d.since = d.lags
	d.cs, d.exs, d.eys = 0, 0, 0
	d.dirty = false
}

// push adds one block of each envelope (mean |x| of the reference and of
// the input).
func (d *delayEstimator) push(ex, ey float64) {
	hx, hy := ex-d.mx, ey-d.my
	d.mx += (ex - d.mx) / envMeanRate
	d.my += (ey - d.my) / envMeanRate
	if ex > activeEnv {
		d.since = 0
	} else if d.since < d.lags {
		d.since++
	}
	gate := d.since < d.lags
	d.q--
	if d.q < 0 {
		d.q += d.lags
	}
	if gate {
		d.ex = d.lambda*d.ex + hx*hx
	} else {
		hx = 0
	}
	d.xh[d.q], d.xh[d.q+d.lags] = hx, hx
	d.exh[d.q], d.exh[d.q+d.lags] = d.ex, d.ex
	if !gate {
		return
	}
	d.dirty = true
	lam := d.lambda
	c := d.c[:d.lags]
	xs := d.xh[d.q : d.q+d.lags]
	for l, x := range xs {
		c[l] = lam*c[l] + hy*x
	}
	d.ey = lam*d.ey + hy*hy
	a := 0.0
	if ex > activeEnv {
		a = 1
	}
	d.active = lam*d.active + a
	// Short-term correlation at the tracked lag.
	ls := d.lambdaS
	xl := xs[min(d.lag, d.lags-1)]
	d.cs = ls*d.cs + hy*xl
	d.exs = ls*d.exs + xl*xl
	d.eys = ls*d.eys + hy*hy
}

// setLag chooses the lag of the short-term correlation and restarts it.
func (d *delayEstimator) setLag(l int) {
	d.lag = max(0, min(d.lags-1, l))
	d.cs, d.exs, d.eys = 0, 0, 0
}

// shortCorr is the normalised correlation at the tracked lag over the
// last few hundred ms of reference activity.
func (d *delayEstimator) shortCorr() float64 {
	den := d.exs * d.eys
	if den <= 0 {
		return 0
	}
	return d.cs / math.Sqrt(den)
}

// peak returns the lag (in blocks, interpolated) with the highest
// normalised correlation, that correlation, the best correlation more than
// guard blocks away from it, and the envelope gain at the peak (input
// envelope over reference envelope).
func (d *delayEstimator) peak(guard int) (lag float64, rho, second, gain float64) {
	if d.ey <= 0 {
		return 0, 0, 0, 0
	}
	best, bestRho := -1, 0.0
	exs := d.exh[d.q : d.q+d.lags]
	for l, c := range d.c {
		if c <= 0 || exs[l] <= 0 {
			continue
		}
		r := c / math.Sqrt(exs[l]*d.ey)
		if r > bestRho {
			best, bestRho = l, r
		}
	}
	if best < 0 {
		return 0, 0, 0, 0
	}
	for l, c := range d.c {
		if (l < best-guard || l > best+guard) && c > 0 && exs[l] > 0 {
			second = max(second, c/math.Sqrt(exs[l]*d.ey))
		}
	}
	lag = float64(best)
	if best > 0 && best < d.lags-1 {
		a, b, cc := d.rho(best-1), bestRho, d.rho(best+1)
		if den := a - 2*b + cc; den < 0 {
			lag += 0.5 * (a - cc) / den
		}
	}
	return lag, bestRho, second, d.c[best] / exs[best]
}

func (d *delayEstimator) rho(l int) float64 {
	ex := d.exh[d.q+l]
	if ex <= 0 || d.ey <= 0 {
		return 0
	}
	return d.c[l] / math.Sqrt(ex*d.ey)
}
