package tts_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/tts"
)

// fakeTTS writes one frame per byte of the text, each frame's samples
// equal to the byte value, and counts its renderings. When gate is set,
// it writes the first frame then waits for gate before the rest.
type fakeTTS struct {
	renders atomic.Int32
	gate    chan struct{}
	delay   time.Duration // between frames
	err     error         // returned after the frames
}

func (f *fakeTTS) Name() string { return "fake" }

func (f *fakeTTS) Synthesize(ctx context.Context, req tts.Request, sink media.Sink) error {
	f.renders.Add(1)
	n := media.SamplesPerFrame(req.Rate)
	for i := 0; i < len(req.Text); i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		if i == 1 && f.gate != nil {
			select {
			case <-f.gate:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		if f.delay > 0 {
			time.Sleep(f.delay)
		}
		s := make([]int16, n)
		for j := range s {
			s[j] = int16(req.Text[i])
		}
		if err := sink.WriteFrame(media.Frame{Samples: s, Rate: req.Rate, Timestamp: time.Duration(i) * media.FrameDuration}); err != nil {
			return err
		}
	}
	return f.err
}

// frames records what a sink receives, then scribbles on the samples to
// check that the cache hands out copies.
type frames struct {
	mu  sync.Mutex
	got []media.Frame
}

func (r *frames) WriteFrame(f media.Frame) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := f
	c.Samples = slices.Clone(f.Samples)
	r.got = append(r.got, c)
	clear(f.Samples)
	return nil
}

func (r *frames) Close() error { return nil }

func (r *frames) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func (r *frames) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b []byte
	for _, f := range r.got {
		b = append(b, byte(f.Samples[0]))
	}
	return string(b)
}

