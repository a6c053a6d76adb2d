package rtpio

import (
	"context"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/switchboard-voice/switchboard/media"
)

// BenchmarkReceivePacket is the per-packet receive path after the socket
// read: source check, RTP parse, reception statistics, jitter buffer push.
func BenchmarkReceivePacket(b *testing.B) {
	ep, err := testPool(b).Open(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	sess, _ := NewSession(ep, 8000)
	codec, _ := media.NewCodec("PCMU")
	leg := NewLeg(sess, codec, LegConfig{RTPTimeout: -1})
	defer leg.Hangup(context.Background())
	pr := newPeer(b, ep.Addr())
	pkts := make([][]byte, 64)
	for i := range pkts {
		pkts[i] = pr.packet(0, false, make([]byte, 160))
	}
	from := pr.addr()
	var p rtp.Packet
	b.ReportAllocs()
	b.SetBytes(int64(len(pkts[0])))
	i := 0
	for b.Loop() {
		raw := pkts[i%len(pkts)]
		i++
		now := time.Now()
		if !sess.handleDatagram(raw, from, now, &p) {
			b.Fatal("packet dropped")
		}
		leg.handlePacket(&p, now)
	}
}

// BenchmarkSendFrame is the per-frame send path: queue a 20 ms frame, then
// one pacer tick (dequeue, G.711 encode, RTP marshal, UDP send on loopback).
func BenchmarkSendFrame(b *testing.B) {
	sess := newTestSession(b, testPool(b))
	pr := newPeer(b, sess.LocalAddr())
	sess.SetRemote(pr.addr(), pr.rtcpAddr()) // nobody reads: the kernel drops
	codec, _ := media.NewCodec("PCMU")
	p, err := newPacer(sess, PacerConfig{Codec: codec})
	if err != nil {
		b.Fatal(err)
	}
	f := media.Frame{Samples: tone(160, 0, 8000), Rate: 8000}
	b.ReportAllocs()
	for b.Loop() {
		p.WriteFrame(f)
		p.tick(time.Now())
	}
	if st := p.Stats(); st.AudioFrames == 0 || st.PacerSendErrors > 0 {
		b.Fatalf("stats %+v", st)
	}
}

// BenchmarkPlayout is the per-frame receive path: jitter buffer pop, G.711
// decode, frame to the receiver.
func BenchmarkPlayout(b *testing.B) {
	ep, err := testPool(b).Open(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	sess, _ := NewSession(ep, 8000)
	codec, _ := media.NewCodec("PCMU")
	leg := NewLeg(sess, codec, LegConfig{RTPTimeout: -1})
	leg.Attach(nil)
	defer leg.Hangup(context.Background())
	// A private leg value for the playout state: the real one's goroutine
	// uses its own.
	l := &Leg{sess: sess, dec: codec, rate: 8000, spf: 160, jb: NewFIFO(10)}
	l.fifo.max = 160 * 8
	l.out, l.last = make([]int16, 160), make([]int16, 160)
	sink := media.SinkFunc(func(media.Frame) error { return nil })
	l.recv = receiverFunc{sink}
	payload := make([]byte, 160)
	b.ReportAllocs()
	now := time.Now()
	for b.Loop() {
		l.jb.Push(0, 0, 0, false, payload, now)
		l.jb.Push(0, 0, 0, false, payload, now)
		l.playout(now, 0)
	}
}

type receiverFunc struct{ media.SinkFunc }

func (receiverFunc) OnDTMF(media.DTMF) {}
