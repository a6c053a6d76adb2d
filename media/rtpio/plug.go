package rtpio

import (
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/dtmf"
)

// JitterBuffer orders received audio payloads for playout. The Leg pushes
// every audio packet as it arrives and pops one payload per 20 ms tick
// (more when a payload holds less than a frame); ok false means nothing is
// due (lost or not yet arrived), and the Leg conceals. The Leg serialises
// calls. Push must copy payload if it keeps it: the slice is reused.
// media/jitter provides the adaptive implementation; NewFIFO is a trivial
// fallback.
type JitterBuffer interface {
	Push(seq uint16, ts uint32, ssrc uint32, marker bool, payload []byte, arrival time.Time)
	Pop(now time.Time) (payload []byte, ok bool)
}

// DelayShifter is a JitterBuffer that reports how much it has changed
// its playout delay since it started (frames inserted minus frames
// dropped, as a duration). The Leg passes each change on to a receiver
// that is a media.DelayObserver.
type DelayShifter interface {
	DelayShift() time.Duration
}

// DTMFReceiver turns RFC 4733 telephone-event payloads into digits: it
// returns ok true once per digit. Errors wrap media.ErrBadPacket. media/dtmf
// provides it (dtmf.NewReceiver, the default).
type DTMFReceiver interface {
	Packet(ts uint32, marker bool, payload []byte) (media.DTMF, bool, error)
}

// DTMFSender builds the RFC 4733 payloads of one digit lasting d at the
// given RTP clock rate: one per 20 ms packet, end packets included.
// EventPayloads is the built-in implementation.
type DTMFSender func(digit rune, d time.Duration, clockRate int) ([][]byte, error)

// FIFO is a JitterBuffer fallback with no reordering: payloads play in
// arrival order. It waits for Prime packets before the first playout, and
// keeps at most Depth (dropping the oldest) so latency stays bounded.
type FIFO struct {
	ring    [][]byte
	head, n int
	primed  bool
	prime   int
	dropped uint64
}

// NewFIFO returns a FIFO that holds depth payloads (10 if depth <= 0) and
// starts playing once 2 have arrived.
func NewFIFO(depth int) *FIFO {
	if depth <= 0 {
		depth = 10
	}
	return &FIFO{ring: make([][]byte, depth), prime: min(2, depth)}
}

// Push copies payload in.
func (b *FIFO) Push(_ uint16, _ uint32, _ uint32, _ bool, payload []byte, _ time.Time) {
	if b.n == len(b.ring) {
		b.head = (b.head + 1) % len(b.ring)
		b.n--
		b.dropped++
	}
	i := (b.head + b.n) % len(b.ring)
	b.ring[i] = append(b.ring[i][:0], payload...)
	b.n++
}

// Pop returns the oldest payload; it stays valid until the next Push.
func (b *FIFO) Pop(time.Time) ([]byte, bool) {
	if !b.primed {
		if b.n < b.prime {
			return nil, false
		}
		b.primed = true
	}
	if b.n == 0 {
		return nil, false
	}
	p := b.ring[b.head]
	b.head = (b.head + 1) % len(b.ring)
	b.n--
	return p, true
}

// Dropped returns how many payloads were dropped because the FIFO was full.
func (b *FIFO) Dropped() uint64 { return b.dropped }

// EventPayloads is the built-in DTMFSender: media/dtmf's packet sequence
// (one payload per 20 ms with a growing duration, the end packet three
// times) at volume -10 dBm0.
func EventPayloads(digit rune, d time.Duration, clockRate int) ([][]byte, error) {
	if clockRate <= 0 {
		return nil, fmt.Errorf("rtpio: DTMF at clock rate %d", clockRate)
	}
	pkts, err := dtmf.Packets(digit, d, clockRate, 10)
	if err != nil {
		return nil, fmt.Errorf("rtpio: %w", err)
	}
	out := make([][]byte, len(pkts))
	for i, p := range pkts {
		out[i] = p.Encode(nil)
	}
	return out, nil
}
