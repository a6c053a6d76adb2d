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
//
// # SIP phones
//
// With Config.Registrar enabled (and WithCredentials), agents' desk
// phones and softphones REGISTER to the server's own domain. Requests
// are authenticated with HTTP digest (RFC 8760: MD5, and SHA-256 when
// configured; qop=auth); nonces are HMAC-signed with their issue time and
// expire (RegistrarConfig.NonceTTL), and a nonce count that does not go
// up is a replay: both get 401 with stale=true, so the phone retries
// without asking for the password. An unknown user and a wrong password
// both get 403 (Bad Credentials), so that user names cannot be probed;
// the log says which. The location service keeps each user's contacts
// with their expiry (Expires header or ;expires, 423 with Min-Expires
// below RegistrarConfig.MinExpiry, capped at MaxExpiry), q-value and
// Call-ID/CSeq (a stale REGISTER gets 400 CSeq Out of Order); Contact: *
// with Expires: 0 removes them all. A timer the server owns expires
// them, and every change is reported in order to the
// WithRegistrationHandler function (agent phone presence).
//
//	srv, err := sip.NewServer(cfg, rtp, dialplan, log,
//		sip.WithCredentials(agents), sip.WithRegistrationHandler(presence))
//
// Server.DialUser rings every contact of a user at once and returns the
// media.Leg of the first phone to answer; the others get CANCEL. The
// INVITE goes to the address and transport the REGISTER came from (the
// NAT mapping the phone opened), not to the Contact's host, and in-dialog
// requests follow the phone's responses. Failures are sentinel errors:
// ErrNotRegistered, ErrBusy (486/600), ErrDeclined (603), ErrNoAnswer
// (the ring time passed, CANCEL sent), ErrUnreachable; a *ResponseError
// carries the status. Server.CallUser does the same and runs an
// application on the call, like Server.Call. An answer that arrives after
// the call was given up (a phone answering as the CANCEL goes out) is
// ACKed and hung up with BYE.
package sip
