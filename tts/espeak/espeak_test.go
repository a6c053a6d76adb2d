package espeak

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/audiotest"
	"github.com/switchboard-voice/switchboard/tts"
)

// Test sentences: a typical 10-word English prompt and a Mandarin one.
const (
	english  = "Your card ending in 4821 has been blocked for your safety."
	mandarin = "您的包裹已经发出，预计明天下午送达。"
)

var rates = []int{media.Rate8k, media.Rate16k, media.Rate48k}

// engines are the two backends, skipped when unavailable.
func engines(t testing.TB) map[string]*Synthesizer {
	t.Helper()
	out := map[string]*Synthesizer{}
	if haveLib {
		out["lib"] = mustNew(t)
	}
	out["cli"] = mustNew(t, WithCommand("espeak-ng"))
	return out
}

func mustNew(t testing.TB, opts ...Option) *Synthesizer {
	t.Helper()
	s, err := New(opts...)
	if errors.Is(err, ErrUnavailable) {
		t.Skipf("espeak-ng not available: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// recorder keeps copies of the frames written to it.
type recorder struct {
	mu     sync.Mutex
	frames []media.Frame
	first  time.Time
}

func (r *recorder) WriteFrame(f media.Frame) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.frames) == 0 {
		r.first = time.Now()
	}
	f.Samples = slices.Clone(f.Samples)
	r.frames = append(r.frames, f)
	return nil
}

func (r *recorder) Close() error { return nil }

func (r *recorder) samples() []int16 {
	var s []int16
	for _, f := range r.frames {
		s = append(s, f.Samples...)
	}
	return s
}

// checkFrames checks frame sizes, rates and timestamps.
func checkFrames(t *testing.T, frames []media.Frame, rate int) {
	t.Helper()
	for i, f := range frames {
		if len(f.Samples) != rate/50 || f.Rate != rate || f.Timestamp != time.Duration(i)*media.FrameDuration {
			t.Fatalf("frame %d: %d samples at %d Hz, timestamp %v; want %d samples at %d Hz, %v",
				i, len(f.Samples), f.Rate, f.Timestamp, rate/50, rate, time.Duration(i)*media.FrameDuration)
		}
	}
}

func TestSpeak(t *testing.T) {
	for name, s := range engines(t) {
		for _, tc := range []struct {
			lang, text string
			min, max   time.Duration // plausible duration
		}{
			{"en-US", english, 2500 * time.Millisecond, 6 * time.Second},
			{"zh-CN", mandarin, 2 * time.Second, 7 * time.Second},
		} {
			for _, rate := range rates {
				t.Run(fmt.Sprintf("%s/%s/%d", name, tc.lang, rate), func(t *testing.T) {
					var r recorder
					err := s.Synthesize(context.Background(), tts.Request{Text: tc.text, Language: tc.lang, Rate: rate}, &r)
					if err != nil {
						t.Fatal(err)
					}
					checkFrames(t, r.frames, rate)
					dur := time.Duration(len(r.frames)) * media.FrameDuration
					if dur < tc.min || dur > tc.max {
						t.Errorf("duration %v, want %v..%v", dur, tc.min, tc.max)
					}
					pcm := r.samples()
					if rms := audiotest.RMS(pcm); rms < 0.02 {
						t.Errorf("RMS %.4f: (nearly) silent", rms)
					}
					// Speech energy sits in the telephone band; at 8 kHz
					// nothing may be near full-scale clipping.
					var clipped int
					for _, v := range pcm {
						if v == 32767 || v == -32768 {
							clipped++
						}
					}
					if clipped > len(pcm)/1000 {
						t.Errorf("%d clipped samples", clipped)
					}
				})
			}
		}
	}
}

// TestEnding: the audio ends with the last word (its trailing silence
// dropped), or with a sentence pause when asked for.
func TestEnding(t *testing.T) {
	for _, pause := range []bool{false, true} {
		s := mustNew(t, WithSentencePause(pause))
		var r recorder
		if err := s.Synthesize(context.Background(), tts.Request{Text: "Goodbye.", Language: "en", Rate: 16000}, &r); err != nil {
			t.Fatal(err)
		}
		pcm := r.samples()
		tail := audiotest.RMS(pcm[len(pcm)-16000/10:]) // last 100 ms
		if pause && tail > 0.001 || !pause && tail < 0.001 {
			t.Errorf("sentence pause %v: last 100 ms at RMS %.4f", pause, tail)
		}
	}
}

// TestSameAudioAtEveryRate: the 8 kHz rendering is the 16 kHz one band
// limited: their levels agree.
func TestLevelsAgreeAcrossRates(t *testing.T) {
	s := mustNew(t)
	level := map[int]float64{}
	for _, rate := range rates {
		var r recorder
		if err := s.Synthesize(context.Background(), tts.Request{Text: english, Language: "en", Rate: rate}, &r); err != nil {
			t.Fatal(err)
		}
		level[rate] = audiotest.RMS(r.samples())
	}
	if d := audiotest.DB(level[8000]*level[8000]) - audiotest.DB(level[48000]*level[48000]); d > 0.5 || d < -6 {
		t.Errorf("levels 8k %.4f vs 48k %.4f (%.1f dB)", level[8000], level[48000], d)
	}
	if d := audiotest.DB(level[16000]*level[16000]) - audiotest.DB(level[48000]*level[48000]); d > 0.5 || d < -2 {
		t.Errorf("levels 16k %.4f vs 48k %.4f (%.1f dB)", level[16000], level[48000], d)
	}
}

func TestVoiceSelection(t *testing.T) {
	s := mustNew(t, WithVoice("es", "es"))
	for _, tc := range []struct {
		req  tts.Request
		want string
		err  error
	}{
		{tts.Request{Language: "en"}, "en-us", nil},
		{tts.Request{Language: "en-US"}, "en-us", nil},
		{tts.Request{Language: "en_AU"}, "en-us", nil},
		{tts.Request{Language: "en-GB"}, "en-gb", nil},
		{tts.Request{Language: ""}, "en-us", nil},
		{tts.Request{Language: "zh"}, "cmn", nil},
		{tts.Request{Language: "zh-CN"}, "cmn", nil},
		{tts.Request{Language: "zh-Hans-CN"}, "cmn", nil},
		{tts.Request{Language: "cmn"}, "cmn", nil},
		{tts.Request{Language: "es-MX"}, "es", nil},
		{tts.Request{Language: "en", Voice: "en-us+f3"}, "en-us+f3", nil},
		{tts.Request{Language: "fr"}, "", tts.ErrUnsupported},
		{tts.Request{Language: "yue"}, "", tts.ErrUnsupported},
	} {
		got, err := s.Voice(tc.req)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("%+v: %q, %v; want %q, %v", tc.req, got, err, tc.want, tc.err)
		}
	}
}

