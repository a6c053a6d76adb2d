package webrtc

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtp"
	pion "github.com/pion/webrtc/v4"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/dtmf"
)

func frameOf(v int16) []int16 {
	f := make([]int16, 160)
	for i := range f {
		f[i] = v
	}
	return f
}

func TestJitterBuffer(t *testing.T) {
	// Each packet's samples hold its sequence number; 0 is silence.
	for _, tc := range []struct {
		name string
		ops  string // "p5" pushes seq 5, "o" pops one frame
		want []int16
	}{
		{"in order", "p1 p2 o p3 o o", []int16{1, 2, 3}},
		{"prefill", "p1 o p2 o o", []int16{0, 1, 2}},
		{"reordered", "p2 p1 o p4 p3 o o o", []int16{1, 2, 3, 4}},
		{"lost packet concealed", "p1 p2 o o p4 p5 o o o", []int16{1, 2, 0, 4, 5}},
		{"late packet dropped", "p1 p2 o o p4 p5 o o p3 o", []int16{1, 2, 0, 4, 5}},
		{"duplicate dropped", "p1 p1 p2 o o o", []int16{1, 2, 0}},
		{"underrun then loss does not double the gap", "p1 p2 o o o p4 p5 o o", []int16{1, 2, 0, 4, 5}},
		{"late but not lost plays late", "p1 p2 o o o p3 p4 o o", []int16{1, 2, 0, 3, 4}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			j := newJitterBuffer(160)
			var got []int16
			for op := range strings.FieldsSeq(tc.ops) {
				if op == "o" {
					f, _ := j.pop(nil)
					if len(f) != 160 {
						t.Fatalf("frame of %d samples", len(f))
					}
					got = append(got, f[0])
					continue
				}
				var seq int
				for _, c := range op[1:] {
					seq = seq*10 + int(c-'0')
				}
				j.push(uint64(seq), frameOf(int16(seq)))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("played %v, want %v", got, tc.want)
			}
		})
	}
}

func TestJitterBufferBoundsLatency(t *testing.T) {
	j := newJitterBuffer(160)
	for i := range 100 {
		j.push(uint64(i+1), frameOf(int16(i+1)))
	}
	f, _ := j.pop(nil)
	if f[0] < 80 {
		t.Errorf("after a burst of 100 the first frame played is %d: latency unbounded", f[0])
	}
}

// eventPackets returns the payloads a sender emits for one digit: updates
// then three end packets.
func eventPackets(code uint8, updates int) [][]byte {
	var out [][]byte
	for i := 1; i <= updates; i++ {
		out = append(out, dtmf.Event{Code: code, Volume: 10, Duration: uint16(160 * i)}.Encode(nil))
	}
	for range 3 {
		out = append(out, dtmf.Event{Code: code, End: true, Volume: 10, Duration: uint16(160 * (updates + 1))}.Encode(nil))
	}
	return out
}

func TestEventDecoder(t *testing.T) {
	d := eventDecoder{clock: 8000}
	var got []media.DTMF
	feed := func(ts uint32, pkts [][]byte) {
		for _, p := range pkts {
			out, err := d.decode(ts, 1000, p)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, out...)
		}
	}
	feed(1000+8000, eventPackets(1, 4))            // "1" at 1 s
	feed(1000+16000, eventPackets(11, 2))          // "#"
	feed(1000+24000, eventPackets(5, 3)[:3])       // "5" without its end packets
	feed(1000+32000, eventPackets(15, 1))          // "D" ends "5" too
	feed(1000+16000, eventPackets(11, 1)[1:])      // a late end packet of "#"
	feed(1000+40000, [][]byte{{16, 0x80, 0, 160}}) // flash: not a digit
	var digits string
	for _, g := range got {
		digits += string(g.Digit)
	}
	if digits != "1#5D" {
		t.Fatalf("digits %q, want 1#5D", digits)
	}
	if got[0].Timestamp != time.Second || got[0].Duration != 100*time.Millisecond {
		t.Errorf("first digit %+v, want at 1 s for 100 ms", got[0])
	}
	if _, err := d.decode(0, 0, []byte{1, 2}); err == nil {
		t.Error("short payload accepted")
	}
}

