package asr_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/asr/asrtest"
	"github.com/switchboard-voice/switchboard/media"
)

var errProvider = errors.New("provider exploded")

func TestWithFallback(t *testing.T) {
	tests := []struct {
		name         string
		recs         []*asrtest.Fake
		timeout      time.Duration
		wantText     string
		wantProvider string
		wantErr      error
		wantStreams  []int
	}{
		{"primary answers", []*asrtest.Fake{{ID: "a", Text: "hello"}, {ID: "b", Text: "other"}},
			0, "hello", "a", nil, []int{1, 0}},
		{"primary error", []*asrtest.Fake{{ID: "a", Err: errProvider}, {ID: "b", Text: "from b"}},
			0, "from b", "b", nil, []int{1, 1}},
		{"primary cannot stream", []*asrtest.Fake{{ID: "a", StreamErr: asr.ErrUnsupported}, {ID: "b", Text: "from b"}},
			0, "from b", "b", nil, []int{0, 1}},
		{"primary timeout", []*asrtest.Fake{{ID: "a", Err: asr.ErrTimeout}, {ID: "b", Err: errProvider}, {ID: "c", Text: "third"}},
			0, "third", "c", nil, []int{1, 1, 1}},
		{"all fail", []*asrtest.Fake{{ID: "a", Err: asr.ErrTimeout}, {ID: "b", Err: errProvider}},
			0, "", "b", asr.ErrTimeout, []int{1, 1}},
		{"no fallback", []*asrtest.Fake{{ID: "a", Err: errProvider}},
			0, "", "a", errProvider, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			recs := make([]asr.Recognizer, len(tt.recs))
			for i, f := range tt.recs {
				recs[i] = f
			}
			rec := asr.WithFallback(recs[0], recs[1:]...)
			pcm := make([]int16, 8000) // 1 s at 8 kHz
			res, _, _ := asr.Transcribe(context.Background(), rec, asr.Config{Rate: 8000}, pcm, 5*time.Second)
			if res.Text != tt.wantText || res.Provider != tt.wantProvider || !res.Final {
				t.Fatalf("result %+v, want %q from %q", res, tt.wantText, tt.wantProvider)
			}
			if tt.wantErr == nil && res.Err != nil || tt.wantErr != nil && !errors.Is(res.Err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", res.Err, tt.wantErr)
			}
			for i, f := range tt.recs {
				if f.Streams() != tt.wantStreams[i] {
					t.Errorf("%s streams = %d, want %d", f.ID, f.Streams(), tt.wantStreams[i])
				}
				for _, d := range f.Received() {
					if d != time.Second {
						t.Errorf("%s received %v of audio, want 1s (the whole utterance)", f.ID, d)
					}
				}
				if f.Open() != 0 {
					t.Errorf("%s has %d sessions open", f.ID, f.Open())
				}
			}
		})
	}
}

func TestWithFallbackName(t *testing.T) {
	rec := asr.WithFallback(&asrtest.Fake{ID: "pocketsphinx"}, &asrtest.Fake{ID: "openai"})
	if rec.Name() != "pocketsphinx>openai" {
		t.Fatal(rec.Name())
	}
	_, err := asr.WithFallback(&asrtest.Fake{StreamErr: asr.ErrUnsupported}).Stream(context.Background(), asr.Config{})
	if !errors.Is(err, asr.ErrUnsupported) {
		t.Fatal(err)
	}
}

func TestWithFallbackPartialsAndClose(t *testing.T) {
	before := runtime.NumGoroutine()
	a := &asrtest.Fake{ID: "a", Partial: "hel", Delay: time.Hour}
	rec := asr.WithFallback(a, &asrtest.Fake{ID: "b"})
	s, err := rec.Stream(context.Background(), asr.Config{Rate: 16000})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteFrame(media.Frame{Samples: make([]int16, 320), Rate: 16000}); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-s.Results():
		if r.Final || r.Text != "hel" {
			t.Fatalf("want the partial, got %+v", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no partial")
	}
	_ = s.End()
	if err := s.WriteFrame(media.Frame{Samples: make([]int16, 320), Rate: 16000}); !errors.Is(err, asr.ErrClosed) {
		t.Fatalf("WriteFrame after End: %v", err)
	}
	_ = s.Close()
	_ = s.Close()
	for range s.Results() {
	}
	if a.Open() != 0 {
		t.Fatalf("primary session not closed")
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("%d goroutines leaked:\n%s", n-before, strings.TrimSpace(string(buf[:runtime.Stack(buf, true)])))
	}
}

func TestWithFallbackContextTimeout(t *testing.T) {
	slow := &asrtest.Fake{ID: "slow", Delay: time.Hour}
	rec := asr.WithFallback(slow, &asrtest.Fake{ID: "b", Text: "never"})
	res, _, _ := asr.Transcribe(context.Background(), rec, asr.Config{Rate: 8000}, make([]int16, 800), 100*time.Millisecond)
	if !errors.Is(res.Err, asr.ErrTimeout) {
		t.Fatalf("want ErrTimeout when the caller's deadline passes, got %+v", res)
	}
}
