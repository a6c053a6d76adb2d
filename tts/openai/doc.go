// Package openai is a tts.Synthesizer for any OpenAI-compatible speech
// endpoint (POST /audio/speech: OpenAI, and servers that copy its API),
// using github.com/sashabaranov/go-openai.
//
//	syn, err := openai.New(
//		openai.WithAPIKey(os.Getenv("OPENAI_API_KEY")),
//		openai.WithVoice("nova"),
//	)
//	err = syn.Synthesize(ctx, tts.Request{Text: "Thanks for calling.", Rate: 16000}, sink)
//
// Defaults: model "tts-1", voice "alloy", response format "pcm" (raw
// 24 kHz 16-bit mono, the format that starts soonest); "wav" is decoded
// too, its rate and channels taken from the header. The body is read as
// it arrives and each piece is resampled to the request's rate and cut
// into 20 ms frames, so the first frame reaches the sink as soon as the
// first bytes do.
//
// WithTimeout (default 5 s) bounds the wait for audio: for the response
// and its first bytes, and between two later reads (a stalled stream).
// Time spent in the sink does not count. Either wait failing is
// tts.ErrTimeout. HTTP errors, broken or truncated bodies and bodies that
// are not audio are tts.ErrUnavailable (errors.As finds the
// *goopenai.APIError of an HTTP error). Cancelling ctx stops within one
// frame and closes the connection.
//
// The text goes through tts.Normalize. Request.Language is not sent (the
// voices are multilingual); Request.Voice overrides the default voice.
//
// Tests run against internal/openaitest, an in-process server, and a
// loopback server that streams its body in pieces.
package openai
