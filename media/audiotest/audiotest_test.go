package audiotest

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestTone(t *testing.T) {
	tests := []struct {
		freq float64
		rate int
		amp  float64
	}{
		{440, 8000, 0.5},
		{1000, 8000, 0.9},
		{3400, 8000, 0.1},
		{1000, 16000, 0.5},
		{7000, 16000, 0.25},
		{1000, 48000, 0.5},
		{20000, 48000, 0.5},
	}
	for _, tt := range tests {
		s := Tone(tt.freq, tt.rate, 200*time.Millisecond, tt.amp)
		if want := tt.rate / 5; len(s) != want {
			t.Fatalf("%v Hz @%d: %d samples, want %d", tt.freq, tt.rate, len(s), want)
		}
		if got := PeakFrequency(s, tt.rate); math.Abs(got-tt.freq) > 5 {
			t.Errorf("%v Hz @%d: peak at %.1f Hz", tt.freq, tt.rate, got)
		}
		if got := Amplitude(s, tt.rate, tt.freq); math.Abs(got-tt.amp) > 0.005 {
			t.Errorf("%v Hz @%d: amplitude %.4f, want %.4f", tt.freq, tt.rate, got, tt.amp)
		}
		if got, want := RMS(s), tt.amp/math.Sqrt2; math.Abs(got-want) > 0.002 {
			t.Errorf("%v Hz @%d: RMS %.4f, want %.4f", tt.freq, tt.rate, got, want)
		}
		if snr := ToneSNR(s, tt.rate, tt.freq); snr < 70 {
			t.Errorf("%v Hz @%d: SNR %.1f dB of a clean tone", tt.freq, tt.rate, snr)
		}
	}
}

func TestToneClips(t *testing.T) {
	s := Tone(100, 8000, 20*time.Millisecond, 2)
	var hi, lo int16
	for _, v := range s {
		hi, lo = max(hi, v), min(lo, v)
	}
	if hi != math.MaxInt16 || lo != math.MinInt16 {
		t.Errorf("range %d..%d, want clipped to the int16 range", lo, hi)
	}
}

func TestDTMFTone(t *testing.T) {
	all := []float64{697, 770, 852, 941, 1209, 1336, 1477, 1633}
	for _, d := range "0123456789*#ABCD" {
		low, high, ok := DTMFFrequencies(d)
		if !ok {
			t.Fatalf("%c: not a digit", d)
		}
		s := DTMFTone(d, 8000, 100*time.Millisecond)
		for _, f := range all {
			p := DB(Power(s, 8000, f))
			want := f == low || f == high
			// Each component has amplitude 0.25: 10·log10(0.25²/2) = -15 dB.
			switch {
			case want && math.Abs(p+15.05) > 0.5:
				t.Errorf("%c: %v Hz at %.1f dB, want -15 dB", d, f, p)
			case !want && p > -45:
				t.Errorf("%c: %v Hz at %.1f dB, want absent", d, f, p)
			}
		}
	}
	if DTMFTone('x', 8000, time.Second) != nil {
		t.Error("DTMFTone('x') is not nil")
	}
	if l, h, _ := DTMFFrequencies('a'); l != 697 || h != 1633 {
		t.Errorf("'a' = %v/%v Hz, want 697/1633", l, h)
	}
}

func TestSpectrum(t *testing.T) {
	a := Tone(500, 8000, 100*time.Millisecond, 0.5)
	b := Tone(2000, 8000, 100*time.Millisecond, 0.25)
	for i := range a {
		a[i] += b[i]
	}
	mag, bin := Spectrum(a, 8000)
	if len(mag) != 513 || bin != 8000.0/1024 {
		t.Fatalf("%d bins of %v Hz", len(mag), bin)
	}
	at := func(f float64) float64 {
		m := 0.0
		for i := range mag {
			if math.Abs(float64(i)*bin-f) < 2*bin {
				m = max(m, mag[i])
			}
		}
		return m
	}
	// Off-bin tones lose up to 1.4 dB to the Hann window's scalloping.
	if m := at(500); m < 0.4 || m > 0.51 {
		t.Errorf("500 Hz reads %.3f, want about 0.5", m)
	}
	if m := at(2000); m < 0.2 || m > 0.26 {
		t.Errorf("2000 Hz reads %.3f, want about 0.25", m)
	}
	if m := at(3000); m > 0.001 {
		t.Errorf("3000 Hz reads %.4f, want nothing", m)
	}
	if PeakFrequency(a, 8000) < 499 || PeakFrequency(a, 8000) > 501 {
		t.Errorf("peak at %.1f Hz, want 500", PeakFrequency(a, 8000))
	}
	if PeakFrequency(make([]int16, 100), 8000) != 0 {
		t.Error("silence has a peak frequency")
	}
	if m, _ := Spectrum(nil, 8000); m != nil {
		t.Error("spectrum of nothing")
	}
}

func TestSNR(t *testing.T) {
	ref := Tone(1000, 8000, time.Second, 0.5)
	noisy := make([]int16, len(ref))
	rng := rand.New(rand.NewPCG(1, 2))
	// Uniform noise of ±A has power A²/3; the tone has 0.5²/2.
	const noiseAmp = 0.01
	for i, v := range ref {
		noisy[i] = v + int16((rng.Float64()*2-1)*noiseAmp*fullScale)
	}
	want := DB((0.5 * 0.5 / 2) / (noiseAmp * noiseAmp / 3))
	tests := []struct {
		name string
		got  float64
	}{
		{"SNR", SNR(ref, noisy)},
		{"ToneSNR", ToneSNR(noisy, 8000, 1000)},
	}
	for _, tt := range tests {
		if math.Abs(tt.got-want) > 0.5 {
			t.Errorf("%s = %.2f dB, want %.2f", tt.name, tt.got, want)
		}
	}
	if !math.IsInf(SNR(ref, ref), 1) {
		t.Error("SNR of identical signals is not +Inf")
	}
}

func TestPowerRejectsOtherTones(t *testing.T) {
	s := Tone(1000, 16000, 100*time.Millisecond, 1)
	if p := DB(Power(s, 16000, 2000)); p > -60 {
		t.Errorf("1 kHz tone reads %.1f dB at 2 kHz", p)
	}
	if p := DB(Power(s, 16000, 1000)); math.Abs(p+3.01) > 0.05 {
		t.Errorf("full-scale tone reads %.2f dB, want -3.01", p)
	}
}
