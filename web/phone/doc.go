// Package phone serves a browser softphone for trying Switchboard's bots
// without a SIP phone: a single page at /phone with a number field
// (default "echo"), Call, Mute and Hang up buttons, a DTMF keypad, a
// microphone level meter, the call state (idle, connecting, in call mm:ss,
// ended, error with the reason) and connection statistics refreshed every
// second from RTCPeerConnection.getStats.
//
// The page talks WHIP-style to the media/webrtc server on the same
// origin: it gathers ICE candidates, POSTs the offer to /whip/{number},
// applies the 201 answer, and DELETEs the Location on hang-up. STUN/TURN
// servers come from the Link headers of OPTIONS /whip/{number}. Each key
// is sent both as RFC 4733 telephone-event (RTCRtpSender.dtmf) and as a
// message on the "dtmf" data channel; the server keeps one.
//
// index.html, phone.js and phone.css are embedded (go:embed) and need no
// build step. Mount Handler at "/phone" and "/phone/":
//
//	mux.Handle("/phone", phone.Handler())
//	mux.Handle("/phone/", phone.Handler())
//	mux.Handle("/whip/", webrtcServer.Handler())
//
// Browsers only grant the microphone to secure contexts: serve the page
// over HTTPS, or from localhost while developing.
//
// browser_test.go drives the page in headless Chromium (/usr/bin/chromium,
// Debian package chromium) with a fake microphone playing a 440 Hz tone.
// It skips when Chromium is missing unless SWITCHBOARD_REQUIRE_BROWSER=1,
// and leaves a screenshot of the call in /tmp/phone.png.
package phone
