package rtpio

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

func TestPool(t *testing.T) {
	for _, tc := range []struct {
		name     string
		min, max int
		pairs    int
		ok       bool
	}{
		{"even range", 42000, 42003, 2, true},
		{"odd bounds", 42001, 42004, 1, true}, // 42002/42003 only
		{"one pair", 42010, 42011, 1, true},
		{"no pair", 42011, 42012, 0, false},
		{"reversed", 42020, 42010, 0, false},
		{"out of range", 0, 70000, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := NewPool(localhost, tc.min, tc.max)
			if (err == nil) != tc.ok {
				t.Fatalf("NewPool: err %v, want ok=%v", err, tc.ok)
			}
			if err != nil {
				return
			}
			if p.Size() != tc.pairs {
				t.Fatalf("Size %d, want %d", p.Size(), tc.pairs)
			}
		})
	}

	t.Run("allocate exhaust release", func(t *testing.T) {
		p, err := NewPool(localhost, 42100, 42103)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		a, err := p.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		b, err := p.Open(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range []*Endpoint{a, b} {
			if e.Port()%2 != 0 {
				t.Errorf("RTP port %d is odd", e.Port())
			}
			if got := e.RTCPAddr().String(); got != fmt.Sprintf("127.0.0.1:%d", e.Port()+1) {
				t.Errorf("RTCP on %s, want port %d", got, e.Port()+1)
			}
		}
		if _, err := p.Open(ctx); !errors.Is(err, ErrPoolExhausted) {
			t.Fatalf("third Open: %v, want ErrPoolExhausted", err)
		}
		if p.InUse() != 2 {
			t.Fatalf("InUse %d", p.InUse())
		}
		port := a.Port()
		a.Close()
		a.Close() // idempotent
		c, err := p.Open(ctx)
		if err != nil {
			t.Fatalf("Open after Close: %v", err)
		}
		if c.Port() != port {
			t.Errorf("reopened port %d, want %d", c.Port(), port)
		}
		b.Close()
		c.Close()
		if p.InUse() != 0 {
			t.Fatalf("InUse %d after closing all", p.InUse())
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		p := testPool(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := p.Open(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Open: %v", err)
		}
	})
}

// packetReader reads one packet from a session, or fails after timeout.
type packetReader func(t *testing.T, s *Session, timeout time.Duration) (*rtp.Packet, error)

// readPaths are the ways a session's RTP is read: ReadRTP (a goroutine
// blocked on the socket) and, where the platform has it, receive (batched
// reads in a clock tick). Session tests run over both.
func readPaths() []readPath {
	paths := []readPath{{"ReadRTP", func() packetReader { return readOne }}}
	if (&rtpSocket{}).batched() {
		paths = append(paths, readPath{"receive", func() packetReader { return (&tickReader{rx: newRxBatch()}).read }})
	}
	return paths
}

type readPath struct {
	name      string
	newReader func() packetReader
}

// readOne reads one packet from s with ReadRTP and a deadline.
func readOne(t *testing.T, s *Session, timeout time.Duration) (*rtp.Packet, error) {
	t.Helper()
	type res struct {
		p   *rtp.Packet
		err error
	}
	ch := make(chan res, 1)
	go func() {
		var p rtp.Packet
		_, err := s.ReadRTP(&p)
		p.Payload = append([]byte(nil), p.Payload...)
		ch <- res{&p, err}
	}()
	select {
	case r := <-ch:
		return r.p, r.err
	case <-time.After(timeout):
		s.Close() // unblocks the reader
		<-ch
		return nil, errors.New("timeout")
	}
}

// tickReader reads as a clock tick does, polling receive until a packet
// is there; it keeps the packets of a batch for the next calls.
type tickReader struct {
	rx    *rxBatch
	pkt   rtp.Packet
	queue []*rtp.Packet
}

func (r *tickReader) handlePacket(p *rtp.Packet, _ time.Time) {
	c := *p
	c.Payload = append([]byte(nil), p.Payload...)
	r.queue = append(r.queue, &c)
}

func (r *tickReader) read(t *testing.T, s *Session, timeout time.Duration) (*rtp.Packet, error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for len(r.queue) == 0 {
		if _, err := s.receive(r.rx, &r.pkt, r); err != nil {
			return nil, err
		}
		if len(r.queue) > 0 {
			break
		}
		if time.Now().After(deadline) {
			return nil, errors.New("timeout")
		}
		time.Sleep(time.Millisecond)
	}
	p := r.queue[0]
	r.queue = r.queue[1:]
	return p, nil
}

func TestLatching(t *testing.T) {
	for _, path := range readPaths() {
		for _, tc := range []struct {
			name      string
			firstIsSD bool // the first packet comes from the SDP address
		}{
			{"from SDP address", true},
			{"NAT rewrote the source", false},
		} {
			t.Run(path.name+"/"+tc.name, func(t *testing.T) {
				testLatching(t, path.newReader(), tc.firstIsSD)
			})
		}
	}
}

func testLatching(t *testing.T, readOne packetReader, firstIsSD bool) {
	s := newTestSession(t, testPool(t))
	sdp := newPeer(t, s.LocalAddr())
	nat := newPeer(t, s.LocalAddr())
	s.SetRemote(sdp.addr(), netip.AddrPort{})

	first, second := sdp, nat
	if !firstIsSD {
		first, second = nat, sdp
	}
	// Before anything arrives, we send to the SDP address.
	if err := s.WriteRTP(0, true, 1, []byte{1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	if got := readRTP(t, sdp.rtp, 1, time.Second); len(got) != 1 {
		t.Fatal("nothing sent to the SDP address before latching")
	}

	first.send(first.packet(0, false, []byte{0xAA}))
	p, err := readOne(t, s, 2*time.Second)
	if err != nil || p.Payload[0] != 0xAA {
		t.Fatalf("first packet: %v %v", p, err)
	}
	if s.Latched() != first.addr() {
		t.Fatalf("latched %v, want %v", s.Latched(), first.addr())
	}

	// The other source is ignored and counted; the latched one flows.
	for range 3 {
		second.send(second.packet(0, false, []byte{0xBB}))
	}
	first.send(first.packet(0, false, []byte{0xCC}))
	p, err = readOne(t, s, 2*time.Second)
	if err != nil || p.Payload[0] != 0xCC {
		t.Fatalf("after foreign packets: %v %v", p, err)
	}
	if st := s.Stats(); st.IgnoredSource != 3 || st.PacketsIn != 2 {
		t.Fatalf("ignored %d in %d, want 3 and 2", st.IgnoredSource, st.PacketsIn)
	}

	// Symmetric RTP: we send to the latched source only.
	if err := s.WriteRTP(0, false, 2, []byte{9}); err != nil {
		t.Fatal(err)
	}
	if got := readRTP(t, first.rtp, 1, time.Second); len(got) != 1 || got[0].Payload[0] != 9 {
		t.Fatalf("latched source got %v", got)
	}
	if !firstIsSD {
		if got := readRTP(t, sdp.rtp, 1, 100*time.Millisecond); len(got) != 0 {
			t.Fatal("SDP address still gets RTP after latching the NAT source")
		}
	}

	// A re-INVITE clears the latch.
	s.SetRemote(second.addr(), netip.AddrPort{})
	second.send(second.packet(0, false, []byte{0xDD}))
	p, err = readOne(t, s, 2*time.Second)
	if err != nil || p.Payload[0] != 0xDD || s.Latched() != second.addr() {
		t.Fatalf("after SetRemote: %v %v latched %v", p, err, s.Latched())
	}
}

func TestMalformedDropped(t *testing.T) {
	for _, path := range readPaths() {
		t.Run(path.name, func(t *testing.T) { testMalformedDropped(t, path.newReader()) })
	}
}

func testMalformedDropped(t *testing.T, readOne packetReader) {
	s := newTestSession(t, testPool(t), WithMaxPacketSize(1000))
	s.SetPayloadTypes(0, 101)
	pr := newPeer(t, s.LocalAddr())

	good := func(b byte) []byte { return pr.packet(0, false, []byte{b, b, b}) }
	wrongVersion := pr.packet(0, false, []byte{1})
	wrongVersion[0] = 1<<6 | wrongVersion[0]&0x3f
	badPadding := pr.packet(0, false, []byte{1, 2})
	badPadding[0] |= 0x20
	badPadding[len(badPadding)-1] = 200 // more padding than the packet
	manyCSRC := pr.packet(0, false, nil)[:12]
	manyCSRC[0] |= 0x0f // 15 CSRCs announced, none present
	badExt := pr.packet(0, false, nil)
	badExt[0] |= 0x10 // extension announced, no room
	oversized := pr.packet(0, false, make([]byte, 1200))

	bad := [][]byte{
		{0x80},             // truncated to one byte
		good(0)[:7],        // truncated header
		wrongVersion,       // version 1
		badPadding,         // padding larger than the packet
		manyCSRC,           // CSRC list missing
		badExt,             // extension header missing
		oversized,          // beyond WithMaxPacketSize
		{0, 0, 0, 0, 0, 0}, // garbage
	}
	pr.send(good(1))
	for _, b := range bad {
		pr.send(b)
	}
	pr.send(pr.packet(8, false, []byte{5})) // PCMA: not negotiated
	pr.send(good(2))

	for _, want := range []byte{1, 2} {
		p, err := readOne(t, s, 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if p.Payload[0] != want {
			t.Fatalf("got payload %v, want %d", p.Payload, want)
		}
	}
	st := s.Stats()
	if st.Malformed != uint64(len(bad)) || st.UnknownPayloadType != 1 || st.PacketsIn != 2 {
		t.Fatalf("malformed %d unknown PT %d in %d; want %d, 1, 2", st.Malformed, st.UnknownPayloadType, st.PacketsIn, len(bad))
	}
}

func TestSequenceStats(t *testing.T) {
	s := newTestSession(t, testPool(t))
	var r recvStats
	at := uint32(0)
	seqs := []uint16{65533, 65534, 65535, 0, 2, 3, 1, 5} // wrap, 1 late, 4 lost
	for _, seq := range seqs {
		p := &rtp.Packet{Header: rtp.Header{SSRC: 7, SequenceNumber: seq, Timestamp: uint32(seq) * 160}}
		r.update(p, at, s.clockRate)
		at += 160
	}
	if got := r.extMax(); got != 1<<16+5 {
		t.Errorf("extended max %d, want %d", got, 1<<16+5)
	}
	if got := r.lost(); got != 1 {
		t.Errorf("lost %d, want 1 (seq 4)", got)
	}
	if r.late != 1 {
		t.Errorf("late %d, want 1", r.late)
	}
}

func TestRTCP(t *testing.T) {
	t.Run("RR when only receiving", func(t *testing.T) {
		s := newTestSession(t, testPool(t), WithRTCPInterval(100*time.Millisecond))
		pr := newPeer(t, s.LocalAddr())
		s.SetRemote(pr.addr(), pr.rtcpAddr())

		// 10 packets with 2 missing, then an SR from the peer.
		for i := range 12 {
			b := pr.packet(0, false, []byte{1})
			if i == 4 || i == 7 {
				continue
			}
			pr.send(b)
		}
		checkFor(t, 2*time.Second, func() error {
			if n := s.Stats().PacketsIn; n != 10 {
				drain(s)
				return fmt.Errorf("received %d", n)
			}
			return nil
		})
		ntp := ntpTime(time.Now())
		pr.sendRTCP(&rtcp.SenderReport{SSRC: pr.ssrc, NTPTime: ntp, RTPTime: 1, PacketCount: 12, OctetCount: 12})
		checkFor(t, 2*time.Second, func() error {
			if s.Stats().SRIn == 0 {
				return errors.New("SR not parsed")
			}
			return nil
		})

		var rr *rtcp.ReceiverReport
		var cname string
		ok := readRTCP(t, pr.rtcp, 3*time.Second, func(pkts []rtcp.Packet) bool {
			for _, p := range pkts {
				switch p := p.(type) {
				case *rtcp.ReceiverReport:
					if len(p.Reports) == 1 && p.Reports[0].LastSenderReport != 0 {
						rr = p
					}
				case *rtcp.SourceDescription:
					cname = p.Chunks[0].Items[0].Text
				}
			}
			return rr != nil
		})
		if !ok {
			t.Fatal("no RR with LSR received")
		}
		rb := rr.Reports[0]
		if rr.SSRC != s.SSRC() || rb.SSRC != pr.ssrc {
			t.Errorf("RR SSRC %x about %x", rr.SSRC, rb.SSRC)
		}
		if rb.TotalLost != 2 {
			t.Errorf("cumulative lost %d, want 2", rb.TotalLost)
		}
		if want := uint32(1<<16 + 5); rb.LastSequenceNumber != want { // 65530+11 wraps
			t.Errorf("extended highest seq %d, want %d", rb.LastSequenceNumber, want)
		}
		if rb.LastSenderReport != uint32(ntp>>16) {
			t.Errorf("LSR %x, want %x", rb.LastSenderReport, uint32(ntp>>16))
		}
		if rb.Delay == 0 || rb.Delay > 5<<16 {
			t.Errorf("DLSR %d (1/65536 s)", rb.Delay)
		}
		if cname == "" {
			t.Error("no SDES CNAME")
		}
	})

	t.Run("SR when sending, incoming RR and BYE", func(t *testing.T) {
		s := newTestSession(t, testPool(t), WithRTCPInterval(100*time.Millisecond))
		pr := newPeer(t, s.LocalAddr())
		s.SetRemote(pr.addr(), netip.AddrPort{}) // RTCP to RTP port + 1 by default
		pr.dstC = netip.AddrPortFrom(s.LocalAddr().Addr(), s.LocalAddr().Port()+1)
		// Point the default RTCP address at the peer's RTCP socket.
		s.SetRemote(pr.addr(), pr.rtcpAddr())

		for i := range 5 {
			if err := s.WriteRTP(0, i == 0, uint32(i*160), make([]byte, 160)); err != nil {
				t.Fatal(err)
			}
		}
		var sr *rtcp.SenderReport
		if !readRTCP(t, pr.rtcp, 3*time.Second, func(pkts []rtcp.Packet) bool {
			for _, p := range pkts {
				if p, ok := p.(*rtcp.SenderReport); ok {
					sr = p
				}
			}
			return sr != nil
		}) {
			t.Fatal("no SR")
		}
		if sr.PacketCount != 5 || sr.OctetCount != 5*160 || sr.SSRC != s.SSRC() {
			t.Errorf("SR packets %d octets %d ssrc %x", sr.PacketCount, sr.OctetCount, sr.SSRC)
		}
		// The peer answers with an RR about our stream, then BYE.
		time.Sleep(10 * time.Millisecond)
		pr.sendRTCP(&rtcp.ReceiverReport{SSRC: pr.ssrc, Reports: []rtcp.ReceptionReport{{
			SSRC: s.SSRC(), FractionLost: 64, TotalLost: 3, Jitter: 80,
			LastSenderReport: uint32(sr.NTPTime >> 16), Delay: 1 << 16 / 100, // 10 ms
		}}})
		pr.sendRTCP(&rtcp.Goodbye{Sources: []uint32{pr.ssrc}})
		checkFor(t, 2*time.Second, func() error {
			st := s.Stats()
			if st.RRIn != 1 || st.BYEIn != 1 {
				return fmt.Errorf("RR %d BYE %d", st.RRIn, st.BYEIn)
			}
			return nil
		})
		st := s.Stats()
		if st.RemoteFractionLost != 0.25 || st.RemoteLost != 3 || st.RemoteJitter != 10*time.Millisecond {
			t.Errorf("remote view: fraction %v lost %d jitter %v", st.RemoteFractionLost, st.RemoteLost, st.RemoteJitter)
		}
		if st.RTT <= 0 || st.RTT > time.Second {
			t.Errorf("RTT %v", st.RTT)
		}

		// Garbage RTCP is counted, never fatal.
		pr.rtcp.WriteToUDPAddrPort([]byte{0x80, 0xc9, 0, 9}, pr.dstC)
		checkFor(t, 2*time.Second, func() error {
			if s.Stats().RTCPMalformed != 1 {
				return errors.New("bad RTCP not counted")
			}
			return nil
		})

		// Close sends BYE.
		s.Close()
		if !readRTCP(t, pr.rtcp, 2*time.Second, func(pkts []rtcp.Packet) bool {
			for _, p := range pkts {
				if _, ok := p.(*rtcp.Goodbye); ok {
					return true
				}
			}
			return false
		}) {
			t.Error("no BYE on Close")
		}
	})
}

// drain reads whatever is pending on s without blocking for long.
func drain(s *Session) {
	s.ep.rtp.setReadDeadline(time.Now().Add(20 * time.Millisecond))
	defer s.ep.rtp.setReadDeadline(time.Time{})
	var p rtp.Packet
	if s.rbuf == nil {
		s.rbuf = make([]byte, s.maxPacket+1)
	}
	for {
		n, from, err := s.ep.rtp.readFrom(s.rbuf)
		if err != nil {
			return
		}
		s.handleDatagram(s.rbuf[:n], from, time.Now(), &p)
	}
}
