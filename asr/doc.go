// Package asr will hold the streaming speech-recognition interface:
// Recognizer.Stream(ctx, cfg) returns a Session that takes audio frames and
// emits partial and final results. Providers live in sub-packages:
// asr/pocketsphinx (embedded, with a language model built from the bot's own
// examples) and asr/openai (OpenAI-compatible transcription).
//
// Nothing is implemented yet: the voicebot issue builds it.
package asr
