// Package media will carry every call's audio: one frame type (about 20 ms
// of mono PCM16 with its sample rate and timestamp), push-style stages
// (WriteFrame/Close), RTP and RTCP, G.711/L16/Opus codecs, resampling, an
// adaptive jitter buffer, outbound pacing, RFC 4733 and in-band DTMF, and
// stereo call recording. SIP (github.com/emiago/sipgo) and WebRTC
// (github.com/pion/webrtc/v4) legs live in sub-packages.
//
// Nothing is implemented yet: the telephony issue builds it.
package media
