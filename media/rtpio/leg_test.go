package rtpio

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"

	"github.com/switchboard-voice/switchboard/media"
)

type legFixture struct {
	leg  *Leg
	peer *peer
	rec  *recorder
	pool *Pool
	byes *atomic.Int32
}

func newTestLeg(t *testing.T, cfg LegConfig, opts ...Option) *legFixture {
	t.Helper()
	pool := testPool(t)
	ep, err := pool.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sess, err := NewSession(ep, 8000, opts...)
	if err != nil {
		t.Fatal(err)
	}
	pr := newPeer(t, ep.Addr())
	sess.SetRemote(pr.addr(), pr.rtcpAddr())
	codec, _ := media.NewCodec("PCMU")
	byes := new(atomic.Int32)
	if cfg.Hangup == nil {
		cfg.Hangup = func(context.Context) error { byes.Add(1); return nil }
	}
	if cfg.Info.ID == "" {
		cfg.Info.ID = t.Name()
	}
	leg := NewLeg(sess, codec, cfg)
	rec := &recorder{}
	leg.Attach(rec)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		leg.Hangup(ctx)
	})
	return &legFixture{leg: leg, peer: pr, rec: rec, pool: pool, byes: byes}
}

// forEachLegRead runs a leg test with the leg reading RTP in its clock
// tick (where the platform has batched reads) and with a reader goroutine.
func forEachLegRead(t *testing.T, fn func(t *testing.T, goroutine bool)) {
	if (&rtpSocket{}).batched() {
		t.Run("tick", func(t *testing.T) { fn(t, false) })
	}
	t.Run("goroutine", func(t *testing.T) { fn(t, true) })
}

// reading sets how a test leg reads RTP.
func reading(goroutine bool, cfg LegConfig) LegConfig {
	cfg.readGoroutine = goroutine
	return cfg
}

// sendTone sends n PCMU packets of a tone at 20 ms intervals.
func (f *legFixture) sendTone(n int, amp float64) {
	c, _ := media.NewCodec("PCMU")
	for i := range n {
		payload, _ := c.Encode(nil, tone(160, i*160, amp))
		f.peer.send(f.peer.packet(0, i == 0, payload))
		time.Sleep(20 * time.Millisecond)
	}
}

func energy(s []int16) (e int64) {
	for _, v := range s {
		e += int64(v) * int64(v)
	}
	return e / int64(max(1, len(s)))
}

func TestLegInfo(t *testing.T) {
	f := newTestLeg(t, LegConfig{Info: media.LegInfo{ID: "call-1", From: "100", To: "200"}})
	info := f.leg.Info()
	want := media.LegInfo{ID: "call-1", Kind: "sip", From: "100", To: "200", Codec: "PCMU", Rate: 8000, Remote: f.peer.addr().String()}
	if info != want {
		t.Fatalf("Info %+v, want %+v", info, want)
	}
}

func TestLegReceive(t *testing.T) { forEachLegRead(t, testLegReceive) }

func testLegReceive(t *testing.T, goroutine bool) {
	f := newTestLeg(t, reading(goroutine, LegConfig{}))
	f.sendTone(25, 8000)
	// A DTMF '7' of 100 ms on the same stream.
	ev, _ := EventPayloads('7', 100*time.Millisecond, 8000)
	ts := f.peer.ts
	for i, b := range ev {
		f.peer.ts = ts
		f.peer.send(f.peer.packet(101, i == 0, b))
	}
	checkFor(t, 2*time.Second, func() error {
		if _, d, _ := f.rec.snapshot(); len(d) != 1 {
			return fmt.Errorf("%d digits", len(d))
		}
		return nil
	})
	frames, dtmf, _ := f.rec.snapshot()
	if d := dtmf[0]; d.Digit != '7' || d.Duration != 100*time.Millisecond || d.InBand {
		t.Errorf("DTMF %+v", d)
	}
	// 25 packets → 0.5 s; frames at 8 kHz, 20 ms apart, most with the tone.
	loud := 0
	for i, fr := range frames {
		if fr.Rate != 8000 || len(fr.Samples) != 160 {
			t.Fatalf("frame %d: rate %d, %d samples", i, fr.Rate, len(fr.Samples))
		}
		if i > 0 && fr.Timestamp <= frames[i-1].Timestamp {
			t.Fatalf("frame %d: timestamp %v after %v", i, fr.Timestamp, frames[i-1].Timestamp)
		}
		if energy(fr.Samples) > 1e6 {
			loud++
		}
	}
	if loud < 20 {
		t.Errorf("%d loud frames of %d, want at least 20", loud, len(frames))
	}
	// After the peer stops: concealment fades out to silence.
	checkFor(t, 2*time.Second, func() error {
		fr, _, _ := f.rec.snapshot()
		if energy(fr[len(fr)-1].Samples) != 0 {
			return errors.New("not silent yet")
		}
		return nil
	})
	st := f.leg.Stats()
	if st.Concealed == 0 || st.PacketsIn != 32 || st.DTMFReceived != 1 {
		t.Errorf("concealed %d in %d dtmf %d", st.Concealed, st.PacketsIn, st.DTMFReceived)
	}
}

