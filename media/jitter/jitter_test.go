package jitter

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// arrival is one packet of a simulated network trace.
type arrival struct {
	seq  uint16
	ts   uint32
	at   time.Duration // arrival time since t0
	ssrc uint32
	size int // payload bytes (default 4)
}

// stream returns n packets of dur timestamp units each, sent every dur at
// clock rate 8000 and arriving after delay(i).
func stream(n int, seq0 uint16, ts0 uint32, dur int, delay func(i int) time.Duration) []arrival {
	out := make([]arrival, n)
	for i := range out {
		out[i] = arrival{
			seq: seq0 + uint16(i),
			ts:  ts0 + uint32(i*dur),
			at:  time.Duration(i*dur)*time.Second/8000 + delay(i),
		}
	}
	return out
}

func constDelay(time.Duration) func(int) time.Duration {
	return func(int) time.Duration { return 0 }
}

// result is one Pop.
type result struct {
	st  Status
	seq uint16
	ts  uint32
}

func (r result) String() string {
	if r.st == OK {
		return fmt.Sprint(r.seq)
	}
	return map[Status]string{Lost: "L", Waiting: "W"}[r.st]
}

// simulate pushes the packets at their arrival times and pops every 20 ms
// (after the pushes due at that instant) for pops periods.
func simulate(t *testing.T, b *Buffer, pkts []arrival, pops int) []result {
	t.Helper()
	pkts = slices.Clone(pkts)
	slices.SortStableFunc(pkts, func(a, b arrival) int { return int(a.at - b.at) })
	var out []result
	k := 0
	for i := range pops {
		now := t0.Add(time.Duration(i) * 20 * time.Millisecond)
		for ; k < len(pkts) && !t0.Add(pkts[k].at).After(now); k++ {
			p := pkts[k]
			size := p.size
			if size == 0 {
				size = 4
			}
			payload := make([]byte, size)
			payload[0], payload[1] = byte(p.seq>>8), byte(p.seq)
			b.Push(Packet{SequenceNumber: p.seq, Timestamp: p.ts, SSRC: p.ssrc, Payload: payload, Arrival: t0.Add(p.at)})
		}
		f, st := b.Pop(now)
		if st == OK {
			if got := uint16(f.Payload[0])<<8 | uint16(f.Payload[1]); got != f.SequenceNumber {
				t.Fatalf("pop %d: payload of seq %d in frame of seq %d", i, got, f.SequenceNumber)
			}
		}
		out = append(out, result{st, f.SequenceNumber, f.Timestamp})
	}
	return out
}

func join(rs []result) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = r.String()
	}
	return strings.Join(s, " ")
}

