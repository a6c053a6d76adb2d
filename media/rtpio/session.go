package rtpio

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"

	"github.com/switchboard-voice/switchboard/media"
)

// Defaults of a Session.
const (
	// DefaultRTCPInterval is the mean time between our RTCP reports (RFC 3550
	// section 6.2 minimum); each interval is randomised to [0.5, 1.5] of it.
	DefaultRTCPInterval = 5 * time.Second
	// DefaultMaxPacketSize is the largest RTP datagram accepted; larger ones
	// are dropped as malformed. Audio packets are far smaller.
	DefaultMaxPacketSize = 1500
)

// Option configures a Session.
type Option func(*Session)

// WithRemote sets the far end's RTP address from SDP. Until a packet
// latches the remote (see Session), packets are sent here.
func WithRemote(ap netip.AddrPort) Option { return func(s *Session) { s.expected = unmap(ap) } }

// WithRemoteRTCP sets the far end's RTCP address (SDP a=rtcp); by default it
// is the source of the first RTCP packet received, or the RTP address + 1.
func WithRemoteRTCP(ap netip.AddrPort) Option {
	return func(s *Session) { s.rtcpExpected = unmap(ap) }
}

// WithSSRC sets our SSRC (random by default).
func WithSSRC(ssrc uint32) Option { return func(s *Session) { s.ssrc = ssrc } }

// WithRTCPInterval sets the mean interval between our RTCP reports
// (DefaultRTCPInterval by default; tests use shorter ones).
func WithRTCPInterval(d time.Duration) Option { return func(s *Session) { s.interval = d } }

// WithMaxPacketSize sets the largest RTP datagram accepted
// (DefaultMaxPacketSize by default).
func WithMaxPacketSize(n int) Option { return func(s *Session) { s.maxPacket = n } }

// WithCNAME sets the RTCP SDES CNAME (a random one by default).
func WithCNAME(cname string) Option { return func(s *Session) { s.cname = cname } }

// WithLogger sets the logger (discarded by default).
func WithLogger(l *slog.Logger) Option { return func(s *Session) { s.log = l } }

