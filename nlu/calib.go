package nlu

import (
	"math"
)

// softmax sets out to softmax(scores/t).
func softmax(out, scores []float64, t float64) {
	m := math.Inf(-1)
	for _, s := range scores {
		m = max(m, s)
	}
	sum := 0.0
	for i, s := range scores {
		e := math.Exp((s - m) / t)
		out[i] = e
		sum += e
	}
	for i := range out {
		out[i] /= sum
	}
}

// nll is the mean negative log-likelihood of labels under softmax(scores/t).
func nll(scores [][]float64, labels []int, t float64) float64 {
	total := 0.0
	for i, s := range scores {
		m := math.Inf(-1)
		for _, v := range s {
			m = max(m, v)
		}
		sum := 0.0
		for _, v := range s {
			sum += math.Exp((v - m) / t)
		}
		total += math.Log(sum) - (s[labels[i]]-m)/t
	}
	return total / float64(len(scores))
}

// fitTemperature returns the softmax temperature that minimises the
// negative log-likelihood of held-out labels (Guo et al., "On Calibration
// of Modern Neural Networks", 2017), by golden-section search over log t.
func fitTemperature(scores [][]float64, labels []int) float64 {
	lo, hi := math.Log(1e-3), math.Log(10.0)
	f := func(x float64) float64 { return nll(scores, labels, math.Exp(x)) }
	const g = 0.6180339887498949
	a, b := hi-g*(hi-lo), lo+g*(hi-lo)
	fa, fb := f(a), f(b)
	for range 60 {
		if fa < fb {
			hi, b, fb = b, a, fa
			a = hi - g*(hi-lo)
			fa = f(a)
		} else {
			lo, a, fa = a, b, fb
			b = lo + g*(hi-lo)
			fb = f(b)
		}
	}
	return math.Exp((lo + hi) / 2)
}

// ece is the expected calibration error of top-1 predictions with the
// given confidences: the mean |accuracy - confidence| over bins equal-width
// confidence bins, weighted by the share of predictions in each.
func ece(conf []float64, correct []bool, bins int) float64 {
	if len(conf) == 0 {
		return 0
	}
	sumConf := make([]float64, bins)
	sumAcc := make([]float64, bins)
	count := make([]int, bins)
	for i, c := range conf {
		b := min(int(c*float64(bins)), bins-1)
		b = max(b, 0)
		sumConf[b] += c
		if correct[i] {
			sumAcc[b]++
		}
		count[b]++
	}
	e := 0.0
	for b := range bins {
		if count[b] > 0 {
			e += math.Abs(sumAcc[b]-sumConf[b]) / float64(len(conf))
		}
	}
	return e
}

// CalibrationError returns the expected calibration error (15 equal-width
// bins) of c on test: how far, on average, the confidence of the top class
// is from the accuracy of predictions made with that confidence. The top
// class is taken over every trained class, including an explicit OOS class,
// and the OOS threshold plays no part.
func CalibrationError(c *Classifier, test []Example) float64 {
	conf := make([]float64, 0, len(test))
	correct := make([]bool, 0, len(test))
	probs := make([]float64, len(c.classes))
	for _, ex := range test {
		sc := c.getScratch()
		c.probabilities(sc, ex.Text)
		copy(probs, sc.probs)
		c.putScratch(sc)
		best := 0
		for k, p := range probs {
			if p > probs[best] {
				best = k
			}
		}
		conf = append(conf, probs[best])
		correct = append(correct, c.classes[best] == ex.Intent)
	}
	return ece(conf, correct, 15)
}