func TestLegRTPTimeout(t *testing.T) { forEachLegRead(t, testLegRTPTimeout) }

func testLegRTPTimeout(t *testing.T, goroutine bool) {
	f := newTestLeg(t, reading(goroutine, LegConfig{RTPTimeout: 300 * time.Millisecond}))
	f.sendTone(10, 1000) // keeps the leg up for 200 ms
	stopped := time.Now()
	select {
	case <-f.leg.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("leg did not time out")
	}
	if el := time.Since(stopped); el < 250*time.Millisecond {
		t.Errorf("ended %v after the last packet, timeout is 300ms", el)
	}
	if !errors.Is(f.leg.Err(), media.ErrRTPTimeout) {
		t.Fatalf("Err %v, want ErrRTPTimeout", f.leg.Err())
	}
	if _, _, closed := f.rec.snapshot(); closed != 1 {
		t.Errorf("receiver closed %d times", closed)
	}
	if f.pool.InUse() != 0 {
		t.Error("ports not released")
	}
	// The owner sends BYE through Hangup; Err stays the timeout.
	if err := f.leg.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.byes.Load() != 1 || !errors.Is(f.leg.Err(), media.ErrRTPTimeout) {
		t.Errorf("BYEs %d, Err %v", f.byes.Load(), f.leg.Err())
	}
	checkNoLeaks(t)
}

func TestLegHold(t *testing.T) { forEachLegRead(t, testLegHold) }

func testLegHold(t *testing.T, goroutine bool) {
	t.Run("inactive: nothing sent, no timeout, RTCP flows", func(t *testing.T) {
		f := newTestLeg(t, reading(goroutine, LegConfig{RTPTimeout: 200 * time.Millisecond}), WithRTCPInterval(100*time.Millisecond))
		if got := readRTP(t, f.peer.rtp, 3, time.Second); len(got) != 3 {
			t.Fatal("no RTP before hold")
		}
		f.leg.SetDirection(Inactive)
		readRTP(t, f.peer.rtp, 10, 60*time.Millisecond) // in flight
		if got := readRTP(t, f.peer.rtp, 1, 400*time.Millisecond); len(got) != 0 {
			t.Fatal("RTP sent while inactive")
		}
		if err := f.leg.SendDTMF('1', 0); !errors.Is(err, ErrNotSending) {
			t.Errorf("SendDTMF on hold: %v", err)
		}
		select {
		case <-f.leg.Done():
			t.Fatal("RTP timeout while inactive")
		default:
		}
		if !readRTCP(t, f.peer.rtcp, 2*time.Second, func([]rtcp.Packet) bool { return true }) {
			t.Error("no RTCP while inactive")
		}
		f.leg.SetDirection(SendRecv)
		if got := readRTP(t, f.peer.rtp, 3, time.Second); len(got) != 3 {
			t.Fatal("no RTP after resume")
		}
		// Receiving again: the timeout runs again.
		select {
		case <-f.leg.Done():
		case <-time.After(3 * time.Second):
			t.Fatal("no RTP timeout after resume")
		}
	})
	t.Run("sendonly: received audio ignored", func(t *testing.T) {
		f := newTestLeg(t, reading(goroutine, LegConfig{RTPTimeout: -1}))
		f.leg.SetDirection(SendOnly)
		f.sendTone(15, 8000)
		time.Sleep(60 * time.Millisecond)
		frames, _, _ := f.rec.snapshot()
		for i, fr := range frames {
			if energy(fr.Samples) != 0 {
				t.Fatalf("frame %d has audio while sendonly", i)
			}
		}
		if len(frames) < 10 {
			t.Fatalf("only %d frames: silence must keep flowing", len(frames))
		}
		if got := readRTP(t, f.peer.rtp, 3, time.Second); len(got) != 3 {
			t.Fatal("no RTP sent while sendonly")
		}
		f.leg.SetDirection(SendRecv)
		n := len(frames)
		f.sendTone(15, 8000)
		frames, _, _ = f.rec.snapshot()
		loud := 0
		for _, fr := range frames[n:] {
			if energy(fr.Samples) > 1e6 {
				loud++
			}
		}
		if loud < 5 {
			t.Fatalf("%d loud frames after resume", loud)
		}
	})
}