// Session is one RTP stream pair over an Endpoint: the audio we send and the
// audio the far end sends, with RTCP reports about both.
//
// The session does symmetric RTP with source latching (RFC 4961, and the
// "comedia" behaviour SBCs use behind NAT): the first valid RTP packet,
// whether from the SDP address or, when NAT rewrote it, from any other
// source, latches the remote address. Afterwards packets from any other
// source are dropped and counted (Stats().IgnoredSource), and everything we
// send goes to the latched address. Datagrams that are oversized, truncated,
// not RTP version 2, badly padded or of a payload type not accepted (see
// SetPayloadTypes) are dropped and counted; they never latch.
//
// ReadRTP is called by one goroutine (the Leg's reader); WriteRTP and the
// other methods are safe for concurrent use. The session owns its Endpoint
// and a goroutine for RTCP; Close releases both.
type Session struct {
	ep        *Endpoint
	clockRate int
	ssrc      uint32
	cname     string
	interval  time.Duration
	maxPacket int
	log       *slog.Logger
	epoch     time.Time // for arrival times in RTP units

	rbuf []byte // ReadRTP's buffer, made on first use (reader goroutine only)

	mu           sync.Mutex
	expected     netip.AddrPort // RTP address from SDP
	latched      netip.AddrPort // RTP source latched (zero before)
	rtcpExpected netip.AddrPort // RTCP address from SDP (a=rtcp)
	rtcpLatched  netip.AddrPort // source of the first accepted RTCP
	remoteSetAt  time.Time      // when SetRemote last cleared the latch
	accept       [2]uint64      // accepted payload types (bitmask); all when zero
	acceptSet    bool
	recv         recvStats
	remote       remoteReport

	wmu       sync.Mutex // send state
	seq       uint16
	wbuf      []byte
	sentPkts  uint32
	sentBytes uint32
	lastTS    uint32    // RTP timestamp of the last packet sent
	lastSent  time.Time // when it was sent
	sentSince bool      // sent RTP since the last report: send an SR

	ctr counters

	done      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// counters are the session's monotonic counters.
type counters struct {
	packetsIn, bytesIn, packetsOut, bytesOut atomic.Uint64
	ignored, malformed, unknownPT, sendErrs  atomic.Uint64
	rtcpIn, rtcpOut, rtcpBad, byeIn          atomic.Uint64
	srIn, rrIn                               atomic.Uint64
	lastRTP                                  atomic.Int64 // ns since epoch of the last good RTP packet; 0 = none
}

// NewSession starts a session on ep for a stream with the given RTP clock
// rate. It takes ownership of ep: Close closes it.
func NewSession(ep *Endpoint, clockRate int, opts ...Option) (*Session, error) {
	if ep == nil {
		return nil, errors.New("rtpio: session: nil endpoint")
	}
	return newSession(ep, clockRate, opts...)
}

// newSession also accepts a nil endpoint: a session with no sockets and no
// goroutines, for fuzzing the receive path.
func newSession(ep *Endpoint, clockRate int, opts ...Option) (*Session, error) {
	if clockRate <= 0 {
		return nil, fmt.Errorf("rtpio: session: bad clock rate %d", clockRate)
	}
	s := &Session{
		ep:        ep,
		clockRate: clockRate,
		interval:  DefaultRTCPInterval,
		maxPacket: DefaultMaxPacketSize,
		epoch:     time.Now(),
		done:      make(chan struct{}),
	}
	var rnd [10]byte
	_, _ = rand.Read(rnd[:])
	s.ssrc = binary.BigEndian.Uint32(rnd[0:4])
	s.seq = binary.BigEndian.Uint16(rnd[4:6]) // random initial seq (RFC 3550 5.1)
	s.cname = fmt.Sprintf("%x@switchboard", rnd[6:10])
	for _, o := range opts {
		o(s)
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.interval <= 0 {
		s.interval = DefaultRTCPInterval
	}
	if s.maxPacket <= 0 {
		s.maxPacket = DefaultMaxPacketSize
	}
	s.wbuf = make([]byte, 0, 1500)
	if ep != nil {
		s.wg.Add(2)
		go s.readRTCP()
		go s.sendReports()
	}
	return s, nil
}

func unmap(ap netip.AddrPort) netip.AddrPort {
	if !ap.IsValid() {
		return ap
	}
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// SSRC returns our synchronisation source.
func (s *Session) SSRC() uint32 { return s.ssrc }

// ClockRate returns the RTP clock rate.
func (s *Session) ClockRate() int { return s.clockRate }

// LocalAddr returns the local RTP address.
func (s *Session) LocalAddr() netip.AddrPort { return s.ep.Addr() }

// batched reports whether the session's RTP is read with receive (in a
// clock tick) rather than ReadRTP: on Linux, where the RTP socket is
// outside Go's network poller.
func (s *Session) batched() bool { return s.ep != nil && s.ep.rtp.batched() }

// packetSink takes the valid RTP packets that receive reads.
type packetSink interface {
	handlePacket(p *rtp.Packet, arrival time.Time)
}

// maxReceive bounds the datagrams one receive call reads, so that a flood
// on one leg's port cannot hold up the other legs of a clock tick: the
// rest wait for the next tick (or overflow the socket buffer).
const maxReceive = 64

// receive reads the datagrams queued on the RTP socket without blocking,
// with rx's buffers, and hands the valid RTP packets, with their arrival
// times, to sink; it returns how many datagrams it read. It is the batched
// counterpart of ReadRTP (see batched): the same checks, latching and
// statistics apply. Only one goroutine at a time may call it, and never
// alongside ReadRTP.
func (s *Session) receive(rx *rxBatch, p *rtp.Packet, sink packetSink) (int, error) {
	rx.ensure(s.maxPacket + 1) // one more byte detects oversized datagrams
	total := 0
	for total < maxReceive {
		n, err := s.ep.rtp.recvBatch(rx)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return total, fmt.Errorf("rtpio: read RTP: %w", media.ErrClosed)
			}
			return total, fmt.Errorf("rtpio: read RTP: %w", err)
		}
		now := time.Now()
		for i := range n {
			b, from, at := rx.datagram(i, now)
			if s.handleDatagram(b, from, at, p) {
				sink.handlePacket(p, at)
			}
		}
		total += n
		if n < rxBatchSize {
			break
		}
	}
	return total, nil
}

// SetRemote sets a new RTP address from SDP (re-INVITE) and clears the
// latch: the next valid packet latches again, except one that arrived
// before the call from another address than the new one (still queued from
// the old far end). rtcp may be the zero value.
func (s *Session) SetRemote(rtpAddr, rtcpAddr netip.AddrPort) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expected = unmap(rtpAddr)
	s.rtcpExpected = unmap(rtcpAddr)
	s.latched = netip.AddrPort{}
	s.rtcpLatched = netip.AddrPort{}
	s.remoteSetAt = time.Now()
}

