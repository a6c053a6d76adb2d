// Package vad finds speech in a call's audio, 20 ms frame by 20 ms frame,
// on lines whose noise it learns as it goes.
//
// # Use
//
// A Detector takes contiguous frames at one rate (8 to 48 kHz) and
// returns an Event per frame: whether the frame on its own looked like
// speech (Voiced), whether the stream is inside an utterance (Speaking),
// and the edges, SpeechStart and SpeechEnd, with their media time:
//
//	d, err := vad.New(media.Rate8k)
//	for f := range frames {
//		switch ev := d.Process(f); ev.Type {
//		case vad.SpeechStart: // ev.Time: the first voiced sample
//		case vad.SpeechEnd:   // ev.Time: the end of the last voiced frame
//		}
//	}
//
// Speaking, SpeechDuration, SilenceDuration, Level and NoiseFloor read
// the state from any goroutine (end-of-turn timers, metrics); NewSink
// wraps a media.Sink so the detector runs as a stage. Process does not
// allocate.
//
// # How it decides
//
// Each frame is high-passed at 100 Hz (hum, DC), windowed and transformed
// (an FFT of 256 points at 8 kHz), and its power summed in 13 bands of
// about a third of an octave between 150 Hz and 3.8 kHz, the same bands
// at every rate. A noise floor is tracked per band and for the whole
// band: it follows a lower power within a few frames, rises towards a
// higher one over about a second only in frames that are not speech, and
// is never below 1.6 times the minimum of the smoothed power over the
// last second, so that a noise that gets louder is learnt within about a
// second even while it is taken for speech.
//
// The statistic is the mean of the band SNRs (each counted from 0 to
// 30 dB) over the better half of the bands: speech puts its energy in a
// few formant bands, so the better half separates it from stationary
// noise at low SNR better than all bands do. A frame is voiced when the
// statistic exceeds 5.5 dB (4 dB while speaking: hysteresis), its level
// is at least 3 dB above the noise floor, and it is louder than the
// minimum level. Where the statistic fluctuates a lot outside speech
// (babble, traffic), the start threshold rises with its mean plus three
// standard deviations, by up to 6 dB.
//
// An utterance starts when its voiced frames add up to the onset time
// (80 ms by default), counting 5 ms sub-blocks above the floor so that a
// click or a burst shorter than that never starts one however it falls
// across frames; SpeechStart is back-dated to the first voiced sub-block.
// It ends after the hangover (300 ms) without a voiced frame.
//
// # Phone calls and bot playback
//
// The defaults suit 8 kHz phone calls: onset 80 ms, hangover 300 ms,
// minimum level -55 dBFS. For barge-in, run the detector on the output of
// an echo canceller (package media/aec), which leaves the line's noise
// where the bot's echo was; SetMinLevel raises the minimum level while
// the bot talks when a line's residual echo is loud, from any goroutine.
//
// Figures (media/vad tests, Asterisk prompts with noise): frame accuracy
// against an energy reference 0.93 in white and pink noise at 20 dB SNR,
// 0.87-0.89 at 10 dB; onsets detected 90-120 ms after they start; no
// false start in stationary noise, and one at a noise step of +10 or
// +20 dB, ended within 1.4 s. Babble (eight talkers) is speech: expect
// some false starts at low SNR. About 3.5 µs per frame at 8 kHz.
package vad
