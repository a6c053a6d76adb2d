package vad

import "math"

// Noise tracking constants, per 20 ms frame.
const (
	// smoothing of the band powers the trackers follow (≈ 40 ms).
	smoothAlpha = 0.5
	// downAlpha: how fast an estimate falls towards a lower power.
	downAlpha = 0.3
	// upAlpha: how fast it rises in frames without speech (≈ 1 s).
	upAlpha = 0.02
	// minSub frames per sub-window and minSubs sub-windows: the minimum
	// statistics span minSub·minSubs frames (≈ 1 s).
	minSub  = 12
	minSubs = 4
	// minBias scales the running minimum into a lower bound of the noise
	// estimate: the minimum of a fluctuating power sits below its mean.
	minBias = 1.6
)

// tracker follows the noise floor of k powers (the bands, plus the whole
// band): fast down, slow up when there is no speech, frozen during speech,
// and never below the minimum over the last second times minBias, so a
// louder noise is followed within about a second even while the detector
// wrongly holds it for speech.
type tracker struct {
	init   bool
	smooth []float64
	noise  []float64
	cur    []float64          // minimum in the current sub-window
	subs   [minSubs][]float64 // minima of the last sub-windows
	frames int                // frames in the current sub-window
	floor  []float64          // absolute floors (digital silence)
}

func newTracker(floor []float64) *tracker {
	k := len(floor)
	t := &tracker{
		smooth: make([]float64, k), noise: make([]float64, k),
		cur: make([]float64, k), floor: floor,
	}
	for i := range t.subs {
		t.subs[i] = make([]float64, k)
	}
	return t
}

func (t *tracker) reset() {
	t.init = false
	t.frames = 0
}

// update feeds one frame's powers p; speech says the frame (or the state)
// is speech, which freezes the slow rise.
func (t *tracker) update(p []float64, speech bool) {
	if !t.init {
		t.init = true
		for i, v := range p {
			v = max(v, t.floor[i])
			t.smooth[i], t.noise[i], t.cur[i] = v, v, v
			for s := range t.subs {
				t.subs[s][i] = v
			}
		}
		return
	}
	t.frames++
	rotate := t.frames == minSub
	if rotate {
		t.frames = 0
		last := t.subs[minSubs-1]
		copy(t.subs[1:], t.subs[:minSubs-1])
		t.subs[0] = last
	}
	for i, v := range p {
		v = max(v, t.floor[i])
		s := t.smooth[i] + smoothAlpha*(v-t.smooth[i])
		t.smooth[i] = s
		t.cur[i] = min(t.cur[i], s)
		m := t.cur[i]
		for j := range t.subs {
			m = min(m, t.subs[j][i])
		}
		if rotate {
			t.subs[0][i] = t.cur[i]
			t.cur[i] = s
		}
		n := t.noise[i]
		switch {
		case s < n:
			n += downAlpha * (s - n)
		case !speech:
			n += upAlpha * (s - n)
		}
		t.noise[i] = max(n, minBias*m, t.floor[i])
	}
}

// db converts a power ratio to decibels, with a floor for zero.
func db(p float64) float64 {
	if p <= 1e-30 {
		return -300
	}
	return 10 * math.Log10(p)
}
