//go:build linux

package rtpio

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/switchboard-voice/switchboard/media"
)

// openFDs counts the process's open file descriptors.
func openFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd:", err)
	}
	return len(ents)
}

// countSink counts the packets receive hands on and keeps their arrivals.
type countSink struct {
	n        int
	arrivals []time.Time
}

func (c *countSink) handlePacket(_ *rtp.Packet, at time.Time) {
	c.n++
	c.arrivals = append(c.arrivals, at)
}

func TestReceiveBatches(t *testing.T) {
	s := newTestSession(t, testPool(t))
	pr := newPeer(t, s.LocalAddr())
	rx := newRxBatch()
	var p rtp.Packet
	sink := &countSink{}
	if n, err := s.receive(rx, &p, sink); n != 0 || err != nil {
		t.Fatalf("empty socket: %d datagrams, %v", n, err)
	}
	const sent = maxReceive + 36
	for range sent {
		pr.send(pr.packet(0, false, make([]byte, 160)))
	}
	pr.send([]byte{0x80}) // malformed: read and counted, not handed on
	time.Sleep(20 * time.Millisecond)
	// One tick reads at most maxReceive, the next one the rest.
	n, err := s.receive(rx, &p, sink)
	if err != nil || n != maxReceive || sink.n != maxReceive {
		t.Fatalf("first receive: %d datagrams, %d packets, %v; want %d", n, sink.n, err, maxReceive)
	}
	n, err = s.receive(rx, &p, sink)
	if err != nil || n != sent-maxReceive+1 || sink.n != sent {
		t.Fatalf("second receive: %d datagrams, %d packets in all, %v; want %d and %d", n, sink.n, err, sent-maxReceive+1, sent)
	}
	if st := s.Stats(); st.PacketsIn != sent || st.Malformed != 1 || st.Latched != pr.addr() {
		t.Fatalf("stats: in %d malformed %d latched %v", st.PacketsIn, st.Malformed, st.Latched)
	}
	s.Close()
	if _, err := s.receive(rx, &p, sink); !errors.Is(err, media.ErrClosed) {
		t.Fatalf("receive after Close: %v", err)
	}
}

// A packet read in a later tick keeps the time it arrived (the kernel's
// receive timestamp), so the jitter buffer and RTCP jitter see the network,
// not the reading schedule.
func TestReceiveArrivalTime(t *testing.T) {
	s := newTestSession(t, testPool(t))
	pr := newPeer(t, s.LocalAddr())
	sent := time.Now()
	pr.send(pr.packet(0, false, make([]byte, 160)))
	time.Sleep(40 * time.Millisecond)
	sink := &countSink{}
	var p rtp.Packet
	read := time.Now()
	if n, err := s.receive(newRxBatch(), &p, sink); n != 1 || err != nil {
		t.Fatalf("receive: %d, %v", n, err)
	}
	at := sink.arrivals[0]
	if at.Before(sent.Add(-time.Millisecond)) || at.After(sent.Add(20*time.Millisecond)) || read.Sub(at) < 20*time.Millisecond {
		t.Fatalf("arrival %v after sending, read %v after it", at.Sub(sent), read.Sub(at))
	}
	if got := s.LastRTP(); !got.Equal(at) {
		t.Errorf("LastRTP %v, want the arrival %v", got, at)
	}
}

func TestArrivalFallback(t *testing.T) {
	rx := newRxBatch()
	now := time.Now()
	rx.prepare()
	rx.msgs[0].Hdr.SetControllen(0) // no control message
	if got := rx.arrival(0, now); !got.Equal(now) {
		t.Errorf("no timestamp: arrival %v, want now", got)
	}
}

// Every descriptor of a session is closed with it: the raw RTP socket, its
// poller duplicate when ReadRTP made one, and the RTCP socket.
func TestSocketsReleased(t *testing.T) {
	pool := testPool(t)
	for _, tc := range []struct {
		name string
		use  func(t *testing.T, s *Session)
	}{
		{"leg reading in its tick", func(t *testing.T, s *Session) {
			codec, _ := media.NewCodec("PCMU")
			pr := newPeer(t, s.LocalAddr())
			s.SetRemote(pr.addr(), pr.rtcpAddr())
			leg := NewLeg(s, codec, LegConfig{})
			for range 5 {
				pr.send(pr.packet(0, false, make([]byte, 160)))
			}
			checkFor(t, time.Second, func() error {
				if n := leg.Stats().PacketsIn; n != 5 {
					return fmt.Errorf("%d packets in", n)
				}
				return nil
			})
			leg.Hangup(context.Background())
		}},
		{"ReadRTP", func(t *testing.T, s *Session) {
			pr := newPeer(t, s.LocalAddr())
			pr.send(pr.packet(0, false, []byte{1}))
			if _, err := readOne(t, s, time.Second); err != nil {
				t.Fatal(err)
			}
			s.Close()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := openFDs(t)
			ep, err := pool.Open(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewSession(ep, 8000)
			if err != nil {
				t.Fatal(err)
			}
			peerFDs := 2 // the test peer's sockets, closed at cleanup
			tc.use(t, s)
			checkFor(t, 2*time.Second, func() error {
				if n := openFDs(t) - peerFDs; n > before {
					return fmt.Errorf("%d descriptors open, %d before", n, before)
				}
				return nil
			})
			if pool.InUse() != 0 {
				t.Error("port pair not back in the pool")
			}
			checkNoLeaks(t)
		})
	}
}

// BenchmarkReceiveBatch is a tick's read of one leg's socket with one
// packet queued: recvmmsg, kernel timestamp, checks and parsing, jitter
// buffer push (and the test peer's send on loopback).
func BenchmarkReceiveBatch(b *testing.B) {
	ep, err := testPool(b).Open(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	sess, _ := NewSession(ep, 8000)
	codec, _ := media.NewCodec("PCMU")
	leg, err := newLeg(sess, codec, LegConfig{RTPTimeout: -1})
	if err != nil {
		b.Fatal(err)
	}
	defer sess.Close()
	pr := newPeer(b, ep.Addr())
	pkts := make([][]byte, 64)
	for i := range pkts {
		pkts[i] = pr.packet(0, false, make([]byte, 160))
	}
	rx := newRxBatch()
	var p rtp.Packet
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		pr.send(pkts[i%len(pkts)])
		i++
		if n, err := sess.receive(rx, &p, leg); n != 1 || err != nil {
			b.Fatalf("receive: %d, %v", n, err)
		}
	}
}
