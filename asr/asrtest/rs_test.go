package asrtest

import (
	"math"
	"testing"
)

func TestResampleAnyTone(t *testing.T) {
	in := make([]int16, 22050)
	for i := range in {
		in[i] = int16(10000 * math.Sin(2*math.Pi*1000*float64(i)/22050))
	}
	out := resampleAny(in, 22050, 16000)
	if len(out) != 16000 {
		t.Fatalf("len %d", len(out))
	}
	// Correlate with a 1 kHz tone at 16 kHz.
	var c, s, e float64
	for i, v := range out[100 : len(out)-100] {
		x := float64(v)
		c += x * math.Cos(2*math.Pi*1000*float64(i+100)/16000)
		s += x * math.Sin(2*math.Pi*1000*float64(i+100)/16000)
		e += x * x
	}
	n := float64(len(out) - 200)
	amp := 2 * math.Hypot(c, s) / n
	rms := math.Sqrt(e / n)
	if math.Abs(amp-10000) > 200 || math.Abs(rms-10000/math.Sqrt2) > 200 {
		t.Fatalf("tone amplitude %.0f, rms %.0f", amp, rms)
	}
}