func TestErrors(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			for _, tc := range []struct {
				req tts.Request
				err error
			}{
				{tts.Request{Text: "bonjour", Language: "fr", Rate: 8000}, tts.ErrUnsupported},
				{tts.Request{Text: "hello", Voice: "no-such-voice", Rate: 8000}, tts.ErrUnsupported},
				{tts.Request{Text: "hello", Voice: "no-such-voice+f3", Rate: 8000}, tts.ErrUnsupported},
				{tts.Request{Text: "hello", Language: "en", Rate: 44100}, media.ErrUnsupportedRate},
				{tts.Request{Text: " ** ", Language: "en", Rate: 8000}, nil}, // nothing to say
			} {
				var r recorder
				if err := s.Synthesize(ctx, tc.req, &r); !errors.Is(err, tc.err) || len(r.frames) != 0 {
					t.Errorf("%+v: %v, %d frames; want %v", tc.req, err, len(r.frames), tc.err)
				}
			}
			// The engine still works after the errors, variants too.
			var r recorder
			if err := s.Synthesize(ctx, tts.Request{Text: "hello", Voice: "en-us+f3", Rate: 8000}, &r); err != nil || len(r.frames) == 0 {
				t.Errorf("after errors: %v, %d frames", err, len(r.frames))
			}
			boom := errors.New("sink broke")
			n := 0
			err := s.Synthesize(ctx, tts.Request{Text: english, Language: "en", Rate: 8000}, media.SinkFunc(func(media.Frame) error {
				if n++; n == 5 {
					return boom
				}
				return nil
			}))
			if !errors.Is(err, boom) || n != 5 {
				t.Errorf("sink error: %v after %d frames", err, n)
			}
		})
	}
	for _, o := range []Option{WithSpeed(10), WithSpeed(1000), WithPitch(-1), WithPitch(101), WithVoice("", "x"), WithCommand("")} {
		if _, err := New(o); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("bad option: %v", err)
		}
	}
	if _, err := New(WithCommand("/nonexistent/espeak-ng")); !errors.Is(err, ErrUnavailable) || !errors.Is(err, tts.ErrUnavailable) {
		t.Errorf("missing command: %v", err)
	}
}

