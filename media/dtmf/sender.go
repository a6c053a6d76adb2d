package dtmf

import (
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// EndPackets is how many times the final packet of an event is sent
// (RFC 4733 §2.5.1.4).
const EndPackets = 3

// Packet is one telephone-event packet to send. Every packet of an event
// carries the same RTP timestamp: the event's start.
type Packet struct {
	Event
	// Marker is set on the first packet of the event only.
	Marker bool
	// Offset is when to send the packet, from the first one: packets are
	// sent every media.FrameDuration.
	Offset time.Duration
}

// Packets returns the packets that send digit for d at clockRate: a first
// packet with the marker bit, one update every 20 ms whose duration grows
// by one frame, then EndPackets end packets holding the total duration.
// d is rounded to the clock and must fit the 16-bit duration field (8.19 s
// at 8 kHz); longer events would need segments, which are not sent.
func Packets(digit rune, d time.Duration, clockRate int, volume uint8) ([]Packet, error) {
	code, ok := Code(digit)
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrDigit, digit)
	}
	if clockRate <= 0 {
		return nil, fmt.Errorf("%w: clock rate %d", ErrDigit, clockRate)
	}
	total := int64(d) * int64(clockRate) / int64(time.Second)
	if total < 1 || total > 0xffff {
		return nil, fmt.Errorf("%w: duration %v at %d Hz", ErrDigit, d, clockRate)
	}
	step := int64(media.FrameDuration) * int64(clockRate) / int64(time.Second)
	volume = min(volume, 63)
	var out []Packet
	add := func(dur int64, end bool) {
		out = append(out, Packet{
			Event:  Event{Code: code, End: end, Volume: volume, Duration: uint16(dur)},
			Marker: len(out) == 0,
			Offset: time.Duration(len(out)) * media.FrameDuration,
		})
	}
	for dur := step; dur < total; dur += step {
		add(dur, false)
	}
	for range EndPackets {
		add(total, true)
	}
	return out, nil
}
