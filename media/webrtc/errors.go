package webrtc

import "errors"

// Errors of the WebRTC layer. The HTTP handler maps them to status codes
// (see Server.Handler); media.ErrNoCodec, media.ErrClosed and
// media.ErrBadPacket are used as well.
var (
	// ErrConfig: a Config field is invalid.
	ErrConfig = errors.New("webrtc: bad config")
	// ErrBadOffer: the SDP offer cannot be parsed or applied (HTTP 400).
	ErrBadOffer = errors.New("webrtc: bad SDP offer")
	// ErrNoRoute: the router has no application for the called number
	// (HTTP 404).
	ErrNoRoute = errors.New("webrtc: no route")
	// ErrCapacity: MaxLegs legs are up, or the server is closing (HTTP 503).
	ErrCapacity = errors.New("webrtc: at capacity")
	// ErrQueueFull: WriteFrame would queue more than Config.MaxQueue.
	ErrQueueFull = errors.New("webrtc: outbound queue full")
	// ErrConnectTimeout: ICE/DTLS did not connect within
	// Config.ConnectTimeout.
	ErrConnectTimeout = errors.New("webrtc: peer did not connect")
	// ErrPeerFailed: ICE or DTLS failed after connecting (the network went
	// away without a DELETE).
	ErrPeerFailed = errors.New("webrtc: peer connection failed")
	// ErrBadDigit: SendDTMF was given something not in 0-9 * # A-D.
	ErrBadDigit = errors.New("webrtc: not a DTMF digit")
	// ErrNoTelephoneEvent: the peer did not negotiate telephone-event, so
	// SendDTMF cannot send RFC 4733 events.
	ErrNoTelephoneEvent = errors.New("webrtc: telephone-event not negotiated")
)
