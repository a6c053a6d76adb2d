package webrtc

import (
	"sync"
	"time"
)

// Stats are a leg's RTP counters, from the leg's own accounting (not
// RTCP): what we sent, what arrived, and the receive quality.
type Stats struct {
	// PacketsOut and BytesOut count RTP packets (audio and
	// telephone-event) sent, payload bytes only.
	PacketsOut, BytesOut uint64
	// PacketsIn and BytesIn count RTP packets received.
	PacketsIn, BytesIn uint64
	// Lost is the number of packets expected from the sequence numbers
	// but not received (RFC 3550 cumulative loss, never negative).
	Lost int64
	// Jitter is the RFC 3550 interarrival jitter of the audio packets.
	Jitter time.Duration
	// Late counts packets that arrived after their playout time;
	// Concealed counts 20 ms frames of silence played for missing audio.
	Late, Concealed uint64
	// DTMFIn counts digits delivered to the receiver (after
	// deduplication).
	DTMFIn uint64
}

// counters accumulates Stats; the receive loop, the pacer and the playout
// loop update it concurrently.
type counters struct {
	mu sync.Mutex
	s  Stats

	// RFC 3550 appendix A.1/A.8 state.
	started      bool
	baseSeq      uint64
	maxSeq       uint64 // extended
	received     uint64
	firstTS      uint32
	jitter       float64 // in RTP clock units
	lastTransit  float64
	haveTransit  bool
	firstArrival time.Time
}

func (c *counters) sent(n int) {
	c.mu.Lock()
	c.s.PacketsOut++
	c.s.BytesOut += uint64(n)
	c.mu.Unlock()
}

// receivedPacket records an incoming packet with its extended sequence number;
// audio packets also update the jitter estimate.
func (c *counters) receivedPacket(ext uint64, ts uint32, clock int, n int, audio bool, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.s.PacketsIn++
	c.s.BytesIn += uint64(n)
	c.received++
	if !c.started {
		c.started, c.baseSeq, c.maxSeq, c.firstArrival, c.firstTS = true, ext, ext, at, ts
	}
	if ext > c.maxSeq {
		c.maxSeq = ext
	}
	if ext < c.baseSeq {
		c.baseSeq = ext
	}
	expected := int64(c.maxSeq - c.baseSeq + 1)
	c.s.Lost = max(expected-int64(c.received), 0)
	if !audio || clock <= 0 {
		return
	}
	arrival := at.Sub(c.firstArrival).Seconds() * float64(clock)
	transit := arrival - float64(int32(ts-c.firstTS))
	if c.haveTransit {
		d := transit - c.lastTransit
		if d < 0 {
			d = -d
		}
		c.jitter += (d - c.jitter) / 16
		c.s.Jitter = time.Duration(c.jitter / float64(clock) * float64(time.Second))
	}
	c.lastTransit, c.haveTransit = transit, true
}

func (c *counters) add(f func(s *Stats)) {
	c.mu.Lock()
	f(&c.s)
	c.mu.Unlock()
}

func (c *counters) snapshot() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.s
}
