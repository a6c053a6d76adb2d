package pcm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/audiotest"
)

// Engine rates (espeak-ng 22050, OpenAI 24000) and call rates.
var (
	engineRates = []int{22050, 24000}
	callRates   = []int{media.Rate8k, media.Rate16k, media.Rate48k}
)

func mustResampler(t testing.TB, from, to int) *Resampler {
	t.Helper()
	r, err := NewResampler(from, to)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// chunked resamples src in chunks of n samples.
func chunked(r *Resampler, src []int16, n int) []int16 {
	var out []int16
	for i := 0; i < len(src); i += n {
		out = r.Resample(out, src[i:min(i+n, len(src))])
	}
	return out
}

func TestResamplerRatios(t *testing.T) {
	for _, tc := range []struct{ from, to, up, down int }{
		{22050, 8000, 160, 441}, {22050, 16000, 320, 441}, {22050, 48000, 320, 147},
		{24000, 8000, 1, 3}, {24000, 16000, 2, 3}, {24000, 48000, 2, 1}, {16000, 16000, 1, 1},
	} {
		r := mustResampler(t, tc.from, tc.to)
		if up, down := r.Ratio(); up != tc.up || down != tc.down {
			t.Errorf("%d→%d: ratio %d/%d, want %d/%d", tc.from, tc.to, up, down, tc.up, tc.down)
		}
		if d := r.Delay(); d > 6*time.Millisecond {
			t.Errorf("%d→%d: delay %v", tc.from, tc.to, d)
		}
	}
	for _, bad := range []int{0, -1, MaxRate + 1} {
		if _, err := NewResampler(bad, 8000); !errors.Is(err, ErrRate) {
			t.Errorf("rate %d: %v", bad, err)
		}
	}
}

// TestResamplePassBand: tones in the pass band keep their frequency and
// level (±0.1 dB), and n input samples give n·to/from output samples.
func TestResamplePassBand(t *testing.T) {
	for _, from := range engineRates {
		for _, to := range callRates {
			low := float64(min(from, to))
			for _, freq := range []float64{300, 1000, 0.38 * low} {
				t.Run(fmt.Sprintf("%d-%d/%.0f", from, to, freq), func(t *testing.T) {
					r := mustResampler(t, from, to)
					out := chunked(r, audiotest.Tone(freq, from, time.Second, 0.5), 441)
					if d := len(out) - to; d < -1 || d > 1 {
						t.Fatalf("%d samples from 1 s, want %d", len(out), to)
					}
					out = out[to/20:] // past the start-up transient
					if f := audiotest.PeakFrequency(out, to); math.Abs(f-freq) > 2 {
						t.Errorf("peak at %.1f Hz", f)
					}
					gain := audiotest.DB(audiotest.Power(out, to, freq) / (0.5 * 0.5 / 2))
					if math.Abs(gain) > 0.1 {
						t.Errorf("gain %.3f dB", gain)
					}
					if snr := audiotest.ToneSNR(out, to, freq); snr < 70 {
						t.Errorf("SNR %.1f dB", snr)
					}
				})
			}
		}
	}
}

// TestResampleAliasing: a tone above the output's Nyquist frequency must
// not fold back into the output (down-sampling), and the images of a tone
// must not appear above the input's Nyquist frequency (up-sampling).
func TestResampleAliasing(t *testing.T) {
	type probe struct{ in, spur float64 }
	for _, from := range engineRates {
		for _, to := range callRates {
			var probes []probe
			if to < from {
				// Just past the stop-band edge, and well into the stop band.
				for _, k := range []float64{0.54, 0.65} {
					in := k * float64(to)
					probes = append(probes, probe{in, float64(to) - in})
				}
			} else {
				in := 0.3 * float64(from)
				probes = append(probes, probe{in, float64(from) - in}) // first image
			}
			for _, p := range probes {
				t.Run(fmt.Sprintf("%d-%d/%.0f", from, to, p.in), func(t *testing.T) {
					r := mustResampler(t, from, to)
					out := chunked(r, audiotest.Tone(p.in, from, time.Second, 0.9), 320)[to/20:]
					rel := audiotest.DB(audiotest.Power(out, to, p.spur) / (0.9 * 0.9 / 2))
					t.Logf("%.0f Hz in: spur at %.0f Hz %.1f dB", p.in, p.spur, rel)
					if rel > -70 {
						t.Errorf("spur at %.0f Hz: %.1f dB", p.spur, rel)
					}
					if to < from {
						if rms := audiotest.RMS(out); rms > 0.9/math.Sqrt2*1e-3 {
							t.Errorf("stop-band tone leaks: RMS %.2g", rms)
						}
					}
				})
			}
		}
	}
}

// TestResampleChunking: chunk sizes do not change the output.
func TestResampleChunking(t *testing.T) {
	src := audiotest.Tone(1234, 22050, 300*time.Millisecond, 0.7)
	for _, to := range callRates {
		want := chunked(mustResampler(t, 22050, to), src, len(src))
		for _, n := range []int{1, 7, 441, 1000} {
			got := chunked(mustResampler(t, 22050, to), src, n)
			if !slices.Equal(got, want) {
				t.Errorf("→%d in chunks of %d: differs (%d vs %d samples)", to, n, len(got), len(want))
			}
		}
	}
}

// collect is a sink that keeps copies of the frames.
type collect struct {
	frames []media.Frame
	err    error // returned from WriteFrame once set
}

func (c *collect) WriteFrame(f media.Frame) error {
	if c.err != nil {
		return c.err
	}
	f.Samples = slices.Clone(f.Samples)
	c.frames = append(c.frames, f)
	return nil
}

func (c *collect) Close() error { return nil }

func (c *collect) samples() []int16 {
	var s []int16
	for _, f := range c.frames {
		s = append(s, f.Samples...)
	}
	return s
}

func TestFramer(t *testing.T) {
	ctx := context.Background()
	for _, from := range engineRates {
		for _, to := range callRates {
			t.Run(fmt.Sprintf("%d-%d", from, to), func(t *testing.T) {
				var c collect
				fr, err := NewFramer(&c, from, to)
				if err != nil {
					t.Fatal(err)
				}
				// 1.01 s: silence, then a click at 500 ms, in odd chunks.
				src := make([]int16, from*101/100)
				src[from/2] = 30000
				for i := 0; i < len(src); i += 733 {
					if err := fr.Write(ctx, src[i:min(i+733, len(src))]); err != nil {
						t.Fatal(err)
					}
				}
				if err := fr.Flush(ctx); err != nil {
					t.Fatal(err)
				}
				if n, want := len(c.frames), 51; n != want || fr.Frames() != want {
					t.Fatalf("%d frames (Frames %d), want %d", n, fr.Frames(), want)
				}
				for i, f := range c.frames {
					if len(f.Samples) != to/50 || f.Rate != to || f.Timestamp != time.Duration(i)*20*time.Millisecond {
						t.Fatalf("frame %d: %d samples at %d Hz, ts %v", i, len(f.Samples), f.Rate, f.Timestamp)
					}
				}
				out := c.samples()
				peak := 0
				for i, v := range out {
					if abs(v) > abs(out[peak]) {
						peak = i
					}
				}
				if d := peak - to/2; d < -1 || d > 1 {
					t.Errorf("click at output sample %d, want %d (delay not compensated)", peak, to/2)
				}
				tail := out[to*101/100:]
				if slices.ContainsFunc(tail, func(v int16) bool { return v != 0 }) {
					t.Errorf("padding is not silent")
				}
			})
		}
	}
	if _, err := NewFramer(&collect{}, 22050, 44100); !errors.Is(err, media.ErrUnsupportedRate) {
		t.Errorf("44100: %v", err)
	}
}

func abs(v int16) int {
	if v < 0 {
		return -int(v)
	}
	return int(v)
}

func TestFramerStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	sink := media.SinkFunc(func(media.Frame) error {
		n++
		if n == 3 {
			cancel()
		}
		return nil
	})
	fr, _ := NewFramer(sink, 22050, 8000)
	err := fr.Write(ctx, make([]int16, 22050))
	if !errors.Is(err, context.Canceled) || n != 3 {
		t.Errorf("after cancel: %v, %d frames", err, n)
	}
	if err := fr.Flush(ctx); !errors.Is(err, context.Canceled) || n != 3 {
		t.Errorf("flush after cancel: %v, %d frames", err, n)
	}

	boom := errors.New("boom")
	c := &collect{err: boom}
	fr, _ = NewFramer(c, 24000, 16000)
	if err := fr.Write(context.Background(), make([]int16, 4800)); !errors.Is(err, boom) {
		t.Errorf("sink error: %v", err)
	}
}

func BenchmarkResampleFrame(b *testing.B) {
	for _, from := range engineRates {
		for _, to := range callRates {
			b.Run(fmt.Sprintf("%d-%d", from, to), func(b *testing.B) {
				r := mustResampler(b, from, to)
				src := audiotest.Tone(440, from, 20*time.Millisecond, 0.5)
				dst := make([]int16, 0, 2*to/50)
				b.SetBytes(int64(2 * len(src)))
				b.ReportAllocs()
				for b.Loop() {
					dst = r.Resample(dst[:0], src)
				}
			})
		}
	}
}

func BenchmarkFramer(b *testing.B) {
	fr, _ := NewFramer(media.SinkFunc(func(media.Frame) error { return nil }), 22050, media.Rate16k)
	src := audiotest.Tone(440, 22050, 20*time.Millisecond, 0.5)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		_ = fr.Write(ctx, src)
	}
}
