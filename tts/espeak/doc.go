// Package espeak is the embedded tts.Synthesizer: espeak-ng, English and
// Mandarin out of the box, no network, nothing to download beyond the
// espeak-ng-data that the espeak-ng system package installs.
//
//	syn, err := espeak.New(espeak.WithSpeed(170))
//	err = syn.Synthesize(ctx, tts.Request{Text: "Your card ending in 4821 is blocked.", Language: "en", Rate: 8000}, sink)
//
// # Engine
//
// By default (cgo builds) the package calls libespeak-ng in process:
// espeak_ng_Initialize once per process in synchronous mode, audio handed
// to a callback in buffers of about 49 ms at 22050 Hz. espeak-ng keeps its
// state in globals, so syntheses are serialised by a process-wide lock.
// The callback only copies the buffer onto the request's queue and never
// blocks; the calling goroutine resamples and writes frames to the sink.
// So the lock is held for the synthesis alone (well under 1 ms per second
// of speech), never for a sink that plays in real time, and a cancelled
// request aborts at the next buffer (the callback returns 1).
//
// WithCommand runs the espeak-ng command once per request instead (text on
// stdin, WAV on stdout), which is also the fallback when built without
// cgo. It isolates the engine in a process and runs requests in parallel,
// but costs a process start per sentence. Measured on the 2-core build
// machine for a 10-word sentence: first audio p50 about 0.2 ms in process
// against about 8 ms for the command; with 4 requests starting at once
// about 7 ms against 16-24 ms, with 16 about 41 ms against 107 ms (the
// lock's queue costs less than the process starts). Hence the library by
// default.
//
// espeak-ng 1.51 draws the noise of its unvoiced sounds from the C
// library's rand(); the package calls srand(1) before each synthesis so
// that the noise does not vary from run to run. Renderings are still not
// bit-exact: the wave generator carries state from one utterance to the
// next, so a sentence's length varies by up to about ±10 ms with the one
// spoken before it. Set ESPEAK_DATA_PATH to use espeak-ng-data from
// another place.
//
// # Languages and voices
//
// Request.Language picks the voice: "en", "en-US" (and any other "en-*")
// → en-us, "en-GB" → en-gb, "zh", "zh-CN", "zh-Hans", "zh-TW", "cmn" →
// cmn (Mandarin); an empty language is English. Tags are matched without
// regard to case, dropping subtags from the right until one is known.
// WithVoice adds or overrides a language; Request.Voice, when set, is used
// as the espeak-ng voice name directly ("en-us+f3" picks a variant). A
// language without a voice, or an unknown voice, fails with
// tts.ErrUnsupported. Speaking rate and pitch are options (WithSpeed,
// WithPitch).
//
// # Text and audio
//
// The text goes through tts.Normalize (markup stripped, references such
// as "4821" read digit by digit). Audio is resampled from 22050 Hz to the
// request's rate with a band-limited polyphase filter (no aliasing), and
// written as full 20 ms frames, the last one padded, timestamps from zero.
// Digital silence at the end is dropped unless WithSentencePause is set.
package espeak