func TestDedup(t *testing.T) {
	now := time.Unix(0, 0)
	d := dedup{window: 2 * time.Second}
	type in struct {
		src   dtmfSource
		digit rune
		at    time.Duration
	}
	var out string
	for _, x := range []in{
		{fromDataChannel, '5', 0}, {fromDataChannel, '5', 100 * time.Millisecond}, // "55" pressed fast
		{fromRTP, '5', 150 * time.Millisecond}, {fromRTP, '5', 300 * time.Millisecond}, // their events
		{fromRTP, '7', time.Second}, {fromDataChannel, '7', 1100 * time.Millisecond},
		{fromDataChannel, '8', 5 * time.Second}, {fromRTP, '8', 8 * time.Second}, // too far apart: both
		{fromRTP, '1', 9 * time.Second}, {fromRTP, '1', 9200 * time.Millisecond}, // same path: both
	} {
		if d.admit(x.src, x.digit, now.Add(x.at)) {
			out += string(x.digit)
		}
	}
	if out != "5578811" {
		t.Errorf("delivered %q, want 5578811", out)
	}
	off := dedup{window: -1}
	if !off.admit(fromRTP, '1', now) || !off.admit(fromDataChannel, '1', now) {
		t.Error("a negative window still deduplicates")
	}
}

// fakeWriter records the packets a sendTrack writes.
type fakeWriter struct{ pkts []rtp.Packet }

func (w *fakeWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	w.pkts = append(w.pkts, rtp.Packet{Header: *h, Payload: append([]byte(nil), payload...)})
	return len(payload), nil
}

func (w *fakeWriter) Write(b []byte) (int, error) { return len(b), nil }

func newTestSender(t testing.TB) (*sender, *fakeWriter) {
	w := &fakeWriter{}
	tr := &sendTrack{w: w, ssrc: 42, tePT: 101, hasTE: true,
		codec: pion.RTPCodecParameters{RTPCodecCapability: pion.RTPCodecCapability{MimeType: pion.MimeTypePCMU, ClockRate: 8000}, PayloadType: 0}}
	s := newSender(tr, &counters{}, time.Second, 65534, 1000)
	enc, err := media.NewCodec("PCMU")
	if err != nil {
		t.Fatal(err)
	}
	s.start(enc)
	return s, w
}

func TestSender(t *testing.T) {
	s, w := newTestSender(t)
	// Half a frame queued, then 16 kHz audio resampled to 8 kHz.
	if err := s.write(media.Frame{Samples: frameOf(1000)[:80], Rate: 8000}); err != nil {
		t.Fatal(err)
	}
	if err := s.write(media.Frame{Samples: make([]int16, 320), Rate: 16000}); err != nil {
		t.Fatal(err)
	}
	if q := s.queued(); q != 30*time.Millisecond {
		t.Errorf("queued %v, want 30ms", q)
	}
	s.tick(0)
	s.tick(0)
	s.tick(0) // silence
	if err := s.sendDigit('#', 40*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	for range 6 {
		s.tick(0)
	}
	s.tick(2) // the pacer skipped two frames
	if len(w.pkts) != 10 {
		t.Fatalf("%d packets, want 10", len(w.pkts))
	}
	for i, p := range w.pkts {
		if p.SequenceNumber != uint16(65534+i) || p.SSRC != 42 {
			t.Errorf("packet %d: seq %d ssrc %d", i, p.SequenceNumber, p.SSRC)
		}
	}
	if !w.pkts[0].Marker || w.pkts[1].Marker {
		t.Error("marker bit not on the first packet only")
	}
	// Events: one update, then three end packets carrying the full 40 ms,
	// all at the event's timestamp; audio resumes with a marker.
	for i := 3; i < 7; i++ {
		p := w.pkts[i]
		e, err := dtmf.DecodeEvent(p.Payload)
		if err != nil || p.PayloadType != 101 || p.Timestamp != 1000+3*160 || e.Code != 11 {
			t.Errorf("event packet %d: %+v %+v %v", i, p.Header, e, err)
		}
		if wantEnd := i >= 4; e.End != wantEnd || (wantEnd && e.Duration != 320) {
			t.Errorf("event packet %d: end %v", i, e.End)
		}
	}
	if p := w.pkts[7]; p.PayloadType != 0 || !p.Marker || p.Timestamp != 1000+7*160 {
		t.Errorf("audio after the event: %+v", p.Header)
	}
	if p := w.pkts[9]; p.Timestamp != 1000+11*160 {
		t.Errorf("after skipping 2 frames ts = %d, want %d", p.Timestamp, 1000+11*160)
	}
	if err := s.write(media.Frame{Samples: make([]int16, 20*8000), Rate: 8000}); err == nil {
		t.Error("20 s queued past a 1 s bound")
	}
	if err := s.write(media.Frame{Samples: make([]int16, 4000), Rate: 8000}); err != nil {
		t.Fatal(err)
	}
	if d := s.flush(); d != 500*time.Millisecond {
		t.Errorf("flushed %v", d)
	}
	if err := s.sendDigit('x', 0); err == nil {
		t.Error("digit x accepted")
	}
}

// TestPaceNoDrift: over a second the pacer accounts for 50 frames (sent
// or, when it fell behind, skipped), not fewer as the timers' lateness
// accumulates.
func TestPaceNoDrift(t *testing.T) {
	done := make(chan struct{})
	frames := 0
	start := time.Now()
	var elapsed time.Duration
	pace(done, func(skipped int) {
		frames += 1 + skipped
		if elapsed = time.Since(start); elapsed >= time.Second {
			select {
			case <-done:
				t.Error("fn called after done closed")
			default:
				close(done)
			}
		}
	})
	// Frame k is due at k*20ms; the tick that saw a second pass is frame
	// 50 (or a little later when the machine is loaded).
	want := int(elapsed/media.FrameDuration) + 1
	if frames < want-1 || frames > want+1 {
		t.Errorf("%d frames in %v, want %d", frames, elapsed, want)
	}
}

func TestResample(t *testing.T) {
	in := tone(440, 16000, 320, 8000)
	out := resample(nil, in, 16000, 8000)
	if len(out) != 160 || goertzel(out, 440, 8000) < 0.9 {
		t.Errorf("16k->8k: %d samples, 440 Hz share %.2f", len(out), goertzel(out, 440, 8000))
	}
	out = resample(nil, tone(440, 48000, 960, 8000)[:960], 48000, 8000)
	if len(out) != 160 {
		t.Errorf("48k->8k: %d samples", len(out))
	}
	out = resample(nil, tone(440, 8000, 160, 8000), 8000, 16000)
	if len(out) != 320 || goertzel(out, 440, 16000) < 0.9 {
		t.Errorf("8k->16k: %d samples", len(out))
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, ""},
		{Config{UDPPortMin: 10000, UDPPortMax: 20000}, ""},
		{Config{UDPPortMin: 10000}, "UDPPortMin"},
		{Config{UDPPortMin: 20000, UDPPortMax: 10000}, "UDPPortMin"},
		{Config{NAT1To1IPs: []string{"example.com"}}, "NAT1To1IPs"},
		{Config{ICEServers: []pion.ICEServer{{}}}, "ICEServers[0]"},
		{Config{MaxLegs: -1}, "MaxLegs"},
	} {
		err := tc.cfg.Validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
			t.Errorf("Validate(%+v) = %v, want %q", tc.cfg, err, tc.want)
		}
	}
	if _, err := NewServer(Config{}, nil, nil); err == nil {
		t.Error("nil router accepted")
	}
}

