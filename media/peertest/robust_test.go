package peertest

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSippEchoUnderGarbage runs a sipp call to echo (audio, then DTMF
// 1 2 3 #) while the server's SIP port is blasted with garbage and
// truncated or malformed requests, and its RTP and RTCP ports get
// truncated, oversized, wrong-version and otherwise malformed packets.
// The call must complete (sipp exits 0) with its digits detected, every
// bad packet must have been dropped, none may have latched the RTP
// source, and a following call must work.
func TestSippEchoUnderGarbage(t *testing.T) {
	sipp := requireTool(t, "sipp", "SWITCHBOARD_REQUIRE_SIPP")
	if testing.Short() {
		t.Skip("takes 25 s")
	}
	// The SIP stack logs every datagram it cannot parse at ERROR: keep
	// thousands of them out of the test output.
	s := startServerWith(t, serverSetup{log: slog.New(slog.DiscardHandler)})
	dir := t.TempDir()
	scenario, _ := filepath.Abs("testdata/echo_robust.xml")
	msgs := filepath.Join(dir, "messages.log")
	p := startPeer(t, 90*time.Second, dir, sipp, s.addr.String(),
		"-sf", scenario, "-s", "echo",
		"-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", "0", "-mp", fmt.Sprint(freeUDPPort(t)),
		"-m", "1", "-timeout", "60s", "-timeout_error", "-nostdin",
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"),
		"-trace_msg", "-message_file", msgs,
	)

	// Blast SIP garbage from the start until sipp is done.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var sipSent, sipReplies int
	wg.Add(1)
	go func() {
		defer wg.Done()
		sipSent, sipReplies = blastSIP(t, s.addr.String(), stop)
	}()
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		wg.Wait()
	}()

	// Our RTP port, from the 200 OK sipp received.
	var rtpPort int
	var answered time.Time
	waitFor(t, 20*time.Second, func() error {
		rtpPort = answerPort(msgs)
		if rtpPort == 0 {
			return fmt.Errorf("no 200 OK with SDP in sipp's message log yet\n%s", tail([]byte(p.output()), 20))
		}
		answered = time.Now()
		return nil
	})
	bad := badRTP()
	sendUDP(t, rtpPort, bad)
	sendUDP(t, rtpPort+1, badRTCP())
	preLatch := time.Since(answered) < 2*time.Second // sipp starts RTP 3 s after its ACK
	if !preLatch {
		t.Logf("malformed RTP sent %v after the answer: it may have arrived after sipp's RTP latched", time.Since(answered))
	}
	// Again while sipp's audio is flowing (latched): from a foreign source.
	time.Sleep(4 * time.Second)
	sendUDP(t, rtpPort, bad)
	sendUDP(t, rtpPort, validForeignRTP())

	err := p.wait()
	close(stop)
	wg.Wait()
	if err != nil {
		errs, _ := os.ReadFile(filepath.Join(dir, "errors.log"))
		t.Fatalf("sipp failed under garbage: %v\n%s\n%s", err, tail([]byte(p.output()), 40), errs)
	}
	t.Logf("sent %d garbage SIP datagrams (%d replies), 2×%d bad RTP packets to port %d", sipSent, sipReplies, len(bad), rtpPort)
	got := s.digits.snapshot()
	if len(got) != 1 {
		t.Fatalf("digits from %d calls, want 1: %v", len(got), got)
	}
	for id, d := range got {
		if d != "123#" {
			t.Errorf("call %s: digits %q, want \"123#\" despite the garbage", id, d)
		}
	}
	fam := gather(t, s.collector)
	malformed := fam["switchboard_rtp_packets_dropped_total{reason=malformed}"]
	dropped := fam["switchboard_rtp_packets_dropped_total"]
	t.Logf("RTP dropped: malformed %v, ignored source %v, unknown payload type %v; in %v, out %v",
		malformed, fam["switchboard_rtp_packets_dropped_total{reason=ignored_source}"],
		fam["switchboard_rtp_packets_dropped_total{reason=unknown_payload_type}"],
		fam["switchboard_rtp_packets_total{direction=in}"], fam["switchboard_rtp_packets_total{direction=out}"])
	if want := float64(2*len(bad) + 1); dropped < want {
		t.Errorf("%v RTP datagrams dropped, want at least the %v bad ones", dropped, want)
	}
	if preLatch && malformed < float64(len(bad)-1) { // less the one of an unknown payload type
		t.Errorf("%v malformed RTP datagrams counted, want at least %d", malformed, len(bad)-1)
	}
	if out := fam["switchboard_rtp_packets_total{direction=out}"]; out < 200 {
		t.Errorf("sent %v echo packets to sipp, want at least 200 (did the garbage latch our media?)", out)
	}
	s.waitIdle(t, 10*time.Second)

	// The server still serves calls normally.
	scenario, _ = filepath.Abs("testdata/echo_dtmf.xml")
	p = startPeer(t, 60*time.Second, dir, sipp, s.addr.String(),
		"-sf", scenario, "-s", "echo",
		"-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", "0", "-mp", fmt.Sprint(freeUDPPort(t)),
		"-m", "1", "-timeout", "40s", "-timeout_error", "-nostdin",
	)
	if err := p.wait(); err != nil {
		t.Fatalf("the call after the garbage failed: %v\n%s", err, tail([]byte(p.output()), 40))
	}
	if got := s.digits.snapshot(); len(got) != 2 {
		t.Errorf("digits from %d calls, want 2: %v", len(got), got)
	}
	s.waitIdle(t, 10*time.Second)
}