func TestLegSendDTMF(t *testing.T) {
	f := newTestLeg(t, LegConfig{DTMFPayloadType: 96})
	readRTP(t, f.peer.rtp, 1, time.Second)
	if err := f.leg.SendDTMF('#', 40*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	var ev []recvd
	for _, r := range readRTP(t, f.peer.rtp, 10, 2*time.Second) {
		if r.PayloadType == 96 {
			ev = append(ev, r)
		}
	}
	// 40 ms: one packet, then the end three times.
	if len(ev) != 4 || ev[0].Payload[0] != 11 || !ev[0].Marker || ev[3].Payload[1]&0x80 == 0 {
		t.Fatalf("DTMF packets %+v", ev)
	}
}

func TestLegHangup(t *testing.T) { forEachLegRead(t, testLegHangup) }

func testLegHangup(t *testing.T, goroutine bool) {
	f := newTestLeg(t, reading(goroutine, LegConfig{}))
	f.leg.WriteFrame(media.Frame{Samples: tone(1600, 0, 5000), Rate: 8000})
	f.sendTone(5, 1000)
	if len(rtpioRoutines()) == 0 {
		t.Fatal("no leg goroutines found: the leak check would see nothing")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := f.leg.Hangup(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-f.leg.Done():
	default:
		t.Fatal("Done not closed after Hangup returned")
	}
	if f.leg.Err() != nil || f.byes.Load() != 1 {
		t.Fatalf("Err %v BYEs %d", f.leg.Err(), f.byes.Load())
	}
	if err := f.leg.Hangup(ctx); err != nil || f.byes.Load() != 1 {
		t.Fatalf("second Hangup: %v, BYEs %d", err, f.byes.Load())
	}
	if _, _, closed := f.rec.snapshot(); closed != 1 {
		t.Errorf("receiver closed %d times", closed)
	}
	if f.pool.InUse() != 0 {
		t.Error("ports not released")
	}
	if err := f.leg.WriteFrame(media.Frame{Samples: make([]int16, 160), Rate: 8000}); !errors.Is(err, media.ErrClosed) {
		t.Errorf("WriteFrame after Hangup: %v", err)
	}
	late := &recorder{}
	f.leg.Attach(late)
	if _, _, closed := late.snapshot(); closed != 1 {
		t.Error("receiver attached after the end not closed")
	}
	checkNoLeaks(t)
}

func TestLegEnd(t *testing.T) {
	f := newTestLeg(t, LegConfig{})
	f.leg.Attach(nil) // detached: frames dropped
	f.sendTone(3, 1000)
	f.leg.End(nil) // the far end sent BYE
	if err := f.leg.Hangup(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.byes.Load() != 0 {
		t.Fatal("BYE sent for a call the far end ended")
	}
	if _, _, closed := f.rec.snapshot(); closed != 0 {
		t.Error("detached receiver closed")
	}

	g := newTestLeg(t, LegConfig{Hangup: func(ctx context.Context) error { return errors.New("481") }})
	sigErr := errors.New("transport failed")
	g.leg.End(sigErr)
	if !errors.Is(g.leg.Err(), sigErr) {
		t.Fatalf("Err %v", g.leg.Err())
	}
	checkNoLeaks(t)
}

func TestLegNoCodec(t *testing.T) {
	ep, err := testPool(t).Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sess, _ := NewSession(ep, 8000)
	l := NewLeg(sess, nil, LegConfig{})
	<-l.Done()
	if !errors.Is(l.Err(), media.ErrNoCodec) {
		t.Fatalf("Err %v", l.Err())
	}
	if err := l.WriteFrame(media.Frame{Rate: 8000}); !errors.Is(err, media.ErrClosed) {
		t.Fatalf("WriteFrame: %v", err)
	}
	l.Hangup(context.Background())
	checkNoLeaks(t)
}

func TestLegSetRemote(t *testing.T) { forEachLegRead(t, testLegSetRemote) }

func testLegSetRemote(t *testing.T, goroutine bool) {
	f := newTestLeg(t, reading(goroutine, LegConfig{}))
	f.sendTone(2, 1000)
	other := newPeer(t, f.leg.Session().LocalAddr())
	f.leg.SetRemote(other.addr(), netip.AddrPort{})
	if got := readRTP(t, other.rtp, 3, time.Second); len(got) != 3 {
		t.Fatal("no RTP at the new address")
	}
	if f.leg.Info().Remote != other.addr().String() {
		t.Errorf("Info().Remote %s", f.leg.Info().Remote)
	}
}

func TestDirection(t *testing.T) {
	for _, d := range []Direction{SendRecv, SendOnly, RecvOnly, Inactive} {
		p, err := ParseDirection(d.String())
		if err != nil || p != d {
			t.Errorf("%v: %v %v", d, p, err)
		}
	}
	if _, err := ParseDirection("sideways"); err == nil {
		t.Error("bad direction parsed")
	}
}

// A re-INVITE moves the far end while the old one's packets are still
// queued or in flight: they must not latch the old address again.
func TestLegSetRemoteOldPacketsQueued(t *testing.T) { forEachLegRead(t, testLegSetRemoteOldPackets) }

func testLegSetRemoteOldPackets(t *testing.T, goroutine bool) {
	f := newTestLeg(t, reading(goroutine, LegConfig{RTPTimeout: -1}))
	f.sendTone(3, 1000)
	checkFor(t, time.Second, func() error {
		if got := f.leg.Session().Latched(); got != f.peer.addr() {
			return fmt.Errorf("latched %v", got)
		}
		return nil
	})
	for range 3 {
		f.peer.send(f.peer.packet(0, false, make([]byte, 160)))
	}
	time.Sleep(10 * time.Millisecond) // a goroutine reader has read them; a tick may not have
	other := newPeer(t, f.leg.Session().LocalAddr())
	f.leg.SetRemote(other.addr(), netip.AddrPort{})
	time.Sleep(30 * time.Millisecond) // a tick has read what was queued
	if got := f.leg.Session().Latched(); got.IsValid() {
		t.Fatalf("latched %v after SetRemote, before the new far end sent", got)
	}
	other.send(other.packet(0, false, make([]byte, 160)))
	checkFor(t, time.Second, func() error {
		if got := f.leg.Session().Latched(); got != other.addr() {
			return fmt.Errorf("latched %v, want %v", got, other.addr())
		}
		return nil
	})
	if got := readRTP(t, other.rtp, 3, time.Second); len(got) != 3 {
		t.Fatal("no RTP at the new address")
	}
}

// shiftingJB is a FIFO jitter buffer whose delay shift the test sets.
type shiftingJB struct {
	*FIFO
	total atomic.Int64
}

func (b *shiftingJB) DelayShift() time.Duration { return time.Duration(b.total.Load()) }

// shiftRecorder notes frames and delay changes in the order the leg
// delivers them.
type shiftRecorder struct {
	mu     sync.Mutex
	events []string
}

func (r *shiftRecorder) WriteFrame(media.Frame) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if n := len(r.events); n == 0 || r.events[n-1] != "frame" {
		r.events = append(r.events, "frame")
	}
	return nil
}
func (r *shiftRecorder) OnDTMF(media.DTMF) {}
func (r *shiftRecorder) Close() error      { return nil }
func (r *shiftRecorder) OnDelayChange(d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, d.String())
}
func (r *shiftRecorder) snapshot() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.events)
}

// TestLegDelayChange: a jitter buffer that changes its delay has the leg
// tell a media.DelayObserver receiver once per change, by how much,
// before the frame it affects.
func TestLegDelayChange(t *testing.T) {
	jb := &shiftingJB{FIFO: NewFIFO(10)}
	f := newTestLeg(t, LegConfig{JitterBuffer: jb})
	rec := &shiftRecorder{}
	f.leg.Attach(rec)
	sent := make(chan struct{})
	go func() { defer close(sent); f.sendTone(30, 8000) }()
	defer func() { <-sent }()
	wait := func(want ...string) {
		t.Helper()
		checkFor(t, 2*time.Second, func() error {
			got := rec.snapshot()
			if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
				return fmt.Errorf("events %v, want %v first", got, want)
			}
			return nil
		})
	}
	wait("frame")
	jb.total.Store(int64(20 * time.Millisecond)) // grew by a frame
	wait("frame", "20ms", "frame")
	jb.total.Store(int64(-20 * time.Millisecond)) // then shrank by two
	wait("frame", "20ms", "frame", "-40ms", "frame")
	time.Sleep(100 * time.Millisecond)
	if got := rec.snapshot(); len(got) != 5 {
		t.Errorf("events %v: want no change reported twice", got)
	}
}