func newBuffer(t testing.TB, cfg Config) *Buffer {
	t.Helper()
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPlayout(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name  string
		pkts  []arrival
		pops  int
		want  string
		stats Stats // only the counters checked below
	}{{
		name: "in order",
		pkts: stream(5, 10, 1000, 160, constDelay(0)),
		pops: 8,
		want: "W W 10 11 12 13 14 L",
	}, {
		name: "reordered within the delay",
		pkts: func() []arrival {
			p := stream(6, 10, 1000, 160, constDelay(0))
			p[2].at = p[3].at + 5*ms // 12 arrives after 13
			p[4].at += 15 * ms
			return p
		}(),
		pops:  8,
		want:  "W W 10 11 12 13 14 15",
		stats: Stats{Reordered: 1},
	}, {
		name: "duplicates",
		pkts: func() []arrival {
			p := stream(4, 10, 1000, 160, constDelay(0))
			return append(p, p[1], p[2], arrival{seq: 11, ts: 1160, at: 100 * ms})
		}(),
		pops:  6,
		want:  "W W 10 11 12 13",
		stats: Stats{Duplicate: 3},
	}, {
		name: "late packet",
		pkts: func() []arrival {
			p := stream(6, 10, 1000, 160, constDelay(0))
			p[2].at += 50 * ms // due at 80 ms, arrives at 90 ms
			return p
		}(),
		pops: 8,
		// The late packet shows 50 ms of jitter: the buffer grows by
		// inserting a frame.
		want:  "W W 10 11 L W 13 14",
		stats: Stats{Late: 1, Lost: 1, Reordered: 1, Inserted: 1},
	}, {
		name: "loss is concealed",
		pkts: func() []arrival {
			p := stream(8, 10, 1000, 160, constDelay(0))
			return slices.Delete(p, 3, 5) // 13, 14 never arrive
		}(),
		pops:  10,
		want:  "W W 10 11 12 L L 15 16 17",
		stats: Stats{Lost: 2},
	}, {
		name: "sequence wraps 65535 to 0",
		pkts: stream(6, 65533, 1000, 160, constDelay(0)),
		pops: 8,
		want: "W W 65533 65534 65535 0 1 2",
	}, {
		name: "timestamp wraps",
		pkts: stream(6, 10, 1<<32-320, 160, constDelay(0)),
		pops: 8,
		want: "W W 10 11 12 13 14 15",
	}, {
		name: "loss across both wraps",
		pkts: func() []arrival {
			p := stream(6, 65534, 1<<32-320, 160, constDelay(0))
			return slices.Delete(p, 2, 3) // seq 0, ts 0
		}(),
		pops:  8,
		want:  "W W 65534 65535 L 1 2 3",
		stats: Stats{Lost: 1},
	}, {
		name: "SSRC change starts a new stream",
		pkts: func() []arrival {
			p := stream(4, 10, 1000, 160, constDelay(0))
			q := stream(4, 5000, 90000, 160, func(int) time.Duration { return 80 * ms })
			for i := range q {
				q[i].ssrc = 7
			}
			return append(p, q...)
		}(),
		pops:  10,
		want:  "W W 10 11 W W 5000 5001 5002 5003",
		stats: Stats{Resets: 1},
	}, {
		name: "huge forward jump starts a new stream",
		pkts: func() []arrival {
			p := stream(4, 10, 1000, 160, constDelay(0))
			q := stream(4, 20000, 1000+8000*3600, 160, func(int) time.Duration { return 80 * ms })
			return append(p, q...)
		}(),
		pops:  10,
		want:  "W W 10 11 W W 20000 20001 20002 20003",
		stats: Stats{Resets: 1},
	}, {
		name: "stray packet far behind is dropped",
		pkts: func() []arrival {
			p := stream(6, 10000, 800000, 160, constDelay(0))
			return append(p, arrival{seq: 10, ts: 1000, at: 30 * ms})
		}(),
		pops:  8,
		want:  "W W 10000 10001 10002 10003 10004 10005",
		stats: Stats{Late: 1},
	}, {
		name: "30 ms packets",
		pkts: stream(6, 10, 1000, 240, constDelay(0)),
		pops: 12,
		// 180 ms of audio handed out over 9 periods: the caller keeps
		// what a packet decodes to beyond one frame.
		want: "W W 10 11 W 12 13 W 14 15 W L",
	}, {
		name: "10 ms packets",
		pkts: stream(8, 10, 1000, 80, constDelay(0)),
		pops: 6,
		want: "W W 10 11 12 13",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuffer(t, Config{})
			if got := join(simulate(t, b, tt.pkts, tt.pops)); got != tt.want {
				t.Errorf("pops\n got %s\nwant %s", got, tt.want)
			}
			s := b.Stats()
			if s.Received != uint64(len(tt.pkts)) {
				t.Errorf("Received = %d, want %d", s.Received, len(tt.pkts))
			}
			check := func(name string, got, want uint64) {
				if got != want {
					t.Errorf("%s = %d, want %d", name, got, want)
				}
			}
			check("Late", s.Late, tt.stats.Late)
			check("Duplicate", s.Duplicate, tt.stats.Duplicate)
			check("Reordered", s.Reordered, tt.stats.Reordered)
			check("Resets", s.Resets, tt.stats.Resets)
			check("Inserted", s.Inserted, tt.stats.Inserted)
			if tt.stats.Lost != 0 {
				check("Lost", s.Lost, tt.stats.Lost)
			}
		})
	}
}

