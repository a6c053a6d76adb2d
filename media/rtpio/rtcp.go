package rtpio

import (
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"time"

	"github.com/pion/rtcp"
)

// remoteReport is what we learned from the far end's RTCP.
type remoteReport struct {
	// About our stream, from the last report block for our SSRC.
	fraction uint8
	lost     uint32
	jitter   uint32
	rtt      time.Duration
	// The far end's last SR, for the LSR/DLSR of our report block.
	srSSRC   uint32
	lastSR   uint32
	lastSRAt time.Time
	// mux: RTCP arrives on the RTP port (RFC 5761), so we send it there too.
	mux bool
}

// ntpTime converts t to the 64-bit NTP format (RFC 3550 section 4).
func ntpTime(t time.Time) uint64 {
	const ntpEpochOffset = 2208988800 // 1900-01-01 to 1970-01-01 in seconds
	secs := uint64(t.Unix() + ntpEpochOffset)
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return secs<<32 | frac
}

// ntpMiddle is the middle 32 bits of t's NTP time (LSR, DLSR units).
func ntpMiddle(t time.Time) uint32 { return uint32(ntpTime(t) >> 16) }

// readRTCP reads the RTCP socket until it is closed.
func (s *Session) readRTCP() {
	defer s.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, from, err := s.ep.rtcp.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			select {
			case <-s.done:
				return
			default:
			}
			time.Sleep(time.Millisecond)
			continue
		}
		s.handleRTCP(buf[:n], unmap(from), time.Now())
	}
}

// handleRTCP parses one compound RTCP packet received from "from" (on the
// RTCP port, or on the RTP port when multiplexed).
func (s *Session) handleRTCP(b []byte, from netip.AddrPort, now time.Time) {
	s.mu.Lock()
	remote := s.remoteLocked()
	known := remote.IsValid() || s.rtcpExpected.IsValid()
	ok := !known || from.Addr() == remote.Addr() ||
		(s.rtcpExpected.IsValid() && from.Addr() == s.rtcpExpected.Addr())
	s.mu.Unlock()
	if !ok {
		s.ctr.ignored.Add(1)
		return
	}
	pkts, err := rtcp.Unmarshal(b)
	if err != nil {
		s.ctr.rtcpBad.Add(1)
		return
	}
	s.ctr.rtcpIn.Add(1)

	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.rtcpLatched.IsValid() {
		s.rtcpLatched = from
		s.remote.mux = from == s.latched
	}
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			s.ctr.srIn.Add(1)
			s.remote.srSSRC = p.SSRC
			s.remote.lastSR = uint32(p.NTPTime >> 16)
			s.remote.lastSRAt = now
			s.reportBlocks(p.Reports, now)
		case *rtcp.ReceiverReport:
			s.ctr.rrIn.Add(1)
			s.reportBlocks(p.Reports, now)
		case *rtcp.Goodbye:
			s.ctr.byeIn.Add(1)
			s.log.Debug("rtcp bye", "sources", p.Sources, "reason", p.Reason)
		}
	}
}

// reportBlocks takes the far end's report about our stream. s.mu is held.
func (s *Session) reportBlocks(rr []rtcp.ReceptionReport, now time.Time) {
	for _, r := range rr {
		if r.SSRC != s.ssrc {
			continue
		}
		s.remote.fraction = r.FractionLost
		s.remote.lost = r.TotalLost
		s.remote.jitter = r.Jitter
		if r.LastSenderReport != 0 {
			// RFC 3550 6.4.1: RTT = A - LSR - DLSR, in 1/65536 s.
			rtt := ntpMiddle(now) - r.LastSenderReport - r.Delay
			if rtt < 1<<31 {
				s.remote.rtt = time.Duration(uint64(rtt) * uint64(time.Second) >> 16)
			}
		}
	}
}

