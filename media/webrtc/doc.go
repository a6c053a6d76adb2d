// Package webrtc carries calls from browsers: WebRTC legs on pion
// (github.com/pion/webrtc/v4) that are media.Legs like SIP calls, so the
// applications (echo, voicebot, queue) cannot tell them apart.
//
// # Signalling
//
// Server.Handler speaks WHIP (RFC 9725) shaped HTTP:
//
//	POST   /whip/{to}       Content-Type: application/sdp offer
//	                        -> 201 Created, the SDP answer, Location: /whip/{to}/{id}
//	PATCH  /whip/{to}/{id}  application/trickle-ice-sdpfrag candidates -> 204
//	DELETE /whip/{to}/{id}  hang up -> 200
//	OPTIONS /whip/{to}      -> 204 with the STUN/TURN servers as Link headers
//
// Answers are non-trickle: the server gathers all its candidates before
// answering. A client may still trickle its own by PATCH. Errors: 415 for
// a wrong content type, 400 for an SDP that does not parse, has no audio
// or no common codec, 404 when the Router has no application for {to},
// 503 at Config.MaxLegs or while closing. The caller's identity (LegInfo.From)
// is the client's IP address; put authentication in front of the handler.
//
// # Media
//
// The MediaEngine has only PCMU, PCMA and telephone-event/8000 (and Opus
// if media.NewCodec("opus") works, which it does not in the default
// build), so browsers negotiate G.711 at 8 kHz. Media is DTLS-SRTP.
//
// Receiving, RTP from the remote track goes through a small reorder
// buffer (two packets of prefill, silence for a lost packet, bounded
// depth) and comes out as one 20 ms media.Frame every 20 ms to the
// attached media.Receiver, on the playout goroutine. DTMF arrives two
// ways: RFC 4733 telephone-events (one digit per event, however many end
// packets) and messages on a data channel labelled "dtmf" (one digit per
// character). The phone page sends every key both ways, so a digit that
// arrives on one path cancels the same digit arriving on the other within
// Config.DTMFDedupWindow.
//
// Sending, WriteFrame appends to a bounded queue (Config.MaxQueue) and
// never blocks; a pacer on an absolute 20 ms schedule sends queued audio
// or silence, and SendDTMF's telephone-events in between. Flush drops the
// queue (barge-in).
//
// # Lifetime
//
// A leg's application starts when ICE and DTLS connect and gets a context
// canceled when the leg ends. The leg ends on DELETE, Hangup, the
// application returning, ICE or DTLS failing (ErrPeerFailed), no
// connection within Config.ConnectTimeout (ErrConnectTimeout), or
// Server.Close (media.ErrClosed). Then the PeerConnection closes, the
// Receiver's Close is called, and every goroutine of the leg returns
// before Hangup does. Leg.Stats counts packets, loss and jitter.
//
//	srv, err := webrtc.NewServer(webrtc.Config{}, router, log)
//	...
//	mux.Handle("/whip/", srv.Handler())
//	defer srv.Close()
package webrtc