func newCache(t *testing.T, syn tts.Synthesizer, opts ...tts.CacheOption) *tts.Cache {
	t.Helper()
	c, err := tts.NewCache(syn, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestCacheRendersOnce(t *testing.T) {
	fake := &fakeTTS{gate: make(chan struct{})}
	c := newCache(t, fake)
	req := tts.Request{Text: "hello world", Language: "en", Rate: 8000}
	ctx := context.Background()
	sinks := make([]*frames, 8)
	var wg sync.WaitGroup
	for i := range sinks {
		sinks[i] = &frames{}
		wg.Go(func() {
			if err := c.Synthesize(ctx, req, sinks[i]); err != nil {
				t.Error(err)
			}
		})
	}
	// Every caller streams: the first frame arrives before the rendering
	// is complete.
	waitFor(t, func() bool {
		for _, s := range sinks {
			if s.len() == 0 {
				return false
			}
		}
		return true
	})
	close(fake.gate)
	wg.Wait()
	for i, s := range sinks {
		if s.text() != req.Text {
			t.Errorf("caller %d heard %q", i, s.text())
		}
	}
	// Replays, with other casing of the language, from the cache.
	var r frames
	if err := c.Synthesize(ctx, tts.Request{Text: "hello world", Language: "EN", Rate: 8000}, &r); err != nil || r.text() != req.Text {
		t.Fatalf("replay: %v %q", err, r.text())
	}
	for i, f := range r.got {
		if f.Rate != 8000 || len(f.Samples) != 160 || f.Timestamp != time.Duration(i)*media.FrameDuration {
			t.Fatalf("replayed frame %d: %d samples at %d, %v", i, len(f.Samples), f.Rate, f.Timestamp)
		}
	}
	if n := fake.renders.Load(); n != 1 {
		t.Errorf("%d renderings, want 1", n)
	}
	st := c.Stats()
	if st.Misses != 1 || st.Shared+st.Hits != 8 || st.Entries != 1 || st.Bytes != int64(len(req.Text)*320) {
		t.Errorf("stats %+v", st)
	}
	// Another rate, voice or text is another rendering.
	for _, other := range []tts.Request{
		{Text: "hello world", Language: "en", Rate: 16000},
		{Text: "hello world", Language: "en", Voice: "v2", Rate: 8000},
		{Text: "hello world!", Language: "en", Rate: 8000},
		{Text: "hello world", Language: "zh", Rate: 8000},
	} {
		if err := c.Synthesize(ctx, other, &frames{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := fake.renders.Load(); n != 5 {
		t.Errorf("%d renderings, want 5", n)
	}
}

func TestCacheReplayCancel(t *testing.T) {
	c := newCache(t, &fakeTTS{})
	req := tts.Request{Text: "a fairly long prompt to replay", Rate: 16000}
	if err := c.Warm(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n, after := 0, 0
	err := c.Synthesize(ctx, req, media.SinkFunc(func(media.Frame) error {
		if ctx.Err() != nil {
			after++
		}
		if n++; n == 5 {
			cancel()
		}
		return nil
	}))
	if !errors.Is(err, context.Canceled) || n != 5 || after != 0 {
		t.Errorf("%v after %d frames, %d after cancel", err, n, after)
	}
	boom := errors.New("boom")
	if err := c.Synthesize(context.Background(), req, media.SinkFunc(func(media.Frame) error { return boom })); !errors.Is(err, boom) {
		t.Errorf("sink error: %v", err)
	}
}

// TestCacheAbandon: a rendering goes on while someone listens, and is
// cancelled (and not kept) when everyone has gone.
func TestCacheAbandon(t *testing.T) {
	fake := &fakeTTS{gate: make(chan struct{})}
	c := newCache(t, fake)
	req := tts.Request{Text: "abandoned", Rate: 8000}

	ctx1, cancel1 := context.WithCancel(context.Background())
	done1 := make(chan error, 1)
	go func() { done1 <- c.Synthesize(ctx1, req, &frames{}) }()
	var second frames
	done2 := make(chan error, 1)
	waitFor(t, func() bool { return c.Stats().Misses == 1 })
	go func() { done2 <- c.Synthesize(context.Background(), req, &second) }()
	waitFor(t, func() bool { return c.Stats().Shared == 1 })
	cancel1()
	if err := <-done1; !errors.Is(err, context.Canceled) {
		t.Errorf("first caller: %v", err)
	}
	close(fake.gate)
	if err := <-done2; err != nil || second.text() != req.Text {
		t.Errorf("second caller: %v, %q", err, second.text())
	}
	if n := fake.renders.Load(); n != 1 {
		t.Errorf("%d renderings", n)
	}

	// Everyone leaves: the rendering stops and is not kept.
	fake2 := &fakeTTS{gate: make(chan struct{})}
	c2 := newCache(t, fake2)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c2.Synthesize(ctx, req, &frames{}) }()
	waitFor(t, func() bool { return fake2.renders.Load() == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("abandoning caller: %v", err)
	}
	waitFor(t, func() bool { return c2.Stats().Failed == 1 })
	fake2.gate = nil
	var r frames
	if err := c2.Synthesize(context.Background(), req, &r); err != nil || r.text() != req.Text {
		t.Errorf("after abandon: %v %q", err, r.text())
	}
	if n := fake2.renders.Load(); n != 2 {
		t.Errorf("%d renderings, want 2", n)
	}
}

func TestCacheErrorsNotKept(t *testing.T) {
	fake := &fakeTTS{err: tts.ErrTimeout}
	c := newCache(t, fake)
	req := tts.Request{Text: "hi", Rate: 8000}
	for range 2 {
		if err := c.Synthesize(context.Background(), req, &frames{}); !errors.Is(err, tts.ErrTimeout) {
			t.Errorf("err %v", err)
		}
	}
	if n := fake.renders.Load(); n != 2 {
		t.Errorf("%d renderings, want 2", n)
	}
	if st := c.Stats(); st.Failed != 2 || st.Entries != 0 {
		t.Errorf("stats %+v", st)
	}
	if err := c.Warm(context.Background(), req, tts.Request{Text: "ok", Rate: 8000}); !errors.Is(err, tts.ErrTimeout) {
		t.Errorf("warm: %v", err)
	}
}

func TestCacheLRU(t *testing.T) {
	fake := &fakeTTS{}
	// Budget: three 4-frame prompts at 8 kHz (4 × 320 bytes each).
	c := newCache(t, fake, tts.WithMaxBytes(3*4*320))
	ctx := context.Background()
	say := func(text string) {
		t.Helper()
		if err := c.Synthesize(ctx, tts.Request{Text: text, Rate: 8000}, &frames{}); err != nil {
			t.Fatal(err)
		}
	}
	say("aaaa")
	say("bbbb")
	say("cccc")
	say("aaaa") // a is now the most recent
	say("dddd") // evicts b
	if n := fake.renders.Load(); n != 4 {
		t.Errorf("%d renderings, want 4", n)
	}
	say("aaaa")
	say("cccc")
	if n := fake.renders.Load(); n != 4 {
		t.Errorf("a or c was evicted: %d renderings", n)
	}
	say("bbbb")
	if n := fake.renders.Load(); n != 5 {
		t.Errorf("b was kept: %d renderings", n)
	}
	if st := c.Stats(); st.Entries != 3 || st.Bytes != 3*4*320 || st.Evictions != 2 {
		t.Errorf("stats %+v", st)
	}
	// A prompt larger than the budget is played, not kept.
	say("a prompt far too long for this budget")
	say("a prompt far too long for this budget")
	if n := fake.renders.Load(); n != 7 {
		t.Errorf("%d renderings, want 7", n)
	}
	if _, err := tts.NewCache(fake, tts.WithMaxBytes(0)); err == nil {
		t.Error("zero budget accepted")
	}
}

func TestCacheWarmAndClose(t *testing.T) {
	before := runtime.NumGoroutine()
	fake := &fakeTTS{}
	c, err := tts.NewCache(fake)
	if err != nil {
		t.Fatal(err)
	}
	greet := []tts.Request{
		{Text: "Welcome to the bank.", Language: "en", Rate: 8000},
		{Text: "Please hold.", Language: "en", Rate: 8000},
		{Text: "请稍等。", Language: "zh", Rate: 16000},
	}
	if err := c.Warm(context.Background(), greet...); err != nil {
		t.Fatal(err)
	}
	for _, req := range greet {
		if err := c.Synthesize(context.Background(), req, &frames{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := fake.renders.Load(); n != 3 {
		t.Errorf("%d renderings, want 3", n)
	}
	if st := c.Stats(); st.Hits != 3 {
		t.Errorf("stats %+v", st)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Warm(ctx, tts.Request{Text: "late", Rate: 8000}); !errors.Is(err, context.Canceled) {
		t.Errorf("warm with a cancelled ctx: %v", err)
	}

	// Close stops a rendering in progress; its caller gets ErrClosed.
	slow := &fakeTTS{gate: make(chan struct{})}
	c2, _ := tts.NewCache(slow)
	done := make(chan error, 1)
	go func() { done <- c2.Synthesize(context.Background(), tts.Request{Text: "slow", Rate: 8000}, &frames{}) }()
	waitFor(t, func() bool { return slow.renders.Load() == 1 })
	c2.Close()
	if err := <-done; !errors.Is(err, tts.ErrClosed) {
		t.Errorf("caller during Close: %v", err)
	}
	if err := c2.Synthesize(context.Background(), tts.Request{Text: "x", Rate: 8000}, &frames{}); !errors.Is(err, tts.ErrClosed) {
		t.Errorf("after Close: %v", err)
	}
	c.Close()
	c.Close()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines, %d before", n, before)
	}
}

// TestCacheConcurrent hammers a small cache from many goroutines (run
// with -race).
func TestCacheConcurrent(t *testing.T) {
	fake := &fakeTTS{delay: 100 * time.Microsecond}
	c := newCache(t, fake, tts.WithMaxBytes(5*8*320))
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 40 {
				text := fmt.Sprintf("prompt%d", (g*7+i)%9)
				ctx, cancel := context.WithCancel(context.Background())
				var r frames
				sink := media.Sink(&r)
				if i%5 == 4 { // some callers barge in
					sink = media.SinkFunc(func(f media.Frame) error {
						cancel()
						return r.WriteFrame(f)
					})
				}
				err := c.Synthesize(ctx, tts.Request{Text: text, Rate: 8000}, sink)
				cancel()
				switch {
				case i%5 == 4:
					if err != nil && !errors.Is(err, context.Canceled) || r.len() != 1 {
						t.Errorf("barge-in: %v, %d frames", err, r.len())
					}
				case err != nil || r.text() != text:
					t.Errorf("%q: %v, heard %q", text, err, r.text())
				}
			}
		})
	}
	wg.Wait()
	st := c.Stats()
	if st.Bytes > 5*8*320 {
		t.Errorf("over budget: %+v", st)
	}
	t.Logf("%+v, %d renderings", st, fake.renders.Load())
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}

// BenchmarkCacheReplay is the cost of replaying one cached 20 ms frame
// (an op is a frame; a replay is 250 frames).
func BenchmarkCacheReplay(b *testing.B) {
	for _, rate := range []int{8000, 16000, 48000} {
		b.Run(fmt.Sprint(rate), func(b *testing.B) {
			c, _ := tts.NewCache(&fakeTTS{})
			defer c.Close()
			req := tts.Request{Text: string(make([]byte, 250)), Rate: rate} // 5 s
			ctx := context.Background()
			if err := c.Warm(ctx, req); err != nil {
				b.Fatal(err)
			}
			sink := media.SinkFunc(func(media.Frame) error { return nil })
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i += 250 {
				_ = c.Synthesize(ctx, req, sink)
			}
		})
	}
}
