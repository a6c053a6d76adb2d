package aec

import (
	"math"
	"time"
)

// cancel runs the adaptive filter over the chunk, e = y - estimate,
// deciding every sub-block whether the caller is talking (which freezes
// adaptation) and learning the residual coupling and the ERLE statistics
// in single talk. It returns the power of the echo estimate.
func (c *Canceller) cancel(start int64, y, e []float64) (echoPower float64) {
	var sumYh float64
	n := len(y)
	L := c.taps
	for s0 := 0; s0 < n; s0 += c.sub {
		s1 := min(n, s0+c.sub)
		// The sub-block's echo support in the reference.
		end := start + int64(s1) - int64(c.offset)
		var pxa float64
		for _, v := range c.window(c.sq, end, s1-s0+L-1) {
			pxa += v
		}
		pxa /= float64(s1 - s0 + L - 1)
		active := pxa >= refFloor
		adapt := active && c.dtHang <= 0 && pxa >= adaptFloor
		if !active {
			// No echo to speak of: skip the filter.
			copy(e[s0:s1], y[s0:s1])
			c.dtRun = 0
			c.dtHang -= s1 - s0
			continue
		}
		// The sub-block's windows are contiguous in the history; the
		// energy of the first is summed, then slid.
		p := start + int64(s1) - int64(c.offset) + 1 // window end (exclusive) after the sub-block
		hist := c.window(c.hist, p, L+s1-s0)
		sqs := c.window(c.sq, p, L+s1-s0)
		var energy float64
		for _, v := range sqs[:L] {
			energy += v
		}
		var pe, py, pyh, g float64
		for i := s0; i < s1; i++ {
			j := i - s0
			w := hist[j : j+L]
			var est float64
			if g != 0 {
				est = c.f.adaptEstimate(hist[j-1:j-1+L], g, w)
			} else {
				est = c.f.estimate(w)
			}
			err := y[i] - est
			e[i] = err
			g = 0
			if adapt {
				g = c.f.gain(err, energy, c.step)
			}
			pe += err * err
			py += y[i] * y[i]
			pyh += est * est
			// Slide the energy to the next window.
			if j+L < len(sqs) {
				energy += sqs[j+L] - sqs[j]
			}
		}
		if g != 0 {
			c.f.adapt(hist[s1-s0-1:s1-s0-1+L], g)
		}
		sumYh += pyh
		m := float64(s1 - s0)
		pe, py, pyh = pe/m, py/m, pyh/m
		c.dtHang -= s1 - s0
		expected := c.coupling*pxa + c.noise
		nearRes := pe > dtMargin*c.coupling*pxa+noiseMargin*c.noise
		nearIn := py > inMargin*pyh+noiseMargin*c.noise
		if !nearRes {
			c.dtRun = 0
			// Adapt in proportion to how much of the input is not noise.
			c.step = signal(py, c.noise)
			r := max(0, pe-c.noise) / pxa
			c.coupling += couplingAlpha * (min(1, r) - c.coupling)
			c.coupling = max(c.coupling, 1e-5)
			if adapt {
				c.adapted += s1 - s0
				c.sumY += statAlpha * (py - c.sumY)
				c.sumE += statAlpha * (pe - c.sumE)
				c.sumX += statAlpha * (pxa - c.sumX)
				c.sumH += statAlpha * (pyh - c.sumH)
			}
			continue
		}
		// More residual than expected: the caller, or a filter that does
		// not fit this stretch of the reference yet. Adapt more slowly the
		// larger the surprise, and not at all when the input is louder
		// than the echo can be.
		c.step = min(1, dtMargin*expected/pe) * signal(py, c.noise)
		if nearIn {
			c.dtHang = samples(c.rate, dtHangover)
		}
		c.dtRun += s1 - s0
		if c.dtRun >= samples(c.rate, stuckAfter) && c.de.shortCorr() > stuckCorr {
			// The input keeps following the reference: the echo path
			// changed; learn the gains again.
			c.coupling = 1
			c.dtRun, c.dtHang, c.step = 0, 0, 1
		}
	}
	return sumYh / float64(n)
}

// signal returns the fraction of power p that stands out of the noise.
func signal(p, noise float64) float64 {
	if p <= 0 {
		return 0
	}
	return max(0, p-2*noise) / p
}

