// Package dtmf carries telephone keypad digits both ways: RFC 4733
// telephone-events on RTP, and in-band tones in the audio.
//
// # Telephone-events
//
// DecodeEvent and Event.Encode convert the 4-byte payload; Digit and Code
// map event codes to keypad runes (0-9, *, #, A-D). DecodeEvent wraps
// media.ErrBadPacket for short payloads and for events that are not DTMF
// (codes above 15, also wrapping ErrUnknownEvent).
//
// A Receiver turns one stream's event packets into exactly one media.DTMF
// per event, identified by its RTP timestamp:
//
//	r := dtmf.NewReceiver(8000, firstTS)
//	// for each telephone-event packet:
//	if d, ok, err := r.Packet(h.Timestamp, h.Marker, payload); ok {
//		rcv.OnDTMF(d)
//	}
//	// now and then, and at the end of the stream:
//	if d, ok := r.Flush(currentTS); ok { ... }
//
// A digit is emitted on its first end packet, so it carries its duration;
// the two retransmissions are ignored. Senders that omit the marker bit, or
// whose start packets are lost, are handled; the same digit under a new
// timestamp is a new press ("55"). An event whose end packets were all lost
// is emitted when the next event starts, or by Flush FlushAfter after its
// last update. Long events split into segments (§2.5.1.3) are joined.
//
// Packets produces what to send for a digit: a first packet with the marker
// bit, an update every 20 ms with a duration growing by one frame, and three
// end packets, all under the event's start timestamp, with each packet's
// send offset. The RTP layer encodes and paces them.
//
// # In-band tones
//
// A Detector runs the Goertzel algorithm over 20 ms windows every 10 ms of
// PCM at any rate from 8 kHz (tested at 8 and 16 kHz) and returns digits
// from Process:
//
//	det := dtmf.NewDetector()
//	for _, d := range det.Process(frame) { rcv.OnDTMF(d) }
//
// A window holds a digit when the strongest row and column tones are both
// above about -38 dBFS, the twist is at most 8 dB (row stronger) or 4 dB
// (column stronger), the other tones of each group are 8 dB weaker, the two
// tones hold 75% of the window's power, their second harmonics are 10 dB
// down, and each tone is nearer its nominal frequency than 3.5% off. Two
// such windows in a row (40 ms of tone) make a digit; it is reported once,
// when the tone stops (two windows without it, a 30-40 ms pause), with its
// start and duration. Voice (harmonics of a 150 Hz fundamental, even with
// formants on DTMF frequencies) does not trigger it; tones at 20 dB SNR in
// white noise are detected.
//
// Receivers and Detectors keep per-stream state and are not safe for
// concurrent use.
package dtmf