func TestParseSDPFrag(t *testing.T) {
	frag := "a=ice-ufrag:abc\r\na=ice-pwd:x\r\nm=audio 9 RTP/AVP 0\r\na=mid:0\r\na=candidate:1 1 udp 1 127.0.0.1 5000 typ host\r\na=end-of-candidates\r\n"
	c, err := parseSDPFrag(frag, "abc")
	if err != nil || len(c) != 1 || *c[0].SDPMid != "0" || *c[0].SDPMLineIndex != 0 || !strings.HasPrefix(c[0].Candidate, "candidate:1 ") {
		t.Errorf("parseSDPFrag = %+v, %v", c, err)
	}
	if _, err := parseSDPFrag(frag, "other"); err == nil {
		t.Error("ICE restart not detected")
	}
}

func TestLinkHeaders(t *testing.T) {
	srv, err := NewServer(Config{ICEServers: []pion.ICEServer{{URLs: []string{"stun:stun.example.net"}},
		{URLs: []string{"turn:turn.example.net"}, Username: "u", Credential: "p"}}},
		RouterFunc(func(string, string) (media.Application, bool) { return nil, false }), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	h := http.Header{}
	srv.linkICEServers(h)
	got := strings.Join(h.Values("Link"), "\n")
	want := "<stun:stun.example.net>; rel=\"ice-server\"\n<turn:turn.example.net>; rel=\"ice-server\"; username=\"u\"; credential=\"p\"; credential-type=\"password\""
	if got != want {
		t.Errorf("Link:\n%s\nwant\n%s", got, want)
	}
}

func BenchmarkSenderTick(b *testing.B) {
	s, w := newTestSender(b)
	f := media.Frame{Samples: frameOf(1000), Rate: 8000}
	b.ReportAllocs()
	for b.Loop() {
		_ = s.write(f)
		s.tick(0)
		w.pkts = w.pkts[:0]
	}
}

func BenchmarkJitterBuffer(b *testing.B) {
	j := newJitterBuffer(160)
	pcm := frameOf(1)
	var out []int16
	seq := uint64(1)
	j.push(seq, pcm)
	b.ReportAllocs()
	for b.Loop() {
		seq++
		j.push(seq, pcm)
		out, _ = j.pop(out[:0])
	}
}