// Remote returns where RTP is sent: the latched address, else the SDP one.
func (s *Session) Remote() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remoteLocked()
}

func (s *Session) remoteLocked() netip.AddrPort {
	if s.latched.IsValid() {
		return s.latched
	}
	return s.expected
}

// Latched returns the latched RTP source (zero before the first packet).
func (s *Session) Latched() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.latched
}

// SetPayloadTypes restricts the accepted payload types: packets of other
// types are dropped and counted, and do not latch. By default all are
// accepted. NewLeg sets the codec's and DTMF's types plus comfort noise (13).
func (s *Session) SetPayloadTypes(pts ...uint8) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accept = [2]uint64{}
	for _, pt := range pts {
		pt &= 0x7f
		s.accept[pt/64] |= 1 << (pt % 64)
	}
	s.acceptSet = len(pts) > 0
}

// LastRTP returns when the last valid RTP packet arrived (zero if none).
func (s *Session) LastRTP() time.Time {
	ns := s.ctr.lastRTP.Load()
	if ns == 0 {
		return time.Time{}
	}
	return s.epoch.Add(time.Duration(ns))
}

// ReadRTP blocks until a valid RTP packet from the (latched) remote arrives
// and parses it into p; p.Payload aliases the session's buffer and is valid
// until the next call. Bad and foreign datagrams are counted and skipped,
// RTCP multiplexed on the RTP port (RFC 5761) is handled. It returns an error
// wrapping media.ErrClosed once the session is closed. Only one goroutine
// may call ReadRTP.
func (s *Session) ReadRTP(p *rtp.Packet) (arrival time.Time, err error) {
	if s.rbuf == nil {
		s.rbuf = make([]byte, s.maxPacket+1) // one more byte detects oversized datagrams
	}
	for {
		n, from, err := s.ep.rtp.readFrom(s.rbuf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return time.Time{}, fmt.Errorf("rtpio: read RTP: %w", media.ErrClosed)
			}
			select {
			case <-s.done:
				return time.Time{}, fmt.Errorf("rtpio: read RTP: %w", media.ErrClosed)
			default:
			}
			// Transient errors (ICMP-induced ECONNREFUSED and the like) do
			// not end the call.
			s.log.Debug("rtp read error", "err", err)
			time.Sleep(time.Millisecond)
			continue
		}
		now := time.Now()
		if s.handleDatagram(s.rbuf[:n], from, now, p) {
			return now, nil
		}
	}
}

// handleDatagram checks, parses and accounts one datagram received on the
// RTP port. It reports whether p holds a packet to hand on.
func (s *Session) handleDatagram(b []byte, from netip.AddrPort, now time.Time, p *rtp.Packet) bool {
	from = unmap(from)
	if len(b) > s.maxPacket {
		s.ctr.malformed.Add(1)
		return false
	}
	if len(b) >= 2 && b[0]>>6 == 2 && b[1]&0x7f >= 64 && b[1]&0x7f < 96 {
		// RTCP multiplexed on the RTP port (RFC 5761 section 4).
		s.handleRTCP(b, from, now)
		return false
	}

	s.mu.Lock()
	latched := s.latched
	s.mu.Unlock()
	if latched.IsValid() && from != latched {
		s.ctr.ignored.Add(1)
		return false
	}
	if len(b) < 12 || b[0]>>6 != 2 {
		s.ctr.malformed.Add(1)
		return false
	}
	if err := p.Unmarshal(b); err != nil {
		s.ctr.malformed.Add(1)
		return false
	}

	s.mu.Lock()
	if s.acceptSet && s.accept[p.PayloadType/64]&(1<<(p.PayloadType%64)) == 0 {
		s.mu.Unlock()
		s.ctr.unknownPT.Add(1)
		return false
	}
	if !s.latched.IsValid() {
		if now.Before(s.remoteSetAt) && from != s.expected {
			// Queued before a re-INVITE moved the far end: it must not
			// latch the old address again.
			s.mu.Unlock()
			s.ctr.ignored.Add(1)
			return false
		}
		s.latched = from
		exp := s.expected
		s.mu.Unlock()
		s.log.Debug("rtp source latched", "remote", from, "sdp", exp, "nat", exp.IsValid() && exp != from)
		s.mu.Lock()
	} else if s.latched != from { // SetRemote raced with us
		s.mu.Unlock()
		s.ctr.ignored.Add(1)
		return false
	}
	s.recv.update(p, s.arrivalUnits(now), s.clockRate)
	s.mu.Unlock()

	s.ctr.packetsIn.Add(1)
	s.ctr.bytesIn.Add(uint64(len(b)))
	ns := now.Sub(s.epoch).Nanoseconds()
	if ns <= 0 {
		ns = 1
	}
	s.ctr.lastRTP.Store(ns)
	return true
}