// TestCancel cancels while frames are being written, from the sink and
// from another goroutine: at most one frame follows the cancellation, and
// Synthesize returns ctx's error promptly.
func TestCancel(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name+"/in-sink", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var n, after int
			cancelled := false
			err := s.Synthesize(ctx, tts.Request{Text: english, Language: "en", Rate: 16000}, media.SinkFunc(func(media.Frame) error {
				if cancelled {
					after++
				}
				if n++; n == 10 {
					cancel()
					cancelled = true
				}
				return nil
			}))
			if !errors.Is(err, context.Canceled) || after > 1 {
				t.Errorf("%v, %d frames after cancel", err, after)
			}
		})
		t.Run(name+"/paced", func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var written, atCancel atomic.Int32
			atCancel.Store(-1)
			go func() {
				for written.Load() < 5 {
					time.Sleep(time.Millisecond)
				}
				atCancel.Store(written.Load())
				cancel()
			}()
			start := time.Now()
			err := s.Synthesize(ctx, tts.Request{Text: english, Language: "en", Rate: 8000}, media.SinkFunc(func(media.Frame) error {
				time.Sleep(2 * time.Millisecond) // a sink slower than the engine
				written.Add(1)
				return nil
			}))
			elapsed := time.Since(start)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err %v", err)
			}
			if extra := written.Load() - atCancel.Load(); extra > 1 {
				t.Errorf("%d frames written after cancel", extra)
			}
			if elapsed > time.Second {
				t.Errorf("returned %v after start", elapsed)
			}
		})
	}
	// Cancelled before the start: nothing written.
	s := mustNew(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var r recorder
	if err := s.Synthesize(ctx, tts.Request{Text: english, Language: "en", Rate: 8000}, &r); !errors.Is(err, context.Canceled) || len(r.frames) != 0 {
		t.Errorf("cancelled first: %v, %d frames", err, len(r.frames))
	}
}

// TestConcurrent runs mixed requests from several goroutines; each gets
// what it gets alone. espeak-ng is not bit-exact from one run to the next:
// its state carries over between utterances, so the length of a sentence
// varies by up to ±10 ms with the one spoken before it, and its intonation
// a little. "The same" is therefore loose: the same length within three
// frames, and a loudness envelope (20 ms levels) that correlates at least
// 0.75 with the lone run's. Audio of one request going to another (two
// interleaved sentences) fails both by far.
func TestConcurrent(t *testing.T) {
	for name, s := range engines(t) {
		t.Run(name, func(t *testing.T) {
			reqs := []tts.Request{
				{Text: english, Language: "en", Rate: 8000},
				{Text: mandarin, Language: "zh", Rate: 16000},
				{Text: "Please hold while I transfer you.", Language: "en-US", Rate: 48000},
				{Text: "请稍等，正在为您转接人工客服。", Language: "cmn", Rate: 8000},
			}
			want := make([][]int16, len(reqs))
			for i, req := range reqs {
				var r recorder
				if err := s.Synthesize(context.Background(), req, &r); err != nil {
					t.Fatal(err)
				}
				want[i] = r.samples()
			}
			before := runtime.NumGoroutine()
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for k := range 3 {
						i := (g + k) % len(reqs)
						var r recorder
						if err := s.Synthesize(context.Background(), reqs[i], &r); err != nil {
							t.Error(err)
							return
						}
						if err := sameSpeech(r.samples(), want[i], reqs[i].Rate); err != nil {
							t.Errorf("goroutine %d request %d: %v", g, i, err)
						}
					}
				}()
			}
			wg.Wait()
			checkGoroutines(t, before)
		})
	}
}

// TestSlowSinkDoesNotHoldEngine: while one call's sink plays in real
// time, another call still gets its first audio at once.
func TestSlowSinkDoesNotHoldEngine(t *testing.T) {
	s := mustNew(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		var once sync.Once
		done <- s.Synthesize(ctx, tts.Request{Text: english + " " + english, Language: "en", Rate: 8000}, media.SinkFunc(func(media.Frame) error {
			once.Do(func() { close(started) })
			time.Sleep(media.FrameDuration) // real-time playout
			return nil
		}))
	}()
	<-started
	start := time.Now()
	var r recorder
	if err := s.Synthesize(context.Background(), tts.Request{Text: "Hello.", Language: "en", Rate: 8000}, &r); err != nil {
		t.Fatal(err)
	}
	if lat := r.first.Sub(start); lat > 500*time.Millisecond {
		t.Errorf("first audio after %v while another call plays", lat)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("slow call: %v", err)
	}
}

// sameSpeech compares two renderings of the same request.
func sameSpeech(got, want []int16, rate int) error {
	n := rate / 50
	if d := len(got) - len(want); d < -3*n || d > 3*n {
		return fmt.Errorf("%d samples, alone %d", len(got), len(want))
	}
	var a, b []float64
	for i := 0; i+n <= min(len(got), len(want)); i += n {
		a = append(a, audiotest.RMS(got[i:i+n]))
		b = append(b, audiotest.RMS(want[i:i+n]))
	}
	if c := correlation(a, b); c < 0.75 {
		return fmt.Errorf("level envelope correlates %.3f with a lone run", c)
	}
	return nil
}

