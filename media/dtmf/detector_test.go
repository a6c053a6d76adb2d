package dtmf

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// signal is a local test-signal generator (float samples, later clipped to
// PCM16).
type signal struct {
	rate int
	x    []float64
	rng  *rand.Rand
}

func newSignal(rate int) *signal { return &signal{rate: rate, rng: rand.New(rand.NewPCG(7, 9))} }

func (s *signal) n(d time.Duration) int { return int(d * time.Duration(s.rate) / time.Second) }

// digit appends the two tones of r, each of amplitude amp (the column tone
// scaled by twistDB).
func (s *signal) digit(r rune, d time.Duration, amp, twistDB float64) *signal {
	var fr, fc float64
	for i, row := range keypad {
		for j, k := range row {
			if k == r {
				fr, fc = rowFreqs[i], colFreqs[j]
			}
		}
	}
	ac := amp * math.Pow(10, twistDB/20)
	for i := range s.n(d) {
		t := float64(i) / float64(s.rate)
		s.x = append(s.x, amp*math.Sin(2*math.Pi*fr*t)+ac*math.Sin(2*math.Pi*fc*t+1))
	}
	return s
}

func (s *signal) silence(d time.Duration) *signal {
	s.x = append(s.x, make([]float64, s.n(d))...)
	return s
}

// voice appends a voice-like signal: harmonics of f0 up to 3.4 kHz with
// amplitudes amp(k), random phases and a slow vibrato.
func (s *signal) voice(d time.Duration, f0 float64, amp func(k int) float64) *signal {
	var ph [64]float64
	for k := range ph {
		ph[k] = s.rng.Float64() * 2 * math.Pi
	}
	phase := 0.0
	for i := range s.n(d) {
		t := float64(i) / float64(s.rate)
		f := f0 * (1 + 0.02*math.Sin(2*math.Pi*5*t))
		phase += 2 * math.Pi * f / float64(s.rate)
		var v float64
		for k := 1; float64(k)*f0 < 3400 && k < len(ph); k++ {
			v += amp(k) * math.Sin(float64(k)*phase+ph[k])
		}
		s.x = append(s.x, v)
	}
	return s
}

// noise adds white Gaussian noise snrDB below the power of x[from:].
func (s *signal) noise(snrDB float64) *signal {
	var p float64
	for _, v := range s.x {
		p += v * v
	}
	sigma := math.Sqrt(p / float64(len(s.x)) / math.Pow(10, snrDB/10))
	for i := range s.x {
		s.x[i] += sigma * s.rng.NormFloat64()
	}
	return s
}

// frames cuts the signal into 20 ms frames.
func (s *signal) frames() []media.Frame {
	n := media.SamplesPerFrame(s.rate)
	var out []media.Frame
	for i := 0; i < len(s.x); i += n {
		f := media.Frame{Rate: s.rate, Timestamp: time.Duration(i) * time.Second / time.Duration(s.rate)}
		for _, v := range s.x[i:min(i+n, len(s.x))] {
			f.Samples = append(f.Samples, int16(max(-32768, min(32767, math.Round(v)))))
		}
		out = append(out, f)
	}
	return out
}

func detect(s *signal) []media.DTMF {
	d := NewDetector()
	var out []media.DTMF
	for _, f := range s.frames() {
		out = append(out, d.Process(f)...)
	}
	return append(out, d.Flush()...)
}

func digitsOf(ds []media.DTMF) string {
	var b strings.Builder
	for _, d := range ds {
		b.WriteRune(d.Digit)
	}
	return b.String()
}

const amp = 5000 // about -16 dBFS per tone

func TestDetectorDigits(t *testing.T) {
	for _, rate := range []int{media.Rate8k, media.Rate16k} {
		for _, r := range "0123456789*#ABCD" {
			s := newSignal(rate).silence(30*time.Millisecond).digit(r, 80*time.Millisecond, amp, 0).silence(60 * time.Millisecond)
			got := detect(s)
			if len(got) != 1 || got[0].Digit != r || !got[0].InBand {
				t.Errorf("%d Hz %q: got %+v", rate, r, got)
				continue
			}
			// Start and duration within a window hop or two.
			if d := got[0].Timestamp - 30*time.Millisecond; d < -20*time.Millisecond || d > 20*time.Millisecond {
				t.Errorf("%d Hz %q: start %v, want about 30ms", rate, r, got[0].Timestamp)
			}
			if d := got[0].Duration - 80*time.Millisecond; d < -20*time.Millisecond || d > 20*time.Millisecond {
				t.Errorf("%d Hz %q: duration %v, want about 80ms", rate, r, got[0].Duration)
			}
		}
	}
}

