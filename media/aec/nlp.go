package aec

import "math"

// suppressor is the non-linear processor: when a frame's residual holds
// no more than the echo left by the linear filter, it is replaced with
// comfort noise, so that what follows (a VAD) sees the line's own noise
// instead of an echo. The comfort noise is the line's noise itself:
// input recorded while the bot was silent, replayed from random points
// at the noise floor's level, so its spectrum matches and a VAD's noise
// tracker sees no change. Without such a recording, the residual is
// attenuated to the noise floor instead.
type suppressor struct {
	g           float64 // gain on the residual (1 - gain on comfort noise)
	suppressing bool
	ramp        int // samples over which the gain changes (2.5 ms)

	cn    []float64 // recorded line noise, ring
	cnLen int
	cnW   int
	cnR   int
	cnPow float64
	sign  float64
	rng   uint64
}

// cnFrames of line noise are kept for comfort noise.
const cnFrames = 8

func newSuppressor(frame int) *suppressor {
	s := &suppressor{cn: make([]float64, cnFrames*frame), ramp: max(1, frame/8)}
	s.reset()
	return s
}

func (s *suppressor) reset() {
	s.g, s.suppressing = 1, false
	s.cnLen, s.cnW, s.cnR, s.cnPow = 0, 0, 0, 0
	s.sign, s.rng = 1, 0x9e3779b97f4a7c15
}

// learn records a frame of input heard while no echo was possible when
// its power py is near the noise floor.
func (s *suppressor) learn(y []float64, py, noise float64) {
	if py > 2.5*noise || py <= 0 {
		return
	}
	for _, v := range y {
		s.cn[s.cnW] = v
		s.cnW = (s.cnW + 1) % len(s.cn)
	}
	s.cnLen = min(len(s.cn), s.cnLen+len(y))
	var sum float64
	for _, v := range s.cn[:s.cnLen] {
		sum += v * v
	}
	s.cnPow = sum / float64(s.cnLen)
}

// idle is called for frames passed through untouched.
func (s *suppressor) idle() { s.g, s.suppressing = 1, false }

// process writes the frame to out: the residual e when pass (near-end
// speech, or nothing to suppress), else comfort noise at the noise floor,
// with gain ramps between the two.
func (s *suppressor) process(e []float64, out []int16, pass bool, noise float64) {
	target := 0.0
	if pass {
		target = 1
	}
	step := (target - s.g) / float64(s.ramp)
	var scale float64
	useCN := s.cnLen > 0 && s.cnPow > 0
	if useCN {
		scale = min(4, math.Sqrt(noise/s.cnPow))
	} else {
		var pe float64
		for _, v := range e {
			pe += v * v
		}
		pe /= float64(len(e))
		if pe > 0 {
			scale = min(1, math.Sqrt(noise/pe))
		}
	}
	g := s.g
	s.suppressing = g < 1 || target < 1
	for i, v := range e {
		if step != 0 {
			g += step
			if (step > 0 && g > target) || (step < 0 && g < target) {
				g, step = target, 0
			}
		}
		if g >= 1 {
			out[i] = sat(v)
			continue
		}
		var cn float64
		if useCN {
			cn = s.next() * scale
		} else {
			cn = v * scale
		}
		out[i] = sat(g*v + (1-g)*cn)
	}
	s.g = g
}

// next returns the next comfort-noise sample: the recording read from a
// random point, with a random sign, jumping elsewhere every wrap.
func (s *suppressor) next() float64 {
	if s.cnR >= s.cnLen {
		// xorshift64
		s.rng ^= s.rng << 13
		s.rng ^= s.rng >> 7
		s.rng ^= s.rng << 17
		s.cnR = int(s.rng % uint64(s.cnLen/2+1))
		s.sign = 1
		if s.rng&(1<<40) != 0 {
			s.sign = -1
		}
	}
	v := s.cn[s.cnR] * s.sign
	s.cnR++
	return v
}

// minTracker keeps the minimum of the last n values in sub-windows.
type minTracker struct {
	sub  int
	cur  float64
	k    int
	mins [5]float64
}

func newMinTracker(n int) minTracker { return minTracker{sub: max(1, n/5)} }

func (m *minTracker) reset() {
	m.cur, m.k = math.Inf(1), 0
	for i := range m.mins {
		m.mins[i] = math.Inf(1)
	}
}

// push adds a value and returns the minimum over the window.
func (m *minTracker) push(v float64) float64 {
	m.cur = min(m.cur, v)
	m.k++
	r := m.cur
	for _, x := range m.mins {
		r = min(r, x)
	}
	if m.k == m.sub {
		copy(m.mins[1:], m.mins[:4])
		m.mins[0] = m.cur
		m.cur, m.k = math.Inf(1), 0
	}
	return r
}
