// Package jitter is an adaptive RTP jitter buffer. It orders payloads and
// decides when each is played; decoding and concealment are the caller's.
//
// # Use
//
// The RTP reader pushes every packet of a stream; the playout loop pops
// once per frame period (20 ms) on its own clock and never waits:
//
//	b, _ := jitter.New(jitter.Config{ClockRate: 8000})
//	// reader goroutine
//	b.Push(jitter.Packet{SequenceNumber: h.SequenceNumber, Timestamp: h.Timestamp,
//		SSRC: h.SSRC, Payload: payload, Arrival: time.Now()})
//	// playout goroutine, every 20 ms
//	f, st := b.Pop(time.Now())
//	switch st {
//	case jitter.OK:      // decode f.Payload (valid until the next Pop)
//	case jitter.Lost:    // conceal one frame: PLC, FEC or silence
//	case jitter.Waiting: // play what is left decoded, or silence
//	}
//
// Push copies the payload; Push and Pop may run on different goroutines.
// In steady state neither allocates: payload buffers are recycled.
//
// # Timestamps, not sequence numbers
//
// The buffer works in RTP timestamp units, unwrapped to 64 bits (as are
// sequence numbers, so both wrap-arounds are transparent). Each Pop covers
// the next FrameSamples of timestamp and returns the packet that starts in
// that period. A packet's duration is learnt from the timestamp step between
// consecutive sequence numbers, so 10, 20 or 30 ms packets all work: with
// 30 ms packets Pop returns OK, OK, Waiting (the second packet still covers
// the third period), and the caller carries the decoded surplus over.
//
// Sequence numbers only detect duplicates (the last 1024 are remembered) and
// reordering. A packet whose start was already played or concealed is
// dropped and counted Late. A missing packet makes Pop return Lost: the
// output clock never stalls.
//
// # Streams
//
// A change of SSRC, or a jump of both sequence number and timestamp more
// than 3 s ahead, starts a new stream: the buffer empties and fills again
// (Waiting) rather than playing across the break. A packet far behind the
// stream is dropped as a stray unless the next packet follows it. After
// MaxDelay with nothing to play (the sender paused), the buffer also fills
// again and resumes at the next talkspurt.
//
// # Adaptation
//
// Playout starts when the first packet has waited the target delay, which
// starts at InitialDelay. The target is
//
//	clamp(max(3 × jitter, delay spread) + one frame, MinDelay, MaxDelay)
//
// where jitter is the RFC 3550 interarrival jitter and the delay spread is
// the range of playout delays (time between a packet's arrival and its
// playout) seen over the last second; the spread catches bursts that RFC 3550
// jitter underestimates. The target rises at once and decays after 2 s
// without a new peak. The playout delay of the least delayed recent packets
// follows it by inserting a Waiting frame (at most one per 200 ms) or
// skipping a frame (at most one per second); the buffer has no voice
// activity detector, so these points are chosen by time alone.
//
// Memory is bounded: at most Config.Capacity packets are held; on overflow
// the oldest is dropped and counted.
package jitter