func TestDetector(t *testing.T) {
	ms := time.Millisecond
	formant := func(k int) float64 { // peaks near 750 and 1200 Hz
		f := float64(k) * 150
		return 3000 * (math.Exp(-math.Pow((f-750)/120, 2)) + math.Exp(-math.Pow((f-1200)/120, 2)) + 0.1)
	}
	tests := []struct {
		name string
		sig  func(rate int) *signal
		want string
	}{
		{"1234# with pauses", func(rate int) *signal {
			s := newSignal(rate).silence(20 * ms)
			for _, r := range "1234#" {
				s.digit(r, 60*ms, amp, 0).silence(50 * ms)
			}
			return s
		}, "1234#"},
		{"double press 55", func(rate int) *signal {
			return newSignal(rate).digit('5', 70*ms, amp, 0).silence(45*ms).digit('5', 70*ms, amp, 0)
		}, "55"},
		{"long press is one digit", func(rate int) *signal { return newSignal(rate).digit('9', 2*time.Second, amp, 0) }, "9"},
		{"40 ms tone", func(rate int) *signal {
			return newSignal(rate).silence(7*ms).digit('3', 40*ms, amp, 0).silence(40 * ms)
		}, "3"},
		{"20 ms tone is too short", func(rate int) *signal {
			return newSignal(rate).silence(5*ms).digit('3', 20*ms, amp, 0).silence(40 * ms)
		}, ""},
		{"quiet tone", func(rate int) *signal { return newSignal(rate).digit('6', 100*ms, 1200, 0) }, "6"},
		{"too quiet", func(rate int) *signal { return newSignal(rate).digit('6', 100*ms, 150, 0) }, ""},
		{"normal twist 6 dB", func(rate int) *signal { return newSignal(rate).digit('8', 100*ms, amp, -6) }, "8"},
		{"normal twist 12 dB", func(rate int) *signal { return newSignal(rate).digit('8', 100*ms, amp, -12) }, ""},
		{"reverse twist 3 dB", func(rate int) *signal { return newSignal(rate).digit('8', 100*ms, amp, 3) }, "8"},
		{"reverse twist 7 dB", func(rate int) *signal { return newSignal(rate).digit('8', 100*ms, amp, 7) }, ""},
		{"noise at 20 dB SNR", func(rate int) *signal {
			return newSignal(rate).silence(20*ms).digit('7', 80*ms, amp, 0).silence(50*ms).digit('0', 80*ms, amp, 0).silence(20 * ms).noise(20)
		}, "70"},
		{"voice 1/k", func(rate int) *signal {
			return newSignal(rate).voice(3*time.Second, 150, func(k int) float64 { return 8000 / float64(k) })
		}, ""},
		{"voice flat", func(rate int) *signal {
			return newSignal(rate).voice(3*time.Second, 150, func(int) float64 { return 1500 })
		}, ""},
		{"voice formants on DTMF tones", func(rate int) *signal { return newSignal(rate).voice(3*time.Second, 150, formant) }, ""},
		{"noise only", func(rate int) *signal {
			s := newSignal(rate).silence(2 * time.Second)
			for i := range s.x {
				s.x[i] = 3000 * s.rng.NormFloat64()
			}
			return s
		}, ""},
		{"digit after voice", func(rate int) *signal {
			return newSignal(rate).voice(time.Second, 150, func(k int) float64 { return 8000 / float64(k) }).silence(40*ms).digit('4', 80*ms, amp, 0)
		}, "4"},
	}
	for _, tt := range tests {
		for _, rate := range []int{media.Rate8k, media.Rate16k} {
			t.Run(tt.name+"/"+map[int]string{8000: "8k", 16000: "16k"}[rate], func(t *testing.T) {
				if got := digitsOf(detect(tt.sig(rate))); got != tt.want {
					t.Errorf("detected %q, want %q", got, tt.want)
				}
			})
		}
	}
}

// TestDetectorOrder checks timestamps of a digit sequence increase and
// match the signal.
func TestDetectorOrder(t *testing.T) {
	s := newSignal(8000)
	for _, r := range "1234#" {
		s.silence(100*time.Millisecond).digit(r, 100*time.Millisecond, amp, 0)
	}
	got := detect(s.silence(100 * time.Millisecond))
	if digitsOf(got) != "1234#" {
		t.Fatalf("got %q", digitsOf(got))
	}
	for i, d := range got {
		want := time.Duration(200*i+100) * time.Millisecond
		if diff := d.Timestamp - want; diff < -20*time.Millisecond || diff > 20*time.Millisecond {
			t.Errorf("digit %d at %v, want about %v", i, d.Timestamp, want)
		}
	}
}

func BenchmarkDetector(b *testing.B) {
	for _, rate := range []int{media.Rate8k, media.Rate16k} {
		b.Run(map[int]string{8000: "8k", 16000: "16k"}[rate], func(b *testing.B) {
			fs := newSignal(rate).digit('5', 100*time.Millisecond, amp, 0).silence(100*time.Millisecond).
				voice(time.Second, 150, func(k int) float64 { return 8000 / float64(k) }).frames()
			d := NewDetector()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				d.Process(fs[i%len(fs)])
				i++
			}
		})
	}
}

// TestDetectorMinDuration: 40 ms tones are detected and 20 ms tones are
// not, whatever their alignment with the frames.
func TestDetectorMinDuration(t *testing.T) {
	for _, rate := range []int{media.Rate8k, media.Rate16k} {
		for off := time.Duration(0); off < 20*time.Millisecond; off += 2500 * time.Microsecond {
			for _, tc := range []struct {
				d    time.Duration
				want string
			}{{40 * time.Millisecond, "2"}, {20 * time.Millisecond, ""}} {
				s := newSignal(rate).silence(20*time.Millisecond+off).digit('2', tc.d, amp, 0).silence(40 * time.Millisecond)
				if got := digitsOf(detect(s)); got != tc.want {
					t.Errorf("%d Hz, %v tone at +%v: got %q, want %q", rate, tc.d, off, got, tc.want)
				}
			}
		}
	}
}