// TestDTXGap: after a pause longer than MaxDelay the buffer refills
// instead of concealing forever, then resumes at the new talkspurt.
func TestDTXGap(t *testing.T) {
	b := newBuffer(t, Config{})
	p := stream(3, 10, 1000, 160, constDelay(0))
	q := stream(3, 13, 1000+160*3+8000, 160, func(int) time.Duration { return time.Second })
	got := join(simulate(t, b, append(p, q...), 70))
	want := "W W 10 11 12" + strings.Repeat(" L", 10) + strings.Repeat(" W", 37) +
		" 13 14 15" + strings.Repeat(" L", 10) + strings.Repeat(" W", 5)
	if got != want {
		t.Errorf("pops\n got %s\nwant %s", got, want)
	}
	if s := b.Stats(); s.Resets != 0 {
		t.Errorf("Resets = %d, want 0", s.Resets)
	}
}

// TestOverflow: the buffer never holds more than Capacity packets.
func TestOverflow(t *testing.T) {
	b := newBuffer(t, Config{Capacity: 8})
	for i := range 20 {
		b.Push(Packet{SequenceNumber: uint16(i), Timestamp: uint32(i * 160), Payload: []byte{1}, Arrival: t0})
	}
	s := b.Stats()
	if s.Buffered != 8 || s.Overflow != 12 {
		t.Fatalf("Buffered %d Overflow %d, want 8 and 12", s.Buffered, s.Overflow)
	}
	if got := b.pkts[0].rawSeq; got != 12 {
		t.Fatalf("oldest kept is %d, want 12", got)
	}
}

// TestPayloadCopied: Push copies, so the caller may reuse its buffer.
func TestPayloadCopied(t *testing.T) {
	b := newBuffer(t, Config{InitialDelay: 20 * time.Millisecond})
	buf := []byte{1, 2, 3}
	b.Push(Packet{SequenceNumber: 1, Timestamp: 160, Payload: buf, Arrival: t0})
	buf[0] = 9
	f, st := b.Pop(t0.Add(20 * time.Millisecond))
	if st != OK || string(f.Payload) != "\x01\x02\x03" {
		t.Fatalf("Pop = %v %v", st, f.Payload)
	}
}

// bursty delays: after a calm second, every 400 ms the network stalls for
// up to 120 ms and then delivers the backlog at once.
func bursty(i int) time.Duration {
	if i < 50 {
		return 0
	}
	phase := (i % 20) * 20
	if phase < 120 {
		return time.Duration(120-phase) * time.Millisecond
	}
	return 0
}

