package openai_test

import (
	"context"
	"encoding/binary"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/asr/openai"
	"github.com/switchboard-voice/switchboard/internal/openaitest"
	"github.com/switchboard-voice/switchboard/media"
)

func newRec(t *testing.T, srv *openaitest.Server, timeout time.Duration) *openai.Recognizer {
	t.Helper()
	r, err := openai.New(openai.Config{BaseURL: srv.URL(), APIKey: "sk-test", Language: "en", Timeout: timeout, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestTranscribe(t *testing.T) {
	tests := []struct {
		name    string
		reply   openaitest.Reply
		timeout time.Duration
		want    string
		wantErr error
	}{
		{"ok", openaitest.Reply{Text: " Please enter your password. "}, 0, "Please enter your password.", nil},
		{"timeout", openaitest.Reply{Text: "late", Delay: 2 * time.Second}, 100 * time.Millisecond, "", asr.ErrTimeout},
		{"http 500", openaitest.Reply{Status: http.StatusInternalServerError}, 0, "", openai.ErrUnavailable},
		{"http 401", openaitest.Reply{Status: http.StatusUnauthorized}, 0, "", openai.ErrUnavailable},
		{"malformed json", openaitest.Reply{Malformed: true}, 0, "", openai.ErrUnavailable},
		{"cut body", openaitest.Reply{Text: "hello there", CutAfter: 5}, 0, "", openai.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := openaitest.New(t)
			srv.Enqueue(tt.reply)
			r := newRec(t, srv, tt.timeout)
			pcm := make([]int16, 16000) // 1 s at 16 kHz
			res, partials, _ := asr.Transcribe(context.Background(), r, asr.Config{Language: "en-GB", Rate: 16000, Phrases: []string{"Visa", "Mastercard"}}, pcm, 10*time.Second)
			if res.Text != tt.want || !res.Final || res.Provider != "openai" || partials != 0 {
				t.Fatalf("result %+v (partials %d), want %q", res, partials, tt.want)
			}
			if tt.wantErr == nil && res.Err != nil || tt.wantErr != nil && !errors.Is(res.Err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", res.Err, tt.wantErr)
			}
			req := srv.LastRequest()
			tr := req.Transcription
			if tr == nil || tr.Model != "whisper-1" || tr.Language != "en" || tr.Prompt != "Visa, Mastercard" || req.Header.Get("Authorization") != "Bearer sk-test" {
				t.Fatalf("request %+v", tr)
			}
			if len(tr.File) != 44+2*16000 || string(tr.File[:4]) != "RIFF" || binary.LittleEndian.Uint32(tr.File[24:28]) != 16000 {
				t.Fatalf("upload is not the 1 s 16 kHz WAV: %d bytes", len(tr.File))
			}
		})
	}
}

func TestSessionLifecycle(t *testing.T) {
	srv := openaitest.New(t)
	r := newRec(t, srv, 0)
	// Closed before End: nothing is sent.
	s, err := r.Stream(context.Background(), asr.Config{Rate: 8000})
	if err != nil {
		t.Fatal(err)
	}
	_ = s.WriteFrame(media.Frame{Samples: make([]int16, 160), Rate: 8000})
	_ = s.Close()
	_ = s.Close()
	if _, ok := <-s.Results(); ok {
		t.Fatal("Results should be closed")
	}
	if n := len(srv.Requests()); n != 0 {
		t.Fatalf("%d requests sent for an abandoned session", n)
	}
	if err := s.WriteFrame(media.Frame{Samples: make([]int16, 160), Rate: 8000}); !errors.Is(err, asr.ErrClosed) {
		t.Fatalf("WriteFrame after Close: %v", err)
	}
	// Closed during the request: it is cancelled and Close returns.
	srv.Enqueue(openaitest.Reply{Text: "slow", Delay: time.Minute})
	s, _ = r.Stream(context.Background(), asr.Config{Rate: 8000})
	_ = s.WriteFrame(media.Frame{Samples: make([]int16, 160), Rate: 8000})
	_ = s.End()
	if err := s.End(); !errors.Is(err, asr.ErrClosed) {
		t.Fatalf("second End: %v", err)
	}
	start := time.Now()
	_ = s.Close()
	if time.Since(start) > 5*time.Second {
		t.Fatal("Close waited for the request")
	}
	// Bad rates and configs.
	if _, err := r.Stream(context.Background(), asr.Config{Rate: 11025}); !errors.Is(err, asr.ErrUnsupported) {
		t.Fatalf("rate: %v", err)
	}
	for _, cfg := range []openai.Config{{BaseURL: "localhost:1/v1"}, {BaseURL: "ftp://x"}, {Timeout: -1}} {
		if _, err := openai.New(cfg); err == nil {
			t.Errorf("New(%+v) should fail", cfg)
		}
	}
}

// The OpenAI recognizer as the fallback of a failing primary gets the
// whole utterance.
func TestAsFallback(t *testing.T) {
	srv := openaitest.New(t)
	srv.Enqueue(openaitest.Reply{Text: "from the cloud"})
	srvPrimary := openaitest.New(t)
	srvPrimary.Enqueue(openaitest.Reply{Status: 503})
	primary := newRec(t, srvPrimary, 0)
	rec := asr.WithFallback(primary, newRec(t, srv, 0))
	res, _, _ := asr.Transcribe(context.Background(), rec, asr.Config{Rate: 8000}, make([]int16, 8000), 10*time.Second)
	if res.Err != nil || res.Text != "from the cloud" || res.Provider != "openai" {
		t.Fatalf("result %+v", res)
	}
	if n := len(srv.LastRequest().Transcription.File); n != 44+16000 {
		t.Fatalf("fallback got %d bytes, want the 1 s utterance", n)
	}
}
