// Package media carries every call's audio. Its sub-packages connect it to
// the network; this package holds the pieces they share.
//
// # Frames and sinks
//
// A Frame is about 20 ms (FrameDuration) of mono PCM16 with its sample
// rate and a timestamp: the one audio value that every stage passes on.
// Rates are 8 kHz (Rate8k, G.711 telephony), 16 kHz (Rate16k, ASR and TTS)
// and 48 kHz (Rate48k, Opus and browsers).
//
// Stages are push sinks: a Sink takes frames with WriteFrame and ends with
// Close, and decorators wrap a Sink to add a step. SinkFunc adapts a
// function. A Sink must copy f.Samples to keep them after WriteFrame
// returns, which lets the stages reuse their buffers: the per-frame paths
// of this package do not allocate.
//
//	rec, err := media.NewRecorder(file, media.Rate16k) // stereo WAV
//	caller := media.NewMeter(rec.Left(), nil)           // level, then recording
//	err = caller.WriteFrame(f)                          // f at any of the rates
//
// # Legs and applications
//
// A Leg is one party's audio connection, a SIP call or a WebRTC peer: it
// delivers decoded frames and DTMF to its Receiver, accepts frames to play
// (resampled to its rate and paced), sends DTMF and hangs up. An
// Application (echo, playback, voicebot, queue) serves a call on a Leg.
//
// # Codecs
//
// NewCodec returns a Codec by SDP name: PCMU and PCMA (G.711, with tables
// for decoding), L16, and Opus when built with the opus tag against
// libopus (go build -tags opus; Debian package libopus-dev), which
// registers itself with RegisterCodec. Encode and Decode append to a
// caller's buffer.
//
// # Resampling, mixing, metering
//
// A Resampler converts a stream between any two of the three rates with a
// polyphase windowed-sinc filter (flat to 0.4× the lower rate, ≥ 60 dB
// stop band) that keeps its history across frames. ResampleSink puts one in
// front of a Sink for frames of any rate. Resample at stage boundaries
// only: each pass costs a few microseconds per frame and 1-3 ms of delay.
//
// Mix adds two signals with saturation; a Mixer sums any number of inputs
// once per 20 ms tick, the start of a conference bridge. Meter measures
// each frame's RMS level in dBFS (Level) for voice activity detection and
// level meters.
//
// # Files and recording
//
// ReadWAV reads PCM16 WAV files and the 8-bit µ-law and A-law WAV files
// that Asterisk sound sets use; WAVWriter writes PCM16 incrementally and
// fixes the header sizes on Close. A Recorder writes a call as a stereo
// WAV, the caller on the left and the other side on the right, aligned by
// timestamp; its Sinks never block the media path: frames go through a
// bounded queue to the Recorder's goroutine and are dropped (and counted)
// when it is full.
//
// # Sub-packages
//
//   - jitter: the adaptive RTP jitter buffer that orders payloads and
//     decides when each is played.
//   - dtmf: RFC 4733 telephone-events (send and receive) and in-band
//     Goertzel DTMF detection.
//   - rtpio: RTP/RTCP sessions: the socket, codec, jitter buffer and
//     outbound pacing that make a Leg from an SDP negotiation.
//   - sdp: the SDP offer/answer of an audio call (RFC 3264).
//   - sip: SIP legs and the SIP server (github.com/emiago/sipgo).
//   - webrtc: browser legs (github.com/pion/webrtc/v4).
//   - apps: the applications that ship with the media layer (echo,
//     playback).
//   - audiotest: tones, DTMF, spectra and SNR for the media tests.
package media
