package rtpio

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/dtmf"
)

func newTestPacer(t *testing.T, cfg PacerConfig) (*Pacer, *peer, *Session) {
	t.Helper()
	s := newTestSession(t, testPool(t))
	pr := newPeer(t, s.LocalAddr())
	s.SetRemote(pr.addr(), pr.rtcpAddr())
	if cfg.Codec == nil {
		c, err := media.NewCodec("PCMU")
		if err != nil {
			t.Fatal(err)
		}
		cfg.Codec = c
	}
	p, err := NewPacer(s, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, pr, s
}

// TestPacerCadence measures 101 packets (2 s): the mean interval must be
// 20 ms ± 0.5 ms and the schedule must not drift. Assertions use the whole
// run, robust to a few late wake-ups on a loaded machine.
func TestPacerCadence(t *testing.T) {
	p, pr, _ := newTestPacer(t, PacerConfig{})
	const n = 101
	got := readRTP(t, pr.rtp, n, 5*time.Second)
	if len(got) != n {
		t.Fatalf("got %d packets, want %d", len(got), n)
	}
	if p.Stats().Resyncs > 0 {
		t.Skip("the machine stalled the pacer for more than 1 s")
	}
	// Offset of each arrival from its slot; medians of the first and last
	// 20 packets are robust to a few late wake-ups (of the pacer or of this
	// reader) on a loaded machine.
	first, last := got[0].at, got[n-1].at
	offset := func(i int) time.Duration { return got[i].at.Sub(first) - time.Duration(i)*20*time.Millisecond }
	median := func(from, to int) time.Duration {
		var o []time.Duration
		for i := from; i < to; i++ {
			o = append(o, offset(i))
		}
		slices.Sort(o)
		return o[len(o)/2]
	}
	const w = 20
	drift := median(n-w, n) - median(0, w)
	mean := 20*time.Millisecond + drift/(n-w)
	if d := mean - 20*time.Millisecond; d < -500*time.Microsecond || d > 500*time.Microsecond {
		t.Errorf("mean interval %v, want 20ms ± 0.5ms", mean)
	}
	if drift < -3*time.Millisecond || drift > 3*time.Millisecond {
		t.Errorf("drift over 2 s: %v, want within ±3ms", drift)
	}
	t.Logf("mean interval %v (first to last: %v), drift over 2 s %v", mean, last.Sub(first)/(n-1), drift)

	for i := 1; i < n; i++ {
		if got[i].SequenceNumber != got[i-1].SequenceNumber+1 {
			t.Fatalf("seq %d after %d", got[i].SequenceNumber, got[i-1].SequenceNumber)
		}
		if got[i].Timestamp != got[i-1].Timestamp+160 {
			t.Fatalf("ts %d after %d", got[i].Timestamp, got[i-1].Timestamp)
		}
		if got[i].Marker {
			t.Fatalf("marker on silence packet %d", i)
		}
		if got[i].PayloadType != 0 || len(got[i].Payload) != 160 {
			t.Fatalf("packet %d: PT %d, %d bytes", i, got[i].PayloadType, len(got[i].Payload))
		}
	}
	if !got[0].Marker {
		t.Error("no marker on the first packet")
	}
	st := p.Stats()
	if st.SilenceFrames < n || st.SendJitterP99 <= 0 {
		t.Errorf("stats %+v", st)
	}
	t.Logf("send jitter p50 %v p99 %v max %v", st.SendJitterP50, st.SendJitterP99, st.SendJitterMax)
}

func isSilenceU(payload []byte) bool {
	for _, b := range payload {
		if b != 0xFF {
			return false
		}
	}
	return true
}

func TestPacerTalkspurts(t *testing.T) {
	p, pr, _ := newTestPacer(t, PacerConfig{})
	readRTP(t, pr.rtp, 3, time.Second) // some silence first
	// One write, so that a stalled test goroutine cannot split the spurt.
	p.WriteFrame(media.Frame{Samples: tone(5*160, 0, 8000), Rate: 8000})
	// Then, after a gap of silence, a second talkspurt of 2.5 frames.
	got := readRTP(t, pr.rtp, 12, 2*time.Second)
	spurt2 := media.Frame{Samples: tone(400, 0, 8000), Rate: 8000}
	p.WriteFrame(spurt2)
	got = append(got, readRTP(t, pr.rtp, 10, 2*time.Second)...)

	// Classify: A = audio, S = silence; check markers and timestamps.
	var kinds []byte
	for i, r := range got {
		k := byte('A')
		if isSilenceU(r.Payload) {
			k = 'S'
		}
		kinds = append(kinds, k)
		wantMarker := k == 'A' && (i == 0 || kinds[i-1] == 'S')
		if r.Marker != wantMarker {
			t.Errorf("packet %d (%c): marker %v, want %v", i, k, r.Marker, wantMarker)
		}
		if i > 0 && r.Timestamp != got[i-1].Timestamp+160 {
			t.Errorf("packet %d: ts %d after %d (must continue across silence)", i, r.Timestamp, got[i-1].Timestamp)
		}
	}
	t.Logf("sequence: %s", kinds)
	// Two talkspurts: 5 frames, then 3 (the last one padded).
	var spurts []int
	run := 0
	for _, k := range append(kinds, 'S') {
		if k == 'A' {
			run++
		} else if run > 0 {
			spurts = append(spurts, run)
			run = 0
		}
	}
	if !slices.Equal(spurts, []int{5, 3}) {
		t.Errorf("talkspurts %v, want [5 3]", spurts)
	}
}

func TestPacerQueue(t *testing.T) {
	t.Run("flush", func(t *testing.T) {
		p, _, _ := newTestPacer(t, PacerConfig{})
		p.WriteFrame(media.Frame{Samples: tone(8000, 0, 1000), Rate: 8000}) // 1 s
		d := p.Flush()
		if d < 800*time.Millisecond || d > time.Second {
			t.Fatalf("Flush returned %v, want about 1s", d)
		}
		if p.Queued() != 0 || p.Flush() != 0 {
			t.Fatal("queue not empty after Flush")
		}
	})
	t.Run("overflow drops oldest", func(t *testing.T) {
		p, pr, _ := newTestPacer(t, PacerConfig{MaxQueue: 100 * time.Millisecond})
		p.SetSending(true)
		// 200 ms where the first 100 ms are loud and the last quiet.
		s := append(tone(800, 0, 20000), tone(800, 0, 100)...)
		p.WriteFrame(media.Frame{Samples: s, Rate: 8000})
		st := p.Stats()
		if st.QueueOverflow < 95*time.Millisecond || st.QueueOverflow > 105*time.Millisecond {
			t.Fatalf("overflow %v, want 100ms", st.QueueOverflow)
		}
		// What plays is the newer, quiet half.
		for _, r := range readRTP(t, pr.rtp, 8, time.Second) {
			for _, b := range r.Payload {
				if v := ulawTable(b); v > 1000 || v < -1000 {
					t.Fatalf("loud sample %d played: the oldest audio was kept", v)
				}
			}
		}
	})
	t.Run("resample", func(t *testing.T) {
		p, _, _ := newTestPacer(t, PacerConfig{})
		p.Flush()
		p.WriteFrame(media.Frame{Samples: make([]int16, 320*10), Rate: 16000}) // 200 ms at 16 kHz
		if q := p.Queued(); q < 170*time.Millisecond || q > 200*time.Millisecond {
			t.Fatalf("queued %v after 200 ms at 16 kHz", q)
		}
		if err := p.WriteFrame(media.Frame{Samples: make([]int16, 10)}); err == nil {
			t.Fatal("frame without rate accepted")
		}
	})
}

func ulawTable(b byte) int16 {
	c, _ := media.NewCodec("PCMU")
	out, _ := c.Decode(nil, []byte{b})
	return out[0]
}

func TestPacerDTMF(t *testing.T) {
	p, pr, _ := newTestPacer(t, PacerConfig{DTMFPayloadType: 101})
	p.WriteFrame(media.Frame{Samples: tone(160*20, 0, 8000), Rate: 8000}) // 400 ms of audio
	got := readRTP(t, pr.rtp, 2, time.Second)
	if err := p.SendDTMF('5', 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := p.SendDTMF('x', 100*time.Millisecond); err == nil {
		t.Fatal("bad digit accepted")
	}
	got = append(got, readRTP(t, pr.rtp, 14, 2*time.Second)...)
	start := slices.IndexFunc(got, func(r recvd) bool { return r.PayloadType == 101 })
	if start < 0 {
		t.Fatal("no DTMF packets")
	}
	ev := got[start:]
	// 100 ms at 8 kHz: durations 160..640, then the end (800) three times.
	wantDur := []uint16{160, 320, 480, 640, 800, 800, 800}
	for i, want := range wantDur {
		r := ev[i]
		if r.PayloadType != 101 {
			t.Fatalf("packet %d of the event has PT %d", i, r.PayloadType)
		}
		if r.Timestamp != ev[0].Timestamp {
			t.Errorf("packet %d: ts %d, want the event's %d", i, r.Timestamp, ev[0].Timestamp)
		}
		if r.Marker != (i == 0) {
			t.Errorf("packet %d: marker %v", i, r.Marker)
		}
		if r.Payload[0] != 5 {
			t.Errorf("event %d, want 5", r.Payload[0])
		}
		if end := r.Payload[1]&0x80 != 0; end != (i >= 4) {
			t.Errorf("packet %d: E bit %v", i, end)
		}
		if d := binary.BigEndian.Uint16(r.Payload[2:]); d != want {
			t.Errorf("packet %d: duration %d, want %d", i, d, want)
		}
		if i > 0 && r.SequenceNumber != ev[i-1].SequenceNumber+1 {
			t.Errorf("packet %d: seq %d after %d", i, r.SequenceNumber, ev[i-1].SequenceNumber)
		}
	}
	// Audio resumes (it was paused, not dropped) on the timeline, with a
	// marker, timestamp = event start + 7 frames.
	after := ev[len(wantDur)]
	if after.PayloadType != 0 || !after.Marker || isSilenceU(after.Payload) {
		t.Errorf("after the event: PT %d marker %v silent %v", after.PayloadType, after.Marker, isSilenceU(after.Payload))
	}
	if after.Timestamp != ev[0].Timestamp+7*160 {
		t.Errorf("audio ts %d after event at %d, want +%d", after.Timestamp, ev[0].Timestamp, 7*160)
	}
	if before := got[start-1]; before.Timestamp+160 != ev[0].Timestamp || before.SSRC != ev[0].SSRC {
		t.Errorf("event ts %d after audio ts %d (ssrc %x/%x)", ev[0].Timestamp, before.Timestamp, before.SSRC, ev[0].SSRC)
	}
}

func TestEventPayloads(t *testing.T) {
	for _, tc := range []struct {
		digit rune
		d     time.Duration
		rate  int
		n     int
		ev    byte
		ok    bool
	}{
		{'1', 100 * time.Millisecond, 8000, 7, 1, true},
		{'#', 50 * time.Millisecond, 8000, 5, 11, true}, // 400: 160, 320, end×3
		{'*', 20 * time.Millisecond, 8000, 3, 10, true},
		{'d', 60 * time.Millisecond, 48000, 5, 15, true},
		{'E', 60 * time.Millisecond, 8000, 0, 0, false},
		{'1', 10 * time.Second, 8000, 0, 0, false}, // too long for 16 bits
	} {
		p, err := EventPayloads(tc.digit, tc.d, tc.rate)
		if (err == nil) != tc.ok {
			t.Errorf("%c %v: err %v", tc.digit, tc.d, err)
			continue
		}
		if !tc.ok {
			continue
		}
		if len(p) != tc.n || p[0][0] != tc.ev {
			t.Errorf("%c %v: %d payloads, event %d; want %d, %d", tc.digit, tc.d, len(p), p[0][0], tc.n, tc.ev)
		}
		// Round trip through the decoder.
		dec := dtmf.NewReceiver(tc.rate, 0)
		var got []media.DTMF
		for _, b := range p {
			d, ok, err := dec.Packet(1234, false, b)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				got = append(got, d)
			}
		}
		want := tc.digit
		if want == 'd' {
			want = 'D'
		}
		if len(got) != 1 || got[0].Digit != want || got[0].Duration != tc.d {
			t.Errorf("%c: decoded %+v", tc.digit, got)
		}
	}
}

func TestEventDecoderLostEnd(t *testing.T) {
	dec := dtmf.NewReceiver(8000, 0)
	p1, _ := EventPayloads('1', 100*time.Millisecond, 8000)
	p2, _ := EventPayloads('2', 100*time.Millisecond, 8000)
	var got []rune
	for _, b := range p1[:3] { // the end packets of '1' are lost
		if d, ok, _ := dec.Packet(100, false, b); ok {
			got = append(got, d.Digit)
		}
	}
	for _, b := range p2 {
		if d, ok, _ := dec.Packet(900, false, b); ok {
			got = append(got, d.Digit)
		}
	}
	if string(got) != "12" {
		t.Fatalf("got %q, want \"12\"", string(got))
	}
	if _, _, err := dec.Packet(1, false, []byte{1, 2}); err == nil {
		t.Fatal("short payload accepted")
	}
}

func TestSampleRing(t *testing.T) {
	r := sampleRing{max: 10}
	seq := func(from, n int) []int16 {
		s := make([]int16, n)
		for i := range s {
			s[i] = int16(from + i)
		}
		return s
	}
	next := 0
	var want []int16
	for round := range 50 {
		n := round%7 + 1
		d := r.write(seq(next, n))
		want = append(want, seq(next, n)...)
		next += n
		want = want[d:]
		if len(want) > 10 {
			t.Fatalf("round %d: ring holds %d", round, len(want))
		}
		out := make([]int16, round%4)
		k := r.read(out)
		if !slices.Equal(out[:k], want[:k]) {
			t.Fatalf("round %d: read %v, want %v", round, out[:k], want[:k])
		}
		want = want[k:]
	}
	if r.reset() != len(want) {
		t.Fatal("reset count")
	}
	var empty sampleRing
	empty.max = 10
	if empty.write(nil) != 0 || empty.read(make([]int16, 4)) != 0 {
		t.Fatal("empty ring")
	}
}

func TestLinearResampler(t *testing.T) {
	var r linearResampler
	var out []int16
	// 16 kHz ramp in frames of 320 → 8 kHz: every other sample.
	in := make([]int16, 320)
	for f := range 3 {
		for i := range in {
			in[i] = int16(f*320 + i)
		}
		out = append(out, r.resample(in, 16000, 8000)...)
	}
	if len(out) != 480 {
		t.Fatalf("%d samples, want 480", len(out))
	}
	for i, v := range out {
		if int(v) != 2*i {
			t.Fatalf("out[%d] = %d, want %d", i, v, 2*i)
		}
	}
	// 8 → 16 kHz doubles with interpolation.
	r = linearResampler{}
	up := slices.Clone(r.resample([]int16{0, 10, 20, 30}, 8000, 16000))
	up = append(up, r.resample([]int16{40, 50}, 8000, 16000)...)
	if !slices.Equal(up, []int16{0, 5, 10, 15, 20, 25, 30, 35, 40, 45}) {
		t.Fatalf("upsampled %v", up)
	}
}

func TestLatenessHistogram(t *testing.T) {
	var a, b LatenessHistogram
	if a.Quantile(0.99) != 0 || a.Count() != 0 {
		t.Fatal("empty histogram: want zero quantile and count")
	}
	for range 98 {
		a.add(50 * time.Microsecond) // bucket 0: up to 0.1 ms
	}
	a.add(1500 * time.Microsecond)
	a.add(70 * time.Millisecond) // overflow
	if got := a.Quantile(0.5); got != histStep {
		t.Errorf("p50 = %v, want %v", got, histStep)
	}
	if got := a.Quantile(0.99); got != 1600*time.Microsecond {
		t.Errorf("p99 = %v, want 1.6ms (the 99th of 100 packets)", got)
	}
	if got := a.Quantile(1); got != 70*time.Millisecond {
		t.Errorf("p100 = %v, want the overflow's max 70ms", got)
	}

	// A later snapshot minus an earlier one: the packets in between.
	early := a
	for range 10 {
		a.add(3 * time.Millisecond)
	}
	a.Sub(&early)
	if a.Count() != 10 {
		t.Fatalf("count after Sub = %d, want 10", a.Count())
	}
	if got, want := a.Quantile(0.5), 3100*time.Microsecond; got != want {
		t.Errorf("p50 of the difference = %v, want %v", got, want)
	}
	if got, want := a.Max(), 3100*time.Microsecond; got != want {
		t.Errorf("max of the difference = %v, want the top bucket's edge %v", got, want)
	}

	// Legs add up.
	b.add(time.Millisecond)
	b.Add(&a)
	if b.Count() != 11 {
		t.Errorf("count after Add = %d, want 11", b.Count())
	}
	// Subtracting more than is there never wraps.
	var c LatenessHistogram
	c.Sub(&b)
	if c.Count() != 0 || c.Quantile(0.99) != 0 {
		t.Errorf("empty minus something = %d packets, want 0", c.Count())
	}
}