var audioPortRE = regexp.MustCompile(`(?m)^m=audio (\d+) `)

// answerPort returns the media port of the first 200 OK with SDP in sipp's
// message log, or 0.
func answerPort(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for part := range strings.SplitSeq(string(b), "message received") {
		i := strings.Index(part, "SIP/2.0 200")
		if i < 0 || i > 200 {
			continue
		}
		if m := audioPortRE.FindStringSubmatch(part); m != nil {
			n, _ := strconv.Atoi(m[1])
			return n
		}
	}
	return 0
}

// sendUDP sends each datagram to 127.0.0.1:port from a fresh socket.
func sendUDP(t *testing.T, port int, datagrams [][]byte) {
	t.Helper()
	c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, d := range datagrams {
		// Errors (ICMP refusals from an earlier datagram) do not matter.
		_, _ = c.Write(d)
		time.Sleep(time.Millisecond)
	}
}

// rtpHeader is a version 2 header with payload type pt.
func rtpHeader(pt byte, seq uint16) []byte {
	h := make([]byte, 12)
	h[0] = 0x80
	h[1] = pt
	binary.BigEndian.PutUint16(h[2:], seq)
	binary.BigEndian.PutUint32(h[4:], uint32(seq)*160)
	binary.BigEndian.PutUint32(h[8:], 0xbadc0de)
	return h
}

