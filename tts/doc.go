// Package tts will hold the streaming speech-synthesis interface:
// Synthesizer.Synthesize(ctx, text, sink) writes audio frames to a sink,
// and cancelling ctx stops it within one frame (barge-in). Providers live in
// sub-packages: tts/espeak (embedded, English and Mandarin) and tts/openai.
//
// Nothing is implemented yet: the voicebot issue builds it.
package tts