// recentre moves the filter window when its largest tap sits at an edge
// (a coarse delay estimate, or a dispersive echo whose main part is just
// outside), and refines the reported delay from the taps.
func (c *Canceller) recentre() {
	if c.frame%5 != 0 || c.adapted < samples(c.rate, 200*time.Millisecond) {
		return
	}
	k, energy := c.f.peak()
	if energy < 1e-6 {
		return
	}
	edge := c.taps / 8
	if k < edge || k >= c.taps-edge {
		n := k - c.pre
		if c.offset+n < 0 {
			n = -c.offset
		}
		if c.offset+n > c.maxDelay {
			return
		}
		c.offset += n
		c.f.shift(n)
		k -= n
	}
	c.delay = float64(c.offset + k)
}

// verify drops a lock whose filter, after a second of adaptation, finds
// no echo at that delay or cancels nothing: a chance correlation between
// the bot's and the caller's speech. The delay is then banned until the
// envelopes point to it more strongly.
func (c *Canceller) verify() {
	if c.adapted < samples(c.rate, time.Second) || c.sumX <= 0 {
		return
	}
	if c.sumH > noEcho*c.sumX && c.sumY > noGain*c.sumE {
		return
	}
	banned, rho := c.delay, c.lockRho
	c.unlock()
	c.banned, c.bannedRho = banned, rho
	c.gPre = weakEcho
}

// envelopes feeds the delay estimator with 2 ms envelope blocks of the
// reference just written and of the input.
func (c *Canceller) envelopes(start int64, y []float64) {
	x := c.window(c.hist, start+int64(len(y)), len(y))
	for i := range y {
		c.envX += math.Abs(x[i])
		c.envY += math.Abs(y[i])
		c.envN++
		if c.envN == c.envLen {
			c.de.push(c.envX/float64(c.envLen), c.envY/float64(c.envLen))
			c.envX, c.envY, c.envN = 0, 0, 0
		}
	}
}

// track updates the delay lock from the estimator once per frame.
func (c *Canceller) track() {
	if !c.de.dirty {
		return // nothing new: the bot is silent
	}
	c.de.dirty = false
	lag, rho, second, gain := c.de.peak(5)
	if !c.locked && c.de.active >= 3*lockEvidence {
		// Before a lock, the echo is assumed as loud as the reference;
		// once the bot has talked long enough for an echo to be found,
		// bound it by the envelope gain where the envelopes correlate,
		// else by -30 dB: there is no echo worth the name.
		c.gPre = weakEcho
		need := lockRho
		if c.quietSeen {
			need = quietLockRho // the caller's speech is no evidence of an echo
		}
		if rho >= need {
			g := min(1, max(0, 2*gain))
			c.gPre = max(g*g, weakEcho)
		}
	}
	need := lockRho
	if c.quietSeen && !c.locked {
		need = quietLockRho
	}
	ok := c.de.active >= lockEvidence && rho >= need && rho >= lockMargin*second
	if !ok {
		c.candHold = 0
		return
	}
	if c.candHold > 0 && math.Abs(lag-c.candLag) <= 1 {
		c.candHold++
	} else {
		c.candLag, c.candHold = lag, 1
	}
	d := lag * float64(c.envLen)
	if !c.locked {
		if c.banned >= 0 && math.Abs(d-c.banned) <= float64(c.taps) && rho < c.bannedRho+relockGain {
			return
		}
		if c.candHold >= lockFrames {
			c.lock(d, gain)
			c.lockRho = rho
		}
		return
	}
	// Moves within the filter's span are the filter's business (see
	// recentre), and so is any delay while the filter cancels.
	if math.Abs(d-c.delay) <= float64(c.taps/2) || c.recentY > relockERLE*c.recentE {
		return
	}
	cur := c.delay / float64(c.envLen)
	if c.candHold >= relockFrames && rho >= c.de.rho(int(math.Round(cur)))+relockGain {
		c.lock(d, gain)
	}
}

// lock takes delay d (samples) as the echo delay, with a fresh filter,
// and gain (the envelope gain at that delay) as a first, generous guess
// of the echo's level.
func (c *Canceller) lock(d, gain float64) {
	c.unlock()
	c.locked = true
	c.delay = d
	c.offset = max(0, int(math.Round(d))-c.pre)
	g := min(1, 2*gain)
	c.coupling = max(g*g, 0.01)
	c.envGain = min(1, 2.25*gain*gain)
	c.de.setLag(int(math.Round(d / float64(c.envLen))))
}

// updateNoise follows the residual's noise floor: the minimum of the
// frame powers over 2 s, and fast down.
func (c *Canceller) updateNoise(p float64) {
	p = max(p, 1e-10)
	m := c.minNoise.push(p)
	if !c.noiseInit {
		c.noise, c.noiseInit = p, true
		return
	}
	if p < c.noise {
		c.noise += 0.3 * (p - c.noise)
	} else {
		c.noise += 0.01 * (p - c.noise)
	}
	c.noise = min(c.noise, 2*m)
}