// arrivalUnits is the arrival time in RTP clock units (RFC 3550 A.8).
func (s *Session) arrivalUnits(now time.Time) uint32 {
	d := now.Sub(s.epoch)
	return uint32(int64(d/time.Microsecond) * int64(s.clockRate) / 1e6)
}

// WriteRTP sends one packet with our SSRC and the next sequence number to
// the remote (latched, else SDP). Without a remote address it sends nothing
// and returns nil. It does not keep payload.
func (s *Session) WriteRTP(pt uint8, marker bool, ts uint32, payload []byte) error {
	dst := s.Remote()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	h := rtp.Header{
		Version:        2,
		Marker:         marker,
		PayloadType:    pt & 0x7f,
		SequenceNumber: s.seq,
		Timestamp:      ts,
		SSRC:           s.ssrc,
	}
	size := h.MarshalSize() + len(payload)
	if cap(s.wbuf) < size {
		s.wbuf = make([]byte, 0, size)
	}
	buf := s.wbuf[:size]
	n, err := h.MarshalTo(buf)
	if err != nil {
		return fmt.Errorf("rtpio: marshal RTP: %w", err)
	}
	copy(buf[n:], payload)
	s.seq++ // a packet we could not send still uses its number: the peer sees it as lost
	if !dst.IsValid() {
		return nil
	}
	if err := s.ep.rtp.writeTo(buf, dst); err != nil {
		s.ctr.sendErrs.Add(1)
		if errors.Is(err, net.ErrClosed) {
			return fmt.Errorf("rtpio: send RTP: %w", media.ErrClosed)
		}
		return fmt.Errorf("rtpio: send RTP: %w", err)
	}
	s.sentPkts++
	s.sentBytes += uint32(len(payload))
	s.lastTS = ts
	s.lastSent = time.Now()
	s.sentSince = true
	s.ctr.packetsOut.Add(1)
	s.ctr.bytesOut.Add(uint64(size))
	return nil
}

// Close sends an RTCP BYE, closes the endpoint and waits for the session's
// goroutine. Further calls return the first result.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		close(s.done)
		if s.ep == nil {
			return
		}
		s.sendRTCP(true)
		s.closeErr = s.ep.Close()
		s.wg.Wait()
	})
	return s.closeErr
}

// SessionStats are a session's counters and RTCP figures.
type SessionStats struct {
	// PacketsIn and BytesIn count valid RTP from the remote (headers
	// included); PacketsOut and BytesOut what we sent.
	PacketsIn, BytesIn, PacketsOut, BytesOut uint64
	// Lost is the cumulative number of packets lost (RFC 3550: expected
	// minus received; duplicates can make it negative).
	Lost int64
	// Late counts packets that arrived after a later-numbered one
	// (reordered or duplicated).
	Late uint64
	// Jitter is the interarrival jitter (RFC 3550 A.8).
	Jitter time.Duration
	// IgnoredSource counts RTP from a source other than the latched one.
	IgnoredSource uint64
	// Malformed counts datagrams dropped as oversized, truncated, not
	// version 2 or badly padded; UnknownPayloadType those of a payload type
	// not negotiated.
	Malformed, UnknownPayloadType uint64
	// SendErrors counts failed RTP sends.
	SendErrors uint64
	// RTCPIn and RTCPOut count compound RTCP packets; RTCPMalformed bad
	// ones; SRIn, RRIn, BYEIn the reports and BYEs received.
	RTCPIn, RTCPOut, RTCPMalformed, SRIn, RRIn, BYEIn uint64
	// Remote* are what the far end last reported about our stream.
	RemoteFractionLost float64
	RemoteLost         uint32
	RemoteJitter       time.Duration
	// RTT is the round-trip time from the last report block that had an
	// LSR (0 if none).
	RTT time.Duration
	// Latched is the latched remote RTP address.
	Latched netip.AddrPort
	// SSRC is ours, RemoteSSRC the far end's (0 before its first packet).
	SSRC, RemoteSSRC uint32
}

