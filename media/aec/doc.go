// Package aec cancels the echo of a bot's own voice on a phone line, so
// that voice activity detection on what the caller sends back hears the
// caller, not the bot.
//
// # Use
//
// A Canceller sees both directions of a call at one rate (8, 16 or
// 48 kHz): Reference with each frame the bot sends, in order, as it is
// written to the leg; Process with each frame received, which returns the
// residual, the input with the echo removed:
//
//	c, err := aec.New(media.Rate8k)
//	// sending side:
//	c.Reference(f)      // each frame given to leg.WriteFrame
//	c.Flush()           // after leg.Flush (barge-in)
//	// receiving side, every 20 ms:
//	res := c.Process(in) // valid until the next call
//	ev := detector.Process(res)
//
// The reference is a queue that Process drains by one frame's duration
// per input frame, like the leg's outbound queue that a pacer drains every
// 20 ms, and silence when empty; so the echo delay the canceller measures
// includes the time frames wait there, and frames may be queued ahead.
// Reference and Flush may run on another goroutine than Process. While no
// reference is within reach (the bot is silent), input passes unchanged.
// Process does not allocate; Reference only when its queue grows.
//
// EchoDelay, ERLE, Converged and Stats describe the echo path for logs
// and metrics, from any goroutine.
//
// # Design
//
// An echo on a phone line is the bot's audio delayed by the round trip
// (20-500 ms, more through the mobile network), scaled (an echo return
// loss of 0 to 26 dB), smeared by a hybrid over a few ms, and coded with
// G.711 on the way out and back. Searching 500 ms with one adaptive filter
// would take 4,000 taps at 8 kHz; the canceller instead splits the job:
//
//  1. Bulk delay. Both signals are reduced to envelopes (mean |x| over
//     2 ms), their slow part removed, and their cross-correlation kept for
//     every lag up to the maximum delay (600 ms), with about a second of
//     memory of reference activity. The lag with the highest normalised
//     correlation, held for three frames, is the delay. Envelopes ignore
//     phase, so G.711, polarity and dispersion do not matter and a caller
//     talking at the same time only adds noise to the estimate; updates
//     stop while the bot is silent. Cost: ~3,000 multiply-adds a frame.
//  2. Linear filter. A 64-tap (8 ms at 8 kHz) NLMS filter placed around
//     that delay removes the echo sample by sample: about 30-36 dB on the
//     test lines, the limit of G.711's quantisation noise. When its
//     largest tap reaches an edge the window moves; a delay found by the
//     envelopes that the filter cannot cancel after a second (a chance
//     correlation between two voices) is dropped.
//  3. Double talk. Every 2.5 ms the residual is compared with what the
//     filter leaves of an echo (the residual coupling, learnt in single
//     talk) and the input with the filter's echo estimate; a caller that
//     raises both freezes adaptation for 40 ms, and any unexplained
//     residual slows it in proportion (a soft detector: Geigel's rule,
//     with the echo level learnt instead of assumed at 6 dB, since a test
//     peer echoes at 0 dB). Residual that keeps following the reference
//     for 300 ms is an echo path change: the estimates start again.
//  4. Residual suppression. Frames without the caller are replaced with
//     comfort noise: the line's own noise, recorded while the bot was
//     silent and replayed at the noise floor, so that a VAD downstream
//     sees neither echo nor a change in its noise. Frames with the caller
//     pass (with the small residual echo under the caller's voice). Until
//     a delay is known, input less than 6 dB louder than the loudest
//     recent reference is taken for echo, so the call is half duplex for
//     the first few hundred ms of bot speech; when none is found after
//     about 0.6 s of it, the line is taken to have no echo worth the name
//     (30 dB down) and the caller passes.
//
// # Figures
//
// On Asterisk prompts and espeak-ng speech through G.711 twice, delays of
// 40-300 ms and echo gains of 0.1-1.0 (the tests of this package): the
// delay is locked 100-240 ms after the echo begins and Converged 0.3-0.9 s
// after; the linear filter cancels 31-36 dB; a VAD on the residual never
// starts on the echo, before or after convergence. A caller who starts
// talking over the bot is detected 100-160 ms after the onset (the VAD
// alone on the clean recording: 100 ms). After a delay change the new
// delay is cancelled again within 0.6-1.1 s, with one VAD start at the
// change. Per frame: 12 µs at 8 kHz (1.7 µs while the bot is silent),
// 33 µs at 16 kHz and 210 µs at 48 kHz, since the filter's cost grows
// with the square of the rate: run the canceller at 8 or 16 kHz.
package aec
