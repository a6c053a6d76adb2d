package media

import (
	"context"
	"errors"
	"time"
)

// FrameDuration is the duration of one audio frame on every leg.
const FrameDuration = 20 * time.Millisecond

// Sample rates used on the media path.
const (
	Rate8k  = 8000  // G.711 telephone audio
	Rate16k = 16000 // wideband: ASR and TTS
	Rate48k = 48000 // Opus / browsers
)

// Frame is about 20 ms of mono PCM16 audio: the one audio value that every
// stage passes on. Samples has Rate/50 samples for a full frame.
type Frame struct {
	// Samples are signed 16-bit PCM, mono.
	Samples []int16
	// Rate is the sample rate in Hz.
	Rate int
	// Timestamp is the media time of the first sample since the stream
	// started.
	Timestamp time.Duration
}

// SamplesPerFrame returns the number of samples of a 20 ms frame at rate.
func SamplesPerFrame(rate int) int { return rate / 50 }

// Duration returns the frame's duration from its sample count.
func (f Frame) Duration() time.Duration {
	if f.Rate == 0 {
		return 0
	}
	return time.Duration(len(f.Samples)) * time.Second / time.Duration(f.Rate)
}

// Sink is a push-style stage: it takes frames one at a time. Decorators
// (metering, VAD, recording, resampling) wrap a Sink. WriteFrame must not
// keep f.Samples after it returns unless it copies them.
type Sink interface {
	WriteFrame(f Frame) error
	Close() error
}

// SinkFunc adapts a function to a Sink whose Close does nothing.
type SinkFunc func(Frame) error

// WriteFrame calls fn(f).
func (fn SinkFunc) WriteFrame(f Frame) error { return fn(f) }

// Close does nothing.
func (fn SinkFunc) Close() error { return nil }

// DTMF is one telephone keypad digit received or sent on a leg.
type DTMF struct {
	// Digit is one of 0-9, *, #, A-D.
	Digit rune
	// Duration of the tone (0 when unknown).
	Duration time.Duration
	// Timestamp is the media time at which the digit started.
	Timestamp time.Duration
	// InBand is true when detected from the audio (Goertzel) rather than
	// received as an RFC 4733 telephone-event.
	InBand bool
}

// Receiver takes what a leg receives from the far end: decoded,
// jitter-buffered frames at the leg's rate, one every 20 ms (concealment
// fills gaps), and DTMF digits. Close is called once when the leg ends.
type Receiver interface {
	Sink
	OnDTMF(d DTMF)
}

// DelayObserver is a Receiver that is told when the leg's playout delay
// changes: its jitter buffer grew by inserting a frame (from then on
// everything the far end sends is heard d later, d > 0) or shrank by
// dropping one (d < 0). The leg calls OnDelayChange on the same goroutine
// as WriteFrame, just before the WriteFrame of the first frame affected.
// An echo canceller needs it: the echo's delay changes by as much, in the
// middle of the bot's speech.
type DelayObserver interface {
	OnDelayChange(d time.Duration)
}

// LegInfo describes a leg.
type LegInfo struct {
	// ID is unique among the server's legs (the SIP Call-ID, or a random
	// ID for WebRTC).
	ID string
	// Kind is "sip" or "webrtc".
	Kind string
	// From is the caller (SIP From user or number, or the browser's
	// identity); To is the called number or SIP user the dialplan routed.
	From, To string
	// Codec negotiated ("PCMU", "PCMA", "opus").
	Codec string
	// Rate is the PCM rate of the frames the leg delivers and expects.
	Rate int
	// Remote is the far end's media address.
	Remote string
}

// Leg is one party's audio connection, a SIP call or a WebRTC peer: to the
// rest of the code they are the same kind of thing. A leg yields frames and
// DTMF to its Receiver, accepts frames to play (paced at one frame every
// 20 ms, with silence when nothing is queued), sends DTMF, and hangs up.
// All methods are safe for concurrent use.
type Leg interface {
	// Info describes the leg.
	Info() LegInfo
	// Attach sets the receiver of the leg's incoming audio and DTMF,
	// replacing the previous one (nil detaches: audio is dropped).
	Attach(r Receiver)
	// WriteFrame queues audio to send to the far end. Frames at another
	// rate are resampled. It does not block on the network.
	WriteFrame(f Frame) error
	// Flush discards the queued outbound audio (barge-in); it returns how
	// much was discarded.
	Flush() time.Duration
	// SendDTMF sends a digit to the far end (RFC 4733 on SIP).
	SendDTMF(digit rune, d time.Duration) error
	// Hangup ends the leg from our side (BYE on SIP) and waits until its
	// resources are released or ctx is done.
	Hangup(ctx context.Context) error
	// Done is closed when the leg has ended, from either side.
	Done() <-chan struct{}
	// Err says why the leg ended: nil for a normal hang-up, ErrRTPTimeout,
	// or another error.
	Err() error
}

// Application handles a call on a leg: echo, playback, voicebot, queue.
// Serve returns when the application is done with the leg; the caller
// hangs the leg up afterwards if it is still up.
type Application interface {
	Serve(ctx context.Context, leg Leg) error
}

// ApplicationFunc adapts a function to an Application.
type ApplicationFunc func(ctx context.Context, leg Leg) error

// Serve calls fn(ctx, leg).
func (fn ApplicationFunc) Serve(ctx context.Context, leg Leg) error { return fn(ctx, leg) }

// Errors of the media layer.
var (
	// ErrClosed: the leg or stage has ended.
	ErrClosed = errors.New("media: closed")
	// ErrRTPTimeout: no media arrived for the configured time.
	ErrRTPTimeout = errors.New("media: no RTP received")
	// ErrNoCodec: the offer has no codec in common with ours.
	ErrNoCodec = errors.New("media: no common codec")
	// ErrBadPacket: a malformed RTP, RTCP or telephone-event packet.
	ErrBadPacket = errors.New("media: malformed packet")
)
