package rtpio

import (
	"context"
	"math"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"github.com/switchboard-voice/switchboard/media"
)

var localhost = netip.MustParseAddr("127.0.0.1")

// testPool returns a pool on 127.0.0.1 over a range that other packages'
// tests are unlikely to use; busy ports are skipped anyway.
func testPool(t testing.TB) *Pool {
	t.Helper()
	p, err := NewPool(localhost, 41000, 41999)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkFor polls fn until it returns nil or the deadline passes.
func checkFor(t testing.TB, timeout time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v", timeout, err)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// peer is a hand-written far end: an RTP and an RTCP socket on loopback.
type peer struct {
	t         testing.TB
	rtp, rtcp *net.UDPConn
	ssrc      uint32
	seq       uint16
	ts        uint32
	dst, dstC netip.AddrPort
}

func newPeer(t testing.TB, dst netip.AddrPort) *peer {
	t.Helper()
	listen := func() *net.UDPConn {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	p := &peer{t: t, rtp: listen(), rtcp: listen(), ssrc: 0x11223344, seq: 65530, ts: 1000, dst: dst}
	if dst.IsValid() {
		p.dstC = netip.AddrPortFrom(dst.Addr(), dst.Port()+1)
	}
	return p
}

func (p *peer) addr() netip.AddrPort     { return p.rtp.LocalAddr().(*net.UDPAddr).AddrPort() }
func (p *peer) rtcpAddr() netip.AddrPort { return p.rtcp.LocalAddr().(*net.UDPAddr).AddrPort() }

// packet builds the next RTP packet of the peer's stream.
func (p *peer) packet(pt uint8, marker bool, payload []byte) []byte {
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, Marker: marker,
		SequenceNumber: p.seq, Timestamp: p.ts, SSRC: p.ssrc}, Payload: payload}
	p.seq++
	p.ts += 160
	b, err := pkt.Marshal()
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

func (p *peer) send(b []byte) {
	if _, err := p.rtp.WriteToUDPAddrPort(b, p.dst); err != nil {
		p.t.Fatal(err)
	}
}

func (p *peer) sendRTCP(pkts ...rtcp.Packet) {
	b, err := rtcp.Marshal(pkts)
	if err != nil {
		p.t.Fatal(err)
	}
	if _, err := p.rtcp.WriteToUDPAddrPort(b, p.dstC); err != nil {
		p.t.Fatal(err)
	}
}

// recvd is an RTP packet the peer received.
type recvd struct {
	rtp.Packet
	at time.Time
}

// readRTP reads packets until n arrived or timeout passed.
func readRTP(t testing.TB, c *net.UDPConn, n int, timeout time.Duration) []recvd {
	t.Helper()
	var out []recvd
	buf := make([]byte, 2000)
	deadline := time.Now().Add(timeout)
	for len(out) < n {
		c.SetReadDeadline(deadline)
		k, err := c.Read(buf)
		if err != nil {
			break
		}
		var p rtp.Packet
		if err := p.Unmarshal(buf[:k]); err != nil {
			t.Fatalf("peer got a bad packet: %v", err)
		}
		p.Payload = append([]byte(nil), p.Payload...)
		out = append(out, recvd{Packet: p, at: time.Now()})
	}
	return out
}

// readRTCP reads compound RTCP packets until fn returns true or timeout.
func readRTCP(t testing.TB, c *net.UDPConn, timeout time.Duration, fn func([]rtcp.Packet) bool) bool {
	t.Helper()
	buf := make([]byte, 2000)
	deadline := time.Now().Add(timeout)
	for {
		c.SetReadDeadline(deadline)
		k, err := c.Read(buf)
		if err != nil {
			return false
		}
		pkts, err := rtcp.Unmarshal(buf[:k])
		if err != nil {
			t.Fatalf("peer got bad RTCP: %v", err)
		}
		if fn(pkts) {
			return true
		}
	}
}

// newTestSession opens a session with remote set to the peer.
func newTestSession(t testing.TB, pool *Pool, opts ...Option) *Session {
	t.Helper()
	ep, err := pool.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSession(ep, 8000, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// tone returns n samples of a 440 Hz sine at 8 kHz starting at sample off.
func tone(n, off int, amp float64) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(amp * math.Sin(2*math.Pi*440*float64(off+i)/8000))
	}
	return s
}

// recorder is a media.Receiver that keeps what it gets.
type recorder struct {
	mu     sync.Mutex
	frames []media.Frame
	dtmf   []media.DTMF
	closed int
}

func (r *recorder) WriteFrame(f media.Frame) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	f.Samples = append([]int16(nil), f.Samples...)
	r.frames = append(r.frames, f)
	return nil
}

func (r *recorder) OnDTMF(d media.DTMF) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dtmf = append(r.dtmf, d)
}

func (r *recorder) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed++
	return nil
}

func (r *recorder) snapshot() ([]media.Frame, []media.DTMF, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]media.Frame(nil), r.frames...), append([]media.DTMF(nil), r.dtmf...), r.closed
}

// rtpioRoutines lists the goroutines running code of this package, other
// than tests.
func rtpioRoutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "media/rtpio.(*") && !strings.Contains(g, "_test.go") {
			out = append(out, g)
		}
	}
	return out
}

// checkNoLeaks fails if goroutines of the package are still running shortly
// after the test.
func checkNoLeaks(t testing.TB) {
	t.Helper()
	checkFor(t, 3*time.Second, func() error {
		if g := rtpioRoutines(); len(g) > 0 {
			return &leakError{g}
		}
		return nil
	})
}

type leakError struct{ g []string }

func (e *leakError) Error() string { return "leaked goroutines:\n" + strings.Join(e.g, "\n\n") }