// sendReports sends a report every interval (randomised to [0.5, 1.5] of
// it, RFC 3550 6.3.1) until the session closes.
func (s *Session) sendReports() {
	defer s.wg.Done()
	t := time.NewTimer(s.interval / 2)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		s.sendRTCP(false)
		t.Reset(time.Duration(float64(s.interval) * (0.5 + rand.Float64())))
	}
}

// sendRTCP sends SR (if we sent RTP since the last report) or RR, with SDES
// CNAME, and BYE when bye is set.
func (s *Session) sendRTCP(bye bool) {
	now := time.Now()
	s.wmu.Lock()
	sender := s.sentSince
	s.sentSince = false
	pkts, octets, lastTS, lastSent := s.sentPkts, s.sentBytes, s.lastTS, s.lastSent
	s.wmu.Unlock()

	s.mu.Lock()
	var blocks []rtcp.ReceptionReport
	if r := &s.recv; r.started {
		lost := r.lost()
		lost = max(0, min(lost, 0x7fffff))
		expected, received := r.expected(), r.received
		expInt := int64(expected - r.expectedPrior)
		lostInt := expInt - int64(received-r.receivedPrior)
		r.expectedPrior, r.receivedPrior = expected, received
		var fraction uint8
		if expInt > 0 && lostInt > 0 {
			fraction = uint8(min(lostInt<<8/expInt, 255))
		}
		rb := rtcp.ReceptionReport{
			SSRC:               r.ssrc,
			FractionLost:       fraction,
			TotalLost:          uint32(lost),
			LastSequenceNumber: r.extMax(),
			Jitter:             uint32(r.jitter),
		}
		if s.remote.srSSRC == r.ssrc && !s.remote.lastSRAt.IsZero() {
			rb.LastSenderReport = s.remote.lastSR
			rb.Delay = uint32(now.Sub(s.remote.lastSRAt) * (1 << 16) / time.Second)
		}
		blocks = append(blocks, rb)
	}
	dst, mux := s.rtcpDestLocked()
	s.mu.Unlock()
	if !dst.IsValid() {
		return
	}

	var out []rtcp.Packet
	if sender {
		// The RTP timestamp that corresponds to now (RFC 3550 6.4.1).
		rtpNow := lastTS + uint32(now.Sub(lastSent)*time.Duration(s.clockRate)/time.Second)
		out = append(out, &rtcp.SenderReport{
			SSRC: s.ssrc, NTPTime: ntpTime(now), RTPTime: rtpNow,
			PacketCount: pkts, OctetCount: octets, Reports: blocks,
		})
	} else {
		out = append(out, &rtcp.ReceiverReport{SSRC: s.ssrc, Reports: blocks})
	}
	out = append(out, &rtcp.SourceDescription{Chunks: []rtcp.SourceDescriptionChunk{{
		Source: s.ssrc,
		Items:  []rtcp.SourceDescriptionItem{{Type: rtcp.SDESCNAME, Text: s.cname}},
	}}})
	if bye {
		out = append(out, &rtcp.Goodbye{Sources: []uint32{s.ssrc}})
	}
	b, err := rtcp.Marshal(out)
	if err != nil {
		s.log.Debug("rtcp marshal", "err", err)
		return
	}
	if mux {
		err = s.ep.rtp.writeTo(b, dst)
	} else {
		_, err = s.ep.rtcp.WriteToUDPAddrPort(b, dst)
	}
	if err != nil {
		s.log.Debug("rtcp send", "err", err, "remote", dst)
		return
	}
	s.ctr.rtcpOut.Add(1)
}

// rtcpDestLocked returns where RTCP goes: the SDP a=rtcp address, else the
// source of the far end's RTCP, else the RTP address + 1.
func (s *Session) rtcpDestLocked() (netip.AddrPort, bool) {
	switch {
	case s.rtcpExpected.IsValid():
		return s.rtcpExpected, false
	case s.rtcpLatched.IsValid():
		return s.rtcpLatched, s.remote.mux
	}
	r := s.remoteLocked()
	if !r.IsValid() || r.Port() == 65535 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(r.Addr(), r.Port()+1), false
}
