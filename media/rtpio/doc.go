// Package rtpio is the RTP transport of a SIP call leg, and the media.Leg
// built on it.
//
// A tour, bottom up:
//
// A Pool hands out UDP port pairs from the configured range on the media IP:
// RTP on an even port, RTCP on the next one. Pool.Open returns an Endpoint;
// closing it returns the pair. When every pair is taken, Open fails with
// ErrPoolExhausted (the SIP layer answers 503).
//
//	pool, _ := rtpio.NewPool(netip.MustParseAddr("10.0.0.5"), 20000, 29999)
//	ep, _ := pool.Open(ctx) // ep.Port() goes into the SDP answer
//
// A Session runs one RTP stream pair over an Endpoint. It does symmetric RTP
// (RFC 4961) with source latching: the first valid packet, from the SDP
// address or from wherever a NAT rewrote it to, latches the far end's
// address; packets from other sources are then dropped and counted, and we
// send to the latched address. Every datagram is checked and parsed with
// pion/rtp; oversized, truncated, non-version-2, badly padded packets and
// payload types that were not negotiated are counted and dropped, never
// fatal. The session sends RTCP every ~5 s (an SR while we send, else an
// RR, with SDES CNAME; BYE on Close) carrying the RFC 3550 reception
// figures (fraction and cumulative loss, extended highest sequence number,
// interarrival jitter, LSR/DLSR), and parses the far end's SR, RR and BYE
// (round-trip time, their view of our stream). RTCP multiplexed on the RTP
// port (RFC 5761) is recognised.
//
// A Pacer sends on a Session: one packet every 20 ms from a deadline
// schedule on the monotonic clock (start + n×20 ms, so no drift), queued
// audio or else silence (or faint comfort noise), with RTP timestamps that
// advance across silence and the marker bit on each talkspurt. Its queue is
// bounded and never blocks the writer (overflow drops the oldest audio);
// Flush empties it for barge-in. DTMF digits go out as RFC 4733 events on
// the same timeline, pausing the audio while they play.
//
// A Leg ties these together as a media.Leg for the rest of the server:
//
//	sess, _ := rtpio.NewSession(ep, 8000, rtpio.WithRemote(sdpAddr), rtpio.WithLogger(log))
//	codec, _ := media.NewCodec("PCMU")
//	leg := rtpio.NewLeg(sess, codec, rtpio.LegConfig{
//		Info:            media.LegInfo{ID: callID, From: from, To: to},
//		DTMFPayloadType: 101,
//		Hangup:          dialog.Bye, // sends BYE
//		Collector:       collector,
//	})
//	err := app.Serve(ctx, leg)
//
// Besides its session's RTCP goroutines, a leg has no goroutine of its own
// (on Linux; see below). Its 20 ms tick runs on
// a Clock shared by every leg of the process (LegConfig.Clock to choose
// another): a few workers, one per CPU, that wake on drift-free deadline
// schedules and tick the legs in batches. Each tick sends one packet
// through the leg's pacer; once every leg of the batch has sent, it reads
// the RTP that arrived since the last tick and plays out one decoded frame
// to the attached media.Receiver, concealing gaps by repeating the last
// frame and fading it out, with DTMF to Receiver.OnDTMF first. Legs are
// spread over 40 phases of the frame (at two CPUs), so a batch is short
// and a packet leaves within a fraction of a millisecond of its slot.
//
// On Linux the RTP socket is outside Go's network poller: the tick reads
// it with one non-blocking recvmmsg (several datagrams at once, each with
// the kernel's receive timestamp, so the jitter buffer and the RTCP jitter
// see when packets arrived, not when they were read), and sends with one
// sendto. No goroutine waits for a leg's packets and the poller does not
// wake for them: at a thousand legs that was fifty thousand wake-ups a
// second competing with the clock for the CPUs. Elsewhere a leg reads with
// a goroutine of its own, as Session.ReadRTP does.
//
// Receivers run on the clock's goroutines: they must return quickly
// (Stats.ReceiverMax watches them) and not call Hangup or End. No RTP for
// LegConfig.RTPTimeout ends the leg with media.ErrRTPTimeout; the owner
// then sends BYE with Hangup. End tells the leg the far end hung up.
// SetDirection follows SDP hold (sendonly, recvonly, inactive) and
// SetRemote a re-INVITE's new address. The leg leaves the clock, any
// reader goroutine ends, and the ports return to the pool, before Done
// closes; the clock's workers end with its last leg.
//
// The jitter buffer and the DTMF receiver are small interfaces
// (JitterBuffer, DTMFReceiver, DTMFSender) that media/jitter and media/dtmf
// implement; a Leg uses media/dtmf for DTMF unless told otherwise, and
// NewFIFO is a simple jitter-buffer fallback.
//
// Leg.Stats reports per-leg counters, and a Collector, registered once per
// binary, exports totals and per-call summaries (as histograms over the
// live legs, with no per-call labels) to Prometheus.
package rtpio