// badRTP returns datagrams that no RTP session may accept: all are
// malformed except one well-formed packet of a payload type that was
// not negotiated.
func badRTP() [][]byte {
	payload := make([]byte, 160)
	for i := range payload {
		payload[i] = 0xd5 // A-law silence
	}
	valid := append(rtpHeader(8, 1), payload...)
	var out [][]byte
	out = append(out, []byte{})
	for n := 1; n < 12; n++ { // truncated headers
		out = append(out, valid[:n])
	}
	for _, v := range []byte{0, 1, 3} { // wrong versions
		p := append([]byte(nil), valid...)
		p[0] = v<<6 | p[0]&0x3f
		out = append(out, p)
	}
	cc := append([]byte(nil), valid[:20]...) // 15 CSRCs announced, 2 present
	cc[0] |= 0x0f
	out = append(out, cc)
	ext := append([]byte(nil), valid[:12]...) // extension bit, no extension
	ext[0] |= 0x10
	out = append(out, ext)
	extLong := append(append([]byte(nil), valid[:12]...), 0xbe, 0xde, 0xff, 0xff, 1, 2, 3, 4)
	extLong[0] |= 0x10 // extension of 65535 words in 8 bytes
	out = append(out, extLong)
	pad := append([]byte(nil), valid...) // padding longer than the payload
	pad[0] |= 0x20
	pad[len(pad)-1] = 200
	out = append(out, pad)
	pad0 := append([]byte(nil), valid...) // padding count of zero
	pad0[0] |= 0x20
	pad0[len(pad0)-1] = 0
	out = append(out, pad0)
	for _, n := range []int{1501, 9000, 65000} { // oversized
		p := append(rtpHeader(8, 2), make([]byte, n-12)...)
		out = append(out, p)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for range 20 { // random bytes that are not version 2
		p := make([]byte, 1+rnd.IntN(400))
		for i := range p {
			p[i] = byte(rnd.UintN(256))
		}
		p[0] &^= 0x80
		out = append(out, p)
	}
	// Well-formed, but of a payload type that was not negotiated.
	out = append(out, append(rtpHeader(99, 3), payload...))
	return out
}

// validForeignRTP is one well-formed packet of the negotiated payload
// type from a source other than the latched one.
func validForeignRTP() [][]byte {
	p := append(rtpHeader(8, 4), make([]byte, 160)...)
	return [][]byte{p}
}

// badRTCP returns malformed RTCP for the RTCP port.
func badRTCP() [][]byte {
	return [][]byte{
		{},
		{0x80},
		{0x81, 200, 0x00},                   // truncated sender report
		{0x81, 200, 0xff, 0xff, 0, 0, 0, 1}, // length far beyond the datagram
		{0x81, 201, 0x00, 0x01, 1, 2, 3, 4},
		append([]byte{0x80, 203, 0x00, 0x00}, make([]byte, 2000)...), // oversized BYE
		[]byte("not rtcp at all"),
	}
}

// invite is a complete INVITE to echo with an SDP offer.
func invite(target, callID string) string {
	body := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
		"m=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	return "INVITE sip:echo@" + target + " SIP/2.0\r\n" +
		"Via: SIP/2.0/UDP 127.0.0.1:4999;branch=z9hG4bK" + callID + "\r\n" +
		"From: <sip:garbage@127.0.0.1>;tag=" + callID + "\r\n" +
		"To: <sip:echo@" + target + ">\r\n" +
		"Call-ID: " + callID + "\r\n" +
		"CSeq: 1 INVITE\r\n" +
		"Contact: <sip:garbage@127.0.0.1:4999>\r\n" +
		"Max-Forwards: 70\r\n" +
		"Content-Type: application/sdp\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

// sipGarbage returns datagrams that must not set up a call: truncated
// INVITEs, wrong versions, lying Content-Lengths, binary noise.
func sipGarbage(target string, round int) [][]byte {
	id := func(k int) string { return fmt.Sprintf("garbage-%d-%d", round, k) }
	var out [][]byte
	full := invite(target, id(0))
	// Every truncation that cuts the headers or the body short.
	for n := 1; n < len(full); n += 7 {
		out = append(out, []byte(invite(target, id(n))[:n]))
	}
	out = append(out, []byte(strings.Replace(invite(target, id(1007)), "SIP/2.0\r\n", "SIP/3.0\r\n", 1)))
	lying := strings.Replace(invite(target, id(1001)), "Content-Length: ", "Content-Length: 9", 1)
	out = append(out, []byte(lying))
	negative := strings.Replace(invite(target, id(1002)), "Content-Length: ", "Content-Length: -", 1)
	out = append(out, []byte(negative))
	noVia := strings.Replace(invite(target, id(1003)), "Via: ", "X-Via: ", 1)
	out = append(out, []byte(noVia))
	badSDP := strings.Replace(invite(target, id(1004)), "m=audio 4000 RTP/AVP 0", "m=audio x RTP/AVP 0", 1)
	out = append(out, []byte(badSDP))
	huge := strings.Replace(invite(target, id(1005)), "Max-Forwards: 70\r\n",
		"X-Huge: "+strings.Repeat("a", 60000)+"\r\nMax-Forwards: 70\r\n", 1)
	out = append(out, []byte(huge))
	out = append(out,
		[]byte{},
		[]byte("\r\n\r\n"),
		[]byte("SIP/2.0 200 OK\r\n\r\n"),
		[]byte("SIP/2.0 999999999999 Huh\r\nVia: SIP/2.0/UDP x\r\n\r\n"),
		[]byte("INVITE\r\n\r\n"),
		[]byte("INVITE sip: SIP/2.0\r\nVia: \r\nCall-ID:\r\nCSeq: x INVITE\r\n\r\n"),
		[]byte("BYE sip:echo@"+target+" SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:4999;branch=z9hG4bKx"+id(1006)+"\r\n"+
			"From: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: "+id(1006)+"\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n"),
		[]byte("\x00\xff\xfe\x80INVITE sip:echo@"+target+" SIP/2.0\r\n\xc3\x28\r\n\r\n"),
	)
	rnd := rand.New(rand.NewPCG(uint64(round), 7))
	for range 20 {
		p := make([]byte, 1+rnd.IntN(1400))
		for i := range p {
			p[i] = byte(rnd.UintN(256))
		}
		out = append(out, p)
	}
	return out
}

// blastSIP sends rounds of sipGarbage to the SIP server until stop is
// closed, reading (and counting) whatever comes back.
func blastSIP(t *testing.T, target string, stop <-chan struct{}) (sent, replies int) {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Error(err)
		return 0, 0
	}
	defer c.Close()
	dst, err := net.ResolveUDPAddr("udp", target)
	if err != nil {
		t.Error(err)
		return 0, 0
	}
	var rwg sync.WaitGroup
	var mu sync.Mutex
	rwg.Add(1)
	go func() {
		defer rwg.Done()
		buf := make([]byte, 65536)
		for {
			if _, _, err := c.ReadFrom(buf); err != nil {
				return
			}
			mu.Lock()
			replies++
			mu.Unlock()
		}
	}()
	for round := 0; ; round++ {
		for _, d := range sipGarbage(target, round) {
			select {
			case <-stop:
				c.Close()
				rwg.Wait()
				return sent, replies
			default:
			}
			if _, err := c.WriteTo(d, dst); err == nil {
				sent++
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
}

// TestWrongSIPVersion sends INVITEs of SIP/3.0 (in the request line, then
// in the Via): RFC 3261 requires 505 Version Not Supported (section
// 21.5.6), and no call may be set up.
func TestWrongSIPVersion(t *testing.T) {
	s := startServerWith(t, serverSetup{log: slog.New(slog.DiscardHandler)})
	for _, tc := range []struct{ name, old, new string }{
		{"request line", "SIP/2.0\r\n", "SIP/3.0\r\n"},
		{"via", "Via: SIP/2.0/UDP", "Via: SIP/3.0/UDP"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.ListenPacket("udp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			req := invite(s.addr.String(), "version-"+strings.ReplaceAll(tc.name, " ", "-"))
			req = strings.ReplaceAll(req, "127.0.0.1:4999", c.LocalAddr().String())
			req = strings.Replace(req, tc.old, tc.new, 1)
			if _, err := c.WriteTo([]byte(req), net.UDPAddrFromAddrPort(s.addr)); err != nil {
				t.Fatal(err)
			}
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
			buf := make([]byte, 9000)
			for {
				n, _, err := c.ReadFrom(buf)
				if err != nil {
					t.Fatalf("no final response: %v", err)
				}
				line, _, _ := strings.Cut(string(buf[:n]), "\r\n")
				code := strings.Fields(line + " x x")[1]
				if code[0] == '1' {
					continue
				}
				if code == "505" {
					return
				}
				t.Fatalf("%s INVITE answered %q, want 505", tc.name, line)
			}
		})
	}
}
