package openai

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/switchboard-voice/switchboard/internal/openaitest"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/audiotest"
	"github.com/switchboard-voice/switchboard/tts"
)

// pcmBytes encodes samples as little-endian PCM16.
func pcmBytes(s []int16) []byte {
	b := make([]byte, 2*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint16(b[2*i:], uint16(v))
	}
	return b
}

// tone is dur of a 1 kHz tone at 24 kHz, half scale, as PCM16 bytes.
func tone(dur time.Duration) []byte {
	return pcmBytes(audiotest.Tone(1000, 24000, dur, 0.5))
}

type recorder struct {
	mu     sync.Mutex
	frames []media.Frame
}

func (r *recorder) WriteFrame(f media.Frame) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	f.Samples = slices.Clone(f.Samples)
	r.frames = append(r.frames, f)
	return nil
}

func (r *recorder) Close() error { return nil }

func (r *recorder) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.frames)
}

func (r *recorder) samples() []int16 {
	var s []int16
	for _, f := range r.frames {
		s = append(s, f.Samples...)
	}
	return s
}

func newSynth(t *testing.T, srv *openaitest.Server, opts ...Option) *Synthesizer {
	t.Helper()
	s, err := New(append([]Option{WithBaseURL(srv.URL()), WithAPIKey("sk-test"), WithHTTPClient(srv.Client())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSpeak(t *testing.T) {
	srv := openaitest.New(t)
	for _, format := range []string{FormatPCM, FormatWAV} {
		for _, rate := range []int{8000, 16000, 48000} {
			t.Run(fmt.Sprintf("%s/%d", format, rate), func(t *testing.T) {
				body := tone(time.Second)
				if format == FormatWAV {
					body = openaitest.WAV(body, 24000)
				}
				srv.Enqueue(openaitest.Reply{Audio: body})
				s := newSynth(t, srv, WithFormat(format))
				var r recorder
				err := s.Synthesize(context.Background(), tts.Request{Text: "Your code is **4821**.", Language: "en", Rate: rate}, &r)
				if err != nil {
					t.Fatal(err)
				}
				if len(r.frames) != 50 {
					t.Errorf("%d frames from 1 s, want 50", len(r.frames))
				}
				for i, f := range r.frames {
					if len(f.Samples) != rate/50 || f.Rate != rate || f.Timestamp != time.Duration(i)*media.FrameDuration {
						t.Fatalf("frame %d: %d samples at %d Hz, %v", i, len(f.Samples), f.Rate, f.Timestamp)
					}
				}
				out := r.samples()[rate/20 : rate*9/10]
				if f := audiotest.PeakFrequency(out, rate); math.Abs(f-1000) > 3 {
					t.Errorf("peak at %.1f Hz", f)
				}
				if g := audiotest.DB(audiotest.Power(out, rate, 1000) / (0.5 * 0.5 / 2)); math.Abs(g) > 0.2 {
					t.Errorf("gain %.2f dB", g)
				}
				req := srv.LastRequest()
				sp := req.Speech
				if sp.Model != "tts-1" || sp.Voice != "alloy" || sp.ResponseFormat != format || sp.Input != "Your code is 4 8 2 1." {
					t.Errorf("request %+v", sp)
				}
				if got := req.Header.Get("Authorization"); got != "Bearer sk-test" {
					t.Errorf("Authorization %q", got)
				}
			})
		}
	}
}

func TestOptionsReachTheRequest(t *testing.T) {
	srv := openaitest.New(t)
	srv.Enqueue(openaitest.Reply{Audio: tone(100 * time.Millisecond)})
	s := newSynth(t, srv, WithModel("gpt-4o-mini-tts"), WithVoice("nova"), WithSpeed(1.25), WithInstructions("calm"))
	if err := s.Synthesize(context.Background(), tts.Request{Text: "你好", Language: "zh", Voice: "coral", Rate: 8000}, &recorder{}); err != nil {
		t.Fatal(err)
	}
	sp := srv.LastRequest().Speech
	if sp.Model != "gpt-4o-mini-tts" || sp.Voice != "coral" || sp.Speed != 1.25 || sp.Instructions != "calm" || sp.Input != "你好" {
		t.Errorf("request %+v", sp)
	}
	for _, o := range []Option{WithBaseURL("ftp://x"), WithBaseURL("nohost"), WithModel(" "), WithVoice(""), WithFormat("mp3"),
		WithPCMRate(100), WithSpeed(5), WithTimeout(0), WithHTTPClient(nil)} {
		if _, err := New(o); !errors.Is(err, ErrInvalidOption) {
			t.Errorf("bad option accepted: %v", err)
		}
	}
}

func TestErrors(t *testing.T) {
	srv := openaitest.New(t)
	ctx := context.Background()
	req := tts.Request{Text: "hello", Language: "en", Rate: 16000}

	srv.Enqueue(openaitest.Reply{Status: 500, ErrorMessage: "overloaded"})
	err := newSynth(t, srv).Synthesize(ctx, req, &recorder{})
	var apiErr *goopenai.APIError
	if !errors.Is(err, tts.ErrUnavailable) || !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 500 {
		t.Errorf("500: %v", err)
	}

	srv.Enqueue(openaitest.Reply{Audio: tone(time.Second), CutAfter: 5000})
	var r recorder
	if err := newSynth(t, srv).Synthesize(ctx, req, &r); !errors.Is(err, tts.ErrUnavailable) {
		t.Errorf("cut body: %v", err)
	}

	srv.Enqueue(openaitest.Reply{Audio: []byte("not a wav file at all")})
	if err := newSynth(t, srv, WithFormat(FormatWAV)).Synthesize(ctx, req, &recorder{}); !errors.Is(err, tts.ErrUnavailable) {
		t.Errorf("not a WAV: %v", err)
	}

	srv.Enqueue(openaitest.Reply{Audio: []byte{}})
	if err := newSynth(t, srv).Synthesize(ctx, req, &recorder{}); !errors.Is(err, tts.ErrUnavailable) {
		t.Errorf("empty body: %v", err)
	}

	if err := newSynth(t, srv).Synthesize(ctx, tts.Request{Text: "x", Rate: 22050}, &recorder{}); !errors.Is(err, media.ErrUnsupportedRate) {
		t.Errorf("22050: %v", err)
	}
	n := len(srv.Requests())
	if err := newSynth(t, srv).Synthesize(ctx, tts.Request{Text: " * ", Rate: 8000}, &recorder{}); err != nil || len(srv.Requests()) != n {
		t.Errorf("empty text: %v, request sent: %v", err, len(srv.Requests()) != n)
	}
}

func TestTimeout(t *testing.T) {
	srv := openaitest.New(t)
	srv.Enqueue(openaitest.Reply{Delay: 5 * time.Second, Audio: tone(time.Second)})
	s := newSynth(t, srv, WithTimeout(100*time.Millisecond))
	start := time.Now()
	err := s.Synthesize(context.Background(), tts.Request{Text: "hello", Rate: 8000}, &recorder{})
	if !errors.Is(err, tts.ErrTimeout) {
		t.Fatalf("err %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v", d)
	}
}

// TestCancelMidStream cancels after a few frames: at most one more frame,
// ctx's error, and no timeout reported.
func TestCancelMidStream(t *testing.T) {
	srv := openaitest.New(t)
	srv.Enqueue(openaitest.Reply{Audio: tone(3 * time.Second)})
	s := newSynth(t, srv)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var n, after int
	err := s.Synthesize(ctx, tts.Request{Text: "a long answer", Rate: 8000}, media.SinkFunc(func(media.Frame) error {
		if ctx.Err() != nil {
			after++
		}
		if n++; n == 5 {
			cancel()
		}
		return nil
	}))
	if !errors.Is(err, context.Canceled) || errors.Is(err, tts.ErrTimeout) || after > 1 {
		t.Errorf("%v, %d frames after cancel", err, after)
	}
}

// streamServer serves /audio/speech in pieces: the first 200 ms of audio,
// then the rest when release is closed (or after stall).
func streamServer(t *testing.T, audio []byte, release <-chan struct{}) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req goopenai.CreateSpeechRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || r.URL.Path != "/v1/audio/speech" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "audio/pcm")
		first := 24000 / 5 * 2
		_, _ = w.Write(audio[:first])
		_ = http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		_, _ = w.Write(audio[first:])
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestStreamsAsItArrives: frames reach the sink before the body ends; a
// stalled body times out.
func TestStreamsAsItArrives(t *testing.T) {
	release := make(chan struct{})
	srv := streamServer(t, tone(time.Second), release)
	s, err := New(WithBaseURL(srv.URL+"/v1"), WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	var r recorder
	done := make(chan error, 1)
	go func() { done <- s.Synthesize(context.Background(), tts.Request{Text: "hi", Rate: 16000}, &r) }()
	deadline := time.Now().Add(5 * time.Second)
	for r.len() < 9 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if r.len() < 9 {
		t.Fatalf("%d frames before the body ended", r.len())
	}
	close(release)
	if err := <-done; err != nil || r.len() != 50 {
		t.Fatalf("%v, %d frames", err, r.len())
	}

	stalled := streamServer(t, tone(time.Second), make(chan struct{}))
	s, _ = New(WithBaseURL(stalled.URL+"/v1"), WithHTTPClient(stalled.Client()), WithTimeout(150*time.Millisecond))
	var frames atomic.Int32
	err = s.Synthesize(context.Background(), tts.Request{Text: "hi", Rate: 8000}, media.SinkFunc(func(media.Frame) error {
		frames.Add(1)
		return nil
	}))
	if !errors.Is(err, tts.ErrTimeout) || frames.Load() == 0 {
		t.Errorf("stalled: %v after %d frames", err, frames.Load())
	}
}

// TestSlowSinkIsNotATimeout: time in the sink does not count.
func TestSlowSinkIsNotATimeout(t *testing.T) {
	srv := openaitest.New(t)
	srv.Enqueue(openaitest.Reply{Audio: tone(300 * time.Millisecond)})
	s := newSynth(t, srv, WithTimeout(50*time.Millisecond))
	err := s.Synthesize(context.Background(), tts.Request{Text: "hi", Rate: 8000}, media.SinkFunc(func(media.Frame) error {
		time.Sleep(10 * time.Millisecond)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
}

func TestWAVDecoder(t *testing.T) {
	// Stereo, an extra chunk before data, fed one byte at a time.
	stereo := make([]int16, 0, 200)
	for i := range 100 {
		stereo = append(stereo, int16(i*10), int16(i*10+4))
	}
	wav := openaitest.WAV(pcmBytes(stereo), 24000)
	binary.LittleEndian.PutUint16(wav[22:], 2)                             // channels
	wav = slices.Insert(wav, 36, []byte("LIST\x03\x00\x00\x00abc\x00")...) // odd size, padded
	d := decoder{wav: true}
	var out []int16
	for i := range wav {
		s, err := d.decode(wav[i : i+1])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, s...)
	}
	if d.rate != 24000 || len(out) != 100 || out[10] != 102 {
		t.Errorf("rate %d, %d samples, out[10] = %d", d.rate, len(out), out[10])
	}
	bad := decoder{wav: true}
	if _, err := bad.decode(append([]byte("RIFF\x00\x00\x00\x00WAVE"), make([]byte, maxHeader)...)); err == nil {
		t.Error("a header without data chunk accepted")
	}
}

// BenchmarkFirstAudio measures first-audio latency over loopback to the
// in-process server (client overhead, not a real provider's).
func BenchmarkFirstAudio(b *testing.B) {
	srv := openaitest.New(b)
	srv.SetDefault(openaitest.Reply{Audio: tone(3 * time.Second)})
	s, err := New(WithBaseURL(srv.URL()), WithHTTPClient(srv.Client()))
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for b.Loop() {
		start := time.Now()
		var first time.Duration
		err := s.Synthesize(context.Background(), tts.Request{Text: "hello", Rate: 8000}, media.SinkFunc(func(media.Frame) error {
			if first == 0 {
				first = time.Since(start)
			}
			return nil
		}))
		if err != nil {
			b.Fatal(err)
		}
		total += first
	}
	b.ReportMetric(float64(total.Microseconds())/float64(b.N)/1000, "first-ms")
}