func TestAdaptation(t *testing.T) {
	const burstS, calmS = 10, 20
	burst := stream(burstS*50, 0, 0, 160, bursty)
	calm := stream(calmS*50, burstS*50, burstS*50*160, 160, constDelay(0))
	b := newBuffer(t, Config{})

	res := simulate(t, b, burst, burstS*50)
	s1 := b.Stats()
	t.Logf("after bursts: %+v", s1)
	if s1.DelayMS < 100 {
		t.Errorf("target delay %.1f ms after bursts, want ≥ 100", s1.DelayMS)
	}
	if s1.LevelMS < 100 {
		t.Errorf("playout delay %.1f ms after bursts, want ≥ 100", s1.LevelMS)
	}
	if s1.Inserted == 0 {
		t.Error("no frame inserted to grow the delay")
	}
	// Once grown, bursts cost nothing: no loss over the last 5 s.
	if n := strings.Count(join(res[len(res)-250:]), "L"); n != 0 {
		t.Errorf("%d frames lost in the last 5 s of bursts", n)
	}

	// Continue on the same clock with a calm network.
	for i := range calm {
		calm[i].at += burstS * time.Second
	}
	pops := 0
	k := 0
	for i := burstS * 50; i < (burstS+calmS)*50; i++ {
		now := t0.Add(time.Duration(i) * 20 * time.Millisecond)
		for ; k < len(calm) && !t0.Add(calm[k].at).After(now); k++ {
			b.Push(Packet{SequenceNumber: calm[k].seq, Timestamp: calm[k].ts, Payload: []byte{0, 0}, Arrival: t0.Add(calm[k].at)})
		}
		if _, st := b.Pop(now); st != OK {
			pops++
		}
	}
	s2 := b.Stats()
	t.Logf("after calm: %+v", s2)
	if s2.DelayMS > 30 {
		t.Errorf("target delay %.1f ms after %d s calm, want ≤ 30", s2.DelayMS, calmS)
	}
	if s2.LevelMS > 45 {
		t.Errorf("playout delay %.1f ms after calm, want ≤ 45", s2.LevelMS)
	}
	if got := s2.Skipped - s1.Skipped; got > calmS {
		t.Errorf("%d frames skipped in %d s, want at most one a second", got, calmS)
	}
	if s2.Lost != s1.Lost {
		t.Errorf("%d frames lost while calm", s2.Lost-s1.Lost)
	}
}

func TestConfig(t *testing.T) {
	bad := []Config{
		{InitialDelay: 80 * time.Millisecond},
		{MinDelay: 100 * time.Millisecond, MaxDelay: 50 * time.Millisecond},
		{ClockRate: 10},
		{FrameSamples: -1},
		{Capacity: -1},
	}
	for _, c := range bad {
		if _, err := New(c); !errors.Is(err, ErrConfig) {
			t.Errorf("New(%+v) = %v, want ErrConfig", c, err)
		}
	}
	if _, err := New(Config{ClockRate: 48000, FrameSamples: 960}); err != nil {
		t.Error(err)
	}
}

func FuzzJitter(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{255, 255, 0, 0, 128, 1, 7, 7, 7, 200, 3, 3})
	f.Fuzz(func(t *testing.T, ops []byte) {
		b, err := New(Config{Capacity: 16})
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(uint64(len(ops)), 1))
		now := t0
		seq, ts := uint16(r.Uint32()), r.Uint32()
		for _, op := range ops {
			switch op % 8 {
			case 0, 1, 2: // next packet, maybe with a small jump
				seq += uint16(op >> 5)
				ts += 160 * uint32(op>>5)
			case 3: // arbitrary jump
				seq += uint16(r.Uint32())
				ts += r.Uint32()
			case 4: // back in time
				seq -= uint16(op >> 3)
				ts -= 160 * uint32(op>>3)
			case 5:
				f, st := b.Pop(now)
				if st != OK && len(f.Payload) != 0 {
					t.Fatalf("payload with status %v", st)
				}
				now = now.Add(20 * time.Millisecond)
				continue
			case 6:
				now = now.Add(time.Duration(op) * time.Millisecond)
				continue
			}
			b.Push(Packet{SequenceNumber: seq, Timestamp: ts, SSRC: uint32(op % 3 / 2), Payload: make([]byte, op%40), Arrival: now})
			if s := b.Stats(); s.Buffered > 16 {
				t.Fatalf("%d packets buffered, capacity 16", s.Buffered)
			}
		}
		if n := len(b.free) + len(b.pkts); n > 17 {
			t.Fatalf("%d payload buffers", n)
		}
	})
}

func BenchmarkPushPop(b *testing.B) {
	buf := newBuffer(b, Config{})
	payload := make([]byte, 160)
	now := t0
	var seq uint16
	var ts uint32
	b.ReportAllocs()
	for b.Loop() {
		buf.Push(Packet{SequenceNumber: seq, Timestamp: ts, SSRC: 1, Payload: payload, Arrival: now})
		buf.Pop(now)
		seq++
		ts += 160
		now = now.Add(20 * time.Millisecond)
	}
}
