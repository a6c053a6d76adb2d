// Package sip is the SIP side of Switchboard's telephony, built on
// github.com/emiago/sipgo: it answers calls, places calls through a trunk
// and turns each call into a media.Leg that an Application serves.
//
// A Server listens on UDP, TCP and TLS (Config.Listen). For an INVITE
// with an SDP offer it sends 100 Trying and 180 Ringing, asks the Router
// (the dialplan) for the application, negotiates the codec with
// media/sdp, reserves an RTP Endpoint from Media and answers 200 OK with
// the SDP answer. After the ACK it starts the media leg and runs
// Application.Serve in a goroutine the server owns:
//
//	srv, err := sip.NewServer(cfg, rtp, dialplan, log)
//	...
//	return srv.Serve(ctx) // until ctx is done, then BYE to every call
//
// A call ends from either side. A BYE from the far end closes the leg's
// Done and cancels the application's context; when the application
// returns, or calls leg.Hangup, the server sends BYE. A media leg ending
// with media.ErrRTPTimeout also hangs up with BYE. Every goroutine of a
// call ends with the call.
//
// Requests that cannot be served get specific responses: 404 with no
// route, 415 for a body that is not SDP, 488 (with a Warning) for no
// common codec or a bad offer, 486 Busy Here or 503 beyond MaxCalls, 481
// for BYE, re-INVITE, REFER or NOTIFY outside a known dialog, and 487 for
// an INVITE canceled while ringing (Config.RingTime). A re-INVITE changes
// the media address or puts the call on hold: the answer direction
// follows RFC 3264 and the media leg gets SetDirection.
//
// Server.Call places a call through Config.Trunk, answering 401/407
// digest challenges, and runs an application on it; with Trunk.Register
// the server keeps a registration refreshed. Server.Transfer sends a
// blind transfer (REFER) on a leg and follows the NOTIFYs. A REFER
// received is accepted with 202; the server reports progress with
// message/sipfrag NOTIFYs while Config.OnRefer (or, by default, a new
// call through the trunk) reaches the target.
package sip