// Stats returns the session's counters.
func (s *Session) Stats() SessionStats {
	st := SessionStats{
		PacketsIn:          s.ctr.packetsIn.Load(),
		BytesIn:            s.ctr.bytesIn.Load(),
		PacketsOut:         s.ctr.packetsOut.Load(),
		BytesOut:           s.ctr.bytesOut.Load(),
		IgnoredSource:      s.ctr.ignored.Load(),
		Malformed:          s.ctr.malformed.Load(),
		UnknownPayloadType: s.ctr.unknownPT.Load(),
		SendErrors:         s.ctr.sendErrs.Load(),
		RTCPIn:             s.ctr.rtcpIn.Load(),
		RTCPOut:            s.ctr.rtcpOut.Load(),
		RTCPMalformed:      s.ctr.rtcpBad.Load(),
		SRIn:               s.ctr.srIn.Load(),
		RRIn:               s.ctr.rrIn.Load(),
		BYEIn:              s.ctr.byeIn.Load(),
		SSRC:               s.ssrc,
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st.Latched = s.latched
	if s.recv.started {
		st.RemoteSSRC = s.recv.ssrc
		st.Lost = s.recv.lost()
		st.Late = s.recv.late
		st.Jitter = time.Duration(s.recv.jitter / float64(s.clockRate) * float64(time.Second))
	}
	st.RemoteFractionLost = float64(s.remote.fraction) / 256
	st.RemoteLost = s.remote.lost
	st.RemoteJitter = time.Duration(float64(s.remote.jitter) / float64(s.clockRate) * float64(time.Second))
	st.RTT = s.remote.rtt
	return st
}

// recvStats is the reception state of the remote source (RFC 3550 A.1,
// A.3, A.8).
type recvStats struct {
	started  bool
	ssrc     uint32
	maxSeq   uint16
	cycles   uint32 // shifted count of sequence number cycles
	baseSeq  uint32
	badSeq   uint32
	received uint64
	late     uint64

	expectedPrior, receivedPrior uint64 // at the last report

	lastTS    uint32
	transit   int32
	jitter    float64 // in RTP units
	hasTransi bool
}

const (
	maxDropout  = 3000
	maxMisorder = 100
)

func (r *recvStats) init(p *rtp.Packet, arrival uint32) {
	*r = recvStats{
		started:   true,
		ssrc:      p.SSRC,
		maxSeq:    p.SequenceNumber,
		baseSeq:   uint32(p.SequenceNumber),
		badSeq:    1<<16 + 1,
		received:  1,
		lastTS:    p.Timestamp,
		transit:   int32(arrival - p.Timestamp),
		hasTransi: true,
	}
}

func (r *recvStats) update(p *rtp.Packet, arrival uint32, clockRate int) {
	if !r.started || p.SSRC != r.ssrc {
		r.init(p, arrival)
		return
	}
	seq := p.SequenceNumber
	udelta := seq - r.maxSeq
	inOrder := true
	switch {
	case udelta < maxDropout:
		if seq < r.maxSeq {
			r.cycles += 1 << 16
		}
		r.maxSeq = seq
	case udelta <= 1<<16-maxMisorder:
		// A very large jump: restart after two sequential packets.
		if uint32(seq) == r.badSeq {
			r.init(p, arrival)
		} else {
			r.badSeq = uint32(seq+1) & 0xffff
		}
		return
	default:
		// Reordered or duplicated.
		r.late++
		inOrder = false
	}
	r.received++

	// Interarrival jitter, skipping packets that repeat a timestamp (the
	// packets of one RFC 4733 event): they are not sampled at send time.
	if inOrder && p.Timestamp != r.lastTS {
		transit := int32(arrival - p.Timestamp)
		if r.hasTransi {
			d := float64(transit - r.transit)
			if d < 0 {
				d = -d
			}
			if d < float64(clockRate)*10 { // ignore wild timestamp jumps
				r.jitter += (d - r.jitter) / 16
			}
		}
		r.transit = transit
		r.hasTransi = true
		r.lastTS = p.Timestamp
	}
}

func (r *recvStats) extMax() uint32 { return r.cycles + uint32(r.maxSeq) }

func (r *recvStats) expected() uint64 { return uint64(r.extMax()-r.baseSeq) + 1 }

func (r *recvStats) lost() int64 { return int64(r.expected()) - int64(r.received) }
