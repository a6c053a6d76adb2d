package rtpio

import (
	"encoding/binary"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/media"
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

// DTMFReceiver turns RFC 4733 telephone-event payloads into digits: it
// returns ok true once per digit. Errors wrap media.ErrBadPacket. media/dtmf
// provides the full implementation; NewEventDecoder is a minimal fallback.
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

// dtmfEvents maps RFC 4733 event codes 0-15 to digits.
const dtmfEvents = "0123456789*#ABCD"

// EventDecoder is a minimal RFC 4733 receiver: it reports a digit when the
// event ends (first packet with the E bit), or when a new event starts while
// the previous one never signalled its end. Events above 15 (flash, tones)
// are ignored.
type EventDecoder struct {
	clockRate int
	active    bool
	reported  bool
	ts        uint32
	event     uint8
	dur       uint16
}

// NewEventDecoder returns a decoder for a stream at clockRate (for
// durations).
func NewEventDecoder(clockRate int) *EventDecoder { return &EventDecoder{clockRate: clockRate} }

// Packet takes one telephone-event payload.
func (d *EventDecoder) Packet(ts uint32, _ bool, payload []byte) (media.DTMF, bool, error) {
	if len(payload) < 4 {
		return media.DTMF{}, false, fmt.Errorf("%w: telephone-event of %d bytes", media.ErrBadPacket, len(payload))
	}
	ev, end, dur := payload[0], payload[1]&0x80 != 0, binary.BigEndian.Uint16(payload[2:4])
	if ev >= uint8(len(dtmfEvents)) {
		return media.DTMF{}, false, nil
	}
	var out media.DTMF
	var ok bool
	if !d.active || ts != d.ts {
		if d.active && !d.reported {
			out, ok = d.digit(), true // the previous event's end packets were lost
		}
		d.active, d.reported, d.ts, d.event, d.dur = true, false, ts, ev, 0
	}
	if ev != d.event {
		return out, ok, nil // a different event reusing the timestamp: ignore
	}
	d.dur = max(d.dur, dur)
	if end && !d.reported {
		d.reported = true
		if !ok {
			return d.digit(), true, nil
		}
	}
	return out, ok, nil
}

func (d *EventDecoder) digit() media.DTMF {
	dd := media.DTMF{Digit: rune(dtmfEvents[d.event])}
	if d.clockRate > 0 {
		dd.Duration = time.Duration(d.dur) * time.Second / time.Duration(d.clockRate)
	}
	return dd
}

// EventPayloads is the built-in DTMFSender: one RFC 4733 payload per 20 ms
// with a growing duration, the last one (E bit, final duration) three times,
// at volume -10 dBm0.
func EventPayloads(digit rune, d time.Duration, clockRate int) ([][]byte, error) {
	ev := -1
	for i, c := range dtmfEvents {
		if c == digit || (c >= 'A' && c+'a'-'A' == digit) {
			ev = i
		}
	}
	if ev < 0 {
		return nil, fmt.Errorf("rtpio: %q is not a DTMF digit", digit)
	}
	if clockRate <= 0 {
		return nil, fmt.Errorf("rtpio: DTMF at clock rate %d", clockRate)
	}
	total := int64(d) * int64(clockRate) / int64(time.Second)
	if total > 0xffff {
		return nil, fmt.Errorf("rtpio: DTMF of %v is too long for one event", d)
	}
	step := int64(clockRate / 50)
	n := int((total + step - 1) / step) // packets until the end
	n = max(n, 1)
	const volume = 10
	out := make([][]byte, 0, n+2)
	for i := 1; i < n; i++ {
		out = append(out, []byte{byte(ev), volume, byte(i * int(step) >> 8), byte(i * int(step))})
	}
	for range 3 {
		out = append(out, []byte{byte(ev), 0x80 | volume, byte(total >> 8), byte(total)})
	}
	return out, nil
}
