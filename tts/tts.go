// Package tts is the streaming speech-synthesis interface. A Synthesizer
// turns text (one sentence at a time, as the dialogue manager produces it)
// into 20 ms audio frames written to a media.Sink as they are produced;
// cancelling the context stops it within one frame (barge-in). Providers
// live in sub-packages: tts/espeak (embedded, English and Mandarin) and
// tts/openai (OpenAI-compatible speech). Package tts itself imports no SDK.
//
// A Cache in front of a Synthesizer renders each prompt once and replays
// it (LRU within a byte budget; concurrent requests share one rendering;
// Warm pre-renders greetings and hold messages). Normalize is the light
// text clean-up the providers apply (markup, references read digit by
// digit). Providers wrap ErrUnsupported, ErrTimeout and ErrUnavailable, so
// that a caller can fall back to another Synthesizer without knowing
// which provider failed.
package tts

import (
	"context"
	"errors"

	"github.com/switchboard-voice/switchboard/media"
)

// Request is one piece of text to speak.
type Request struct {
	// Text to speak: a sentence or a short paragraph.
	Text string
	// Language is a BCP 47 tag or bare language ("en", "en-US", "zh").
	Language string
	// Voice is provider-specific ("" for the provider's default for the
	// language).
	Voice string
	// Rate is the sample rate of the frames to write (8000, 16000 or
	// 48000).
	Rate int
}

// Synthesizer speaks text. Synthesize writes full 20 ms frames at
// req.Rate to sink as audio becomes available (the last one padded with
// silence) and returns when the text is spoken, when sink.WriteFrame
// fails, or when ctx is cancelled (then with ctx's error, having written at
// most one more frame). It does not close sink. Implementations are safe
// for concurrent use.
type Synthesizer interface {
	// Name identifies the provider in logs and metrics.
	Name() string
	Synthesize(ctx context.Context, req Request, sink media.Sink) error
}

// Errors.
var (
	// ErrUnsupported: the provider has no voice for the language.
	ErrUnsupported = errors.New("tts: unsupported language or voice")
	// ErrTimeout: the provider did not start producing audio in time.
	ErrTimeout = errors.New("tts: provider timed out")
)
