package tts

import (
	"context"
	"errors"
	"strings"

	"github.com/switchboard-voice/switchboard/media"
)

// WithFallback returns a Synthesizer that speaks with primary and, when
// primary fails before it has written any audio (an error, a timeout, an
// unsupported language), speaks the same request with fallback, so a
// failing provider never leaves the caller in silence. A failure after
// audio has started is returned as is: repeating the sentence from the
// start would be worse than the gap. Cancelling ctx is never a failure.
func WithFallback(primary, fallback Synthesizer) Synthesizer {
	return &fallbackSynth{primary: primary, fallback: fallback}
}

type fallbackSynth struct {
	primary, fallback Synthesizer
}

// Name joins the providers' names ("openai>espeak").
func (f *fallbackSynth) Name() string {
	return strings.Join([]string{f.primary.Name(), f.fallback.Name()}, ">")
}

// Synthesize speaks req with the primary, or the fallback.
func (f *fallbackSynth) Synthesize(ctx context.Context, req Request, sink media.Sink) error {
	wrote := false
	err := f.primary.Synthesize(ctx, req, media.SinkFunc(func(fr media.Frame) error {
		wrote = true
		return sink.WriteFrame(fr)
	}))
	if err == nil || wrote || ctx.Err() != nil {
		return err
	}
	if ferr := f.fallback.Synthesize(ctx, req, sink); ferr != nil {
		return errors.Join(err, ferr)
	}
	return nil
}
