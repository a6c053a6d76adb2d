package media

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media/audiotest"
)

var rates = []int{Rate8k, Rate16k, Rate48k}

func mustResampler(t testing.TB, from, to int) *Resampler {
	t.Helper()
	r, err := NewResampler(from, to)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// resampleFrames resamples src 20 ms at a time.
func resampleFrames(r *Resampler, src []int16) []int16 {
	var out []int16
	n := SamplesPerFrame(r.from)
	for i := 0; i < len(src); i += n {
		out = r.Resample(out, src[i:min(i+n, len(src))])
	}
	return out
}

// settled drops the filter's start-up transient.
func settled(s []int16, rate int) []int16 { return s[rate/50:] }

func TestNewResamplerRates(t *testing.T) {
	for _, from := range rates {
		for _, to := range rates {
			if _, err := NewResampler(from, to); err != nil {
				t.Errorf("%d->%d: %v", from, to, err)
			}
		}
	}
	for _, bad := range [][2]int{{44100, 8000}, {8000, 22050}, {0, 8000}} {
		_, err := NewResampler(bad[0], bad[1])
		if !errors.Is(err, ErrUnsupportedRate) {
			t.Errorf("%v: %v, want ErrUnsupportedRate", bad, err)
			continue
		}
		rate := bad[0]
		if rate == 8000 {
			rate = bad[1]
		}
		if want := fmt.Sprint(rate); !strings.Contains(err.Error(), want) {
			t.Errorf("%v: %q does not name %s", bad, err, want)
		}
	}
}

// TestResamplePassBand sends tones through every pair: frequency, level
// (within 0.2 dB) and length are kept.
func TestResamplePassBand(t *testing.T) {
	for _, from := range rates {
		for _, to := range rates {
			low := min(from, to)
			for _, freq := range []float64{300, 1000, 0.38 * float64(low)} {
				t.Run(fmt.Sprintf("%d-%d/%v", from, to, freq), func(t *testing.T) {
					r := mustResampler(t, from, to)
					out := resampleFrames(r, audiotest.Tone(freq, from, 500*time.Millisecond, 0.5))
					if want := to / 2; len(out) != want {
						t.Fatalf("%d samples, want %d", len(out), want)
					}
					out = settled(out, to)
					if f := audiotest.PeakFrequency(out, to); math.Abs(f-freq) > 3 {
						t.Errorf("peak at %.1f Hz", f)
					}
					gain := audiotest.DB(audiotest.Power(out, to, freq) / (0.5 * 0.5 / 2))
					if math.Abs(gain) > 0.2 {
						t.Errorf("gain %.2f dB", gain)
					}
					if snr := audiotest.ToneSNR(out, to, freq); snr < 60 {
						t.Errorf("SNR %.1f dB", snr)
					}
				})
			}
		}
	}
}

// TestResampleChain: a 1 kHz tone survives 8k -> 16k -> 48k -> 8k.
func TestResampleChain(t *testing.T) {
	sig := audiotest.Tone(1000, Rate8k, time.Second, 0.5)
	for _, step := range [][2]int{{Rate8k, Rate16k}, {Rate16k, Rate48k}, {Rate48k, Rate8k}} {
		sig = resampleFrames(mustResampler(t, step[0], step[1]), sig)
	}
	if len(sig) != Rate8k {
		t.Fatalf("%d samples, want %d", len(sig), Rate8k)
	}
	sig = sig[Rate8k/10:]
	if f := audiotest.PeakFrequency(sig, Rate8k); math.Abs(f-1000) > 2 {
		t.Errorf("peak at %.1f Hz, want 1000", f)
	}
	if gain := audiotest.DB(audiotest.Power(sig, Rate8k, 1000) / (0.5 * 0.5 / 2)); math.Abs(gain) > 1 {
		t.Errorf("gain %.2f dB, want within 1 dB", gain)
	}
	if snr := audiotest.ToneSNR(sig, Rate8k, 1000); snr < 55 {
		t.Errorf("SNR %.1f dB", snr)
	}
}

// TestResampleStopBand: tones above the lower rate's Nyquist frequency do
// not alias into the output.
func TestResampleStopBand(t *testing.T) {
	tests := []struct {
		from, to    int
		freq, alias float64
		minAtten    float64
	}{
		{Rate16k, Rate8k, 6000, 2000, 50},
		{Rate48k, Rate16k, 20000, 4000, 50},
		{Rate48k, Rate8k, 5000, 3000, 50},
		{Rate48k, Rate8k, 19000, 3000, 50},
		{Rate16k, Rate8k, 4400, 3600, 60}, // just past the transition band
		// Up-sampling: no images of the tone above the input Nyquist frequency.
		{Rate8k, Rate16k, 1000, 7000, 50},
		{Rate8k, Rate48k, 1000, 9000, 50},
		{Rate16k, Rate48k, 3000, 13000, 50},
	}
	for _, tt := range tests {
		name := fmt.Sprintf("%d-%d/%v", tt.from, tt.to, tt.freq)
		t.Run(name, func(t *testing.T) {
			in := audiotest.Tone(tt.freq, tt.from, 500*time.Millisecond, 0.9)
			out := settled(resampleFrames(mustResampler(t, tt.from, tt.to), in), tt.to)
			ref := 0.9 * 0.9 / 2
			atten := -audiotest.DB(audiotest.Power(out, tt.to, tt.alias) / ref)
			if atten < tt.minAtten {
				t.Errorf("%v Hz at %.1f dB below the input, want >= %v dB", tt.alias, atten, tt.minAtten)
			}
			t.Logf("%v Hz: %.1f dB down", tt.alias, atten)
		})
	}
}

// TestResampleStopBandSweep checks >= 60 dB of stop-band rejection over the
// whole band that would alias, for each down-sampling pair.
func TestResampleStopBandSweep(t *testing.T) {
	for _, p := range [][2]int{{Rate16k, Rate8k}, {Rate48k, Rate16k}, {Rate48k, Rate8k}} {
		from, to := p[0], p[1]
		var worst float64 = math.Inf(1)
		var worstF float64
		for freq := 0.5*float64(to) + 50; freq < 0.5*float64(from); freq += 250 {
			in := audiotest.Tone(freq, from, 200*time.Millisecond, 0.9)
			out := settled(resampleFrames(mustResampler(t, from, to), in), to)
			atten := -audiotest.DB(audiotest.RMS(out) * audiotest.RMS(out) / (0.9 * 0.9 / 2))
			if atten < worst {
				worst, worstF = atten, freq
			}
		}
		if worst < 60 {
			t.Errorf("%d->%d: only %.1f dB down at %v Hz", from, to, worst, worstF)
		}
		t.Logf("%d->%d: stop band at least %.1f dB down (worst at %v Hz)", from, to, worst, worstF)
	}
}

// TestResampleFrameByFrame: any chunking gives the same output as the whole
// buffer at once.
func TestResampleFrameByFrame(t *testing.T) {
	in := audiotest.Tone(440, Rate48k, 300*time.Millisecond, 0.7)
	for _, from := range rates {
		for _, to := range rates {
			src := resampleFrames(mustResampler(t, Rate48k, from), in)
			whole := mustResampler(t, from, to).Resample(nil, src)
			for _, chunk := range []int{SamplesPerFrame(from), 7, 1, 333} {
				r := mustResampler(t, from, to)
				var got []int16
				for i := 0; i < len(src); i += chunk {
					got = r.Resample(got, src[i:min(i+chunk, len(src))])
				}
				if !slices.Equal(got, whole) {
					t.Errorf("%d->%d in chunks of %d: differs from the whole buffer (%d vs %d samples)", from, to, chunk, len(got), len(whole))
				}
			}
		}
	}
}

// TestResampleNoClicks: no sample-to-sample jump larger than the tone's
// own slope, which a discontinuity at a frame boundary would cause.
func TestResampleNoClicks(t *testing.T) {
	in := audiotest.Tone(1000, Rate8k, 200*time.Millisecond, 0.5)
	out := settled(resampleFrames(mustResampler(t, Rate8k, Rate48k), in), Rate48k)
	maxStep := 0.5 * 32768 * 2 * math.Pi * 1000 / Rate48k * 1.05
	for i := 1; i < len(out); i++ {
		if d := math.Abs(float64(out[i]) - float64(out[i-1])); d > maxStep {
			t.Fatalf("jump of %v at %d (max %.0f)", d, i, maxStep)
		}
	}
}

func TestResampleSaturates(t *testing.T) {
	// A full-scale square wave overshoots (Gibbs): the output clips, not wraps.
	in := make([]int16, 1600)
	for i := range in {
		in[i] = math.MaxInt16
		if i/20%2 == 1 {
			in[i] = math.MinInt16
		}
	}
	out := mustResampler(t, Rate8k, Rate16k).Resample(nil, in)
	for i := 1; i < len(out); i++ {
		if d := int(out[i]) - int(out[i-1]); d > 40000 || d < -40000 {
			t.Fatalf("wrapped at %d: %d -> %d", i, out[i-1], out[i])
		}
	}
}

func TestResamplerResetAndDelay(t *testing.T) {
	r := mustResampler(t, Rate8k, Rate48k)
	in := audiotest.Tone(500, Rate8k, 100*time.Millisecond, 0.5)
	a := r.Resample(nil, in)
	r.Reset()
	b := r.Resample(nil, in)
	if !slices.Equal(a, b) {
		t.Error("Reset does not restart the stream")
	}
	for _, from := range rates {
		for _, to := range rates {
			d := mustResampler(t, from, to).Delay()
			if (from == to) != (d == 0) || d > 3*time.Millisecond {
				t.Errorf("%d->%d: delay %v", from, to, d)
			}
		}
	}
	same := mustResampler(t, Rate16k, Rate16k)
	if got := same.Resample([]int16{9}, []int16{1, 2}); !slices.Equal(got, []int16{9, 1, 2}) {
		t.Errorf("same rate: %v", got)
	}
}

func TestResampleSink(t *testing.T) {
	var got []Frame
	next := SinkFunc(func(f Frame) error {
		f.Samples = slices.Clone(f.Samples)
		got = append(got, f)
		return nil
	})
	s := ResampleSink(Rate16k, next)
	in := []Frame{
		{Samples: make([]int16, 160), Rate: Rate8k, Timestamp: 0},
		{Samples: make([]int16, 160), Rate: Rate8k, Timestamp: 20 * time.Millisecond},
		{Samples: make([]int16, 960), Rate: Rate48k, Timestamp: 40 * time.Millisecond},
		{Samples: make([]int16, 320), Rate: Rate16k, Timestamp: 60 * time.Millisecond},
	}
	for _, f := range in {
		if err := s.WriteFrame(f); err != nil {
			t.Fatal(err)
		}
	}
	for i, f := range got {
		if f.Rate != Rate16k || len(f.Samples) != 320 || f.Timestamp != in[i].Timestamp {
			t.Errorf("frame %d: rate %d, %d samples at %v", i, f.Rate, len(f.Samples), f.Timestamp)
		}
	}
	if err := s.WriteFrame(Frame{Samples: make([]int16, 441), Rate: 22050}); !errors.Is(err, ErrUnsupportedRate) {
		t.Errorf("22050 Hz frame: %v", err)
	}
}

// BenchmarkResample resamples one 20 ms frame per op.
func BenchmarkResample(b *testing.B) {
	for _, from := range rates {
		for _, to := range rates {
			if from == to {
				continue
			}
			b.Run(fmt.Sprintf("%dto%d", from/1000, to/1000), func(b *testing.B) {
				r := mustResampler(b, from, to)
				src := audiotest.Tone(1000, from, FrameDuration, 0.5)
				dst := make([]int16, 0, SamplesPerFrame(to)+1)
				b.ReportAllocs()
				for b.Loop() {
					dst = r.Resample(dst[:0], src)
				}
			})
		}
	}
}

func BenchmarkResampleSink(b *testing.B) {
	s := ResampleSink(Rate16k, SinkFunc(func(Frame) error { return nil }))
	f := Frame{Samples: audiotest.Tone(1000, Rate8k, FrameDuration, 0.5), Rate: Rate8k}
	b.ReportAllocs()
	for b.Loop() {
		_ = s.WriteFrame(f)
		f.Timestamp += FrameDuration
	}
}