func correlation(a, b []float64) float64 {
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		sab += (a[i] - ma) * (b[i] - mb)
		saa += (a[i] - ma) * (a[i] - ma)
		sbb += (b[i] - mb) * (b[i] - mb)
	}
	return sab / math.Sqrt(saa*sbb)
}

// TestCacheRendersOnce: a tts.Cache in front of espeak-ng renders a
// prompt once for concurrent callers and replays it after.
func TestCacheRendersOnce(t *testing.T) {
	s := mustNew(t)
	var renders atomic.Int32
	counted := tts.Synthesizer(countingSynth{s, &renders})
	c, err := tts.NewCache(counted)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	req := tts.Request{Text: "Thank you for calling. How can I help?", Language: "en", Rate: 16000}
	if err := c.Warm(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	var want recorder
	if err := c.Synthesize(context.Background(), req, &want); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			var r recorder
			if err := c.Synthesize(context.Background(), req, &r); err != nil {
				t.Error(err)
				return
			}
			checkFrames(t, r.frames, 16000)
			if !slices.Equal(r.samples(), want.samples()) {
				t.Error("replay differs")
			}
		})
	}
	wg.Wait()
	if n := renders.Load(); n != 1 {
		t.Errorf("%d renderings, want 1", n)
	}
}

type countingSynth struct {
	tts.Synthesizer
	n *atomic.Int32
}

func (c countingSynth) Synthesize(ctx context.Context, req tts.Request, sink media.Sink) error {
	c.n.Add(1)
	return c.Synthesizer.Synthesize(ctx, req, sink)
}

// checkGoroutines polls until the goroutine count is back to before.
func checkGoroutines(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines, %d before", n, before)
	}
}

// firstAudio measures one request's first-audio latency and the time to
// synthesise it all.
func firstAudio(tb testing.TB, s *Synthesizer, req tts.Request) (first, total, audio time.Duration) {
	var r recorder
	start := time.Now()
	if err := s.Synthesize(context.Background(), req, &r); err != nil {
		tb.Fatal(err)
	}
	total = time.Since(start)
	return r.first.Sub(start), total, time.Duration(len(r.frames)) * media.FrameDuration
}

// BenchmarkSynthesize reports first-audio latency (p50, p95) and the
// real-time factor for a typical 10-word sentence, per engine and rate.
func BenchmarkSynthesize(b *testing.B) {
	for name, s := range engines(b) {
		for _, rate := range rates {
			b.Run(fmt.Sprintf("%s/en/%d", name, rate), func(b *testing.B) {
				benchSpeak(b, s, tts.Request{Text: english, Language: "en", Rate: rate})
			})
		}
		b.Run(name+"/zh/8000", func(b *testing.B) {
			benchSpeak(b, s, tts.Request{Text: mandarin, Language: "zh", Rate: 8000})
		})
	}
}

func benchSpeak(b *testing.B, s *Synthesizer, req tts.Request) {
	var firsts []time.Duration
	var total, audio time.Duration
	for b.Loop() {
		f, t, a := firstAudio(b, s, req)
		firsts = append(firsts, f)
		total += t
		audio += a
	}
	reportLatency(b, firsts)
	b.ReportMetric(total.Seconds()/audio.Seconds(), "RTF")
}

// BenchmarkFirstAudioConcurrent: 4 or 16 callers start the sentence at
// once; first-audio latency over all of them.
func BenchmarkFirstAudioConcurrent(b *testing.B) {
	for name, s := range engines(b) {
		for _, callers := range []int{4, 16} {
			b.Run(fmt.Sprintf("%s/%d", name, callers), func(b *testing.B) {
				var mu sync.Mutex
				var firsts []time.Duration
				for b.Loop() {
					var wg sync.WaitGroup
					for range callers {
						wg.Go(func() {
							f, _, _ := firstAudio(b, s, tts.Request{Text: english, Language: "en", Rate: 8000})
							mu.Lock()
							firsts = append(firsts, f)
							mu.Unlock()
						})
					}
					wg.Wait()
				}
				reportLatency(b, firsts)
			})
		}
	}
}

func reportLatency(b *testing.B, d []time.Duration) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	pct := func(p float64) float64 { return float64(d[int(p*float64(len(d)-1))].Microseconds()) / 1000 }
	b.ReportMetric(pct(0.5), "first-ms-p50")
	b.ReportMetric(pct(0.95), "first-ms-p95")
}
