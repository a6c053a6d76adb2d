// Package sdp does the SDP offer/answer of an audio call (RFC 3264, RFC
// 4566) on top of github.com/pion/sdp/v3.
//
// Parse reads a description into a small Session: the origin, the audio
// stream's connection address and port, its direction (media level over
// session level), its payload formats in the sender's order with their
// rtpmap and fmtp, and its ptime. Errors wrap ErrMalformed (naming the
// line), ErrNoAudio, ErrBadPort or ErrBadAddress.
//
// Negotiate answers an offer with the codecs we support: the first offered
// format that we support wins (the offerer's preference), telephone-event
// is kept when offered at the codec's clock rate, and the direction is
// reversed (sendonly is answered recvonly, inactive stays inactive). With
// nothing in common the error wraps media.ErrNoCodec, which SIP maps to
// 488 Not Acceptable Here.
//
// Build renders offers and answers: our address and port, the formats,
// telephone-event 0-16, ptime 20 and the direction. OfferFormats lists
// what we offer for media.Codecs().
//
//	offer, err := sdp.Parse(body)
//	ans, err := sdp.Negotiate(offer, media.Codecs())
//	answer, err := sdp.BuildAnswer(ans, local, sessionID, version)
package sdp
