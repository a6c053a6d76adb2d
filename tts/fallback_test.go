package tts_test

import (
	"context"
	"errors"
	"testing"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/tts"
)

type fixed struct {
	name   string
	frames int
	err    error
}

func (f fixed) Name() string { return f.name }
func (f fixed) Synthesize(ctx context.Context, req tts.Request, sink media.Sink) error {
	for i := 0; i < f.frames; i++ {
		if err := sink.WriteFrame(media.Frame{Samples: make([]int16, 160), Rate: 8000}); err != nil {
			return err
		}
	}
	return f.err
}

func TestWithFallback(t *testing.T) {
	boom := errors.New("boom")
	for _, tc := range []struct {
		name    string
		primary fixed
		want    int
		wantErr bool
	}{
		{"primary works", fixed{"a", 3, nil}, 3, false},
		{"primary fails at once", fixed{"a", 0, boom}, 5, false},
		{"primary fails mid-sentence", fixed{"a", 2, boom}, 2, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tts.WithFallback(tc.primary, fixed{"b", 5, nil})
			n := 0
			err := s.Synthesize(context.Background(), tts.Request{Text: "hi", Rate: 8000}, media.SinkFunc(func(media.Frame) error { n++; return nil }))
			if n != tc.want || (err != nil) != tc.wantErr {
				t.Errorf("frames %d err %v; want %d frames, error %v", n, err, tc.want, tc.wantErr)
			}
		})
	}
	if got := tts.WithFallback(fixed{name: "a"}, fixed{name: "b"}).Name(); got != "a>b" {
		t.Errorf("name %q", got)
	}
	// Both failing: both errors are reported.
	err := tts.WithFallback(fixed{"a", 0, boom}, fixed{"b", 0, tts.ErrUnsupported}).Synthesize(context.Background(), tts.Request{}, media.SinkFunc(func(media.Frame) error { return nil }))
	if !errors.Is(err, boom) || !errors.Is(err, tts.ErrUnsupported) {
		t.Errorf("err %v", err)
	}
}
