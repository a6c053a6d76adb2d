package dtmf

import (
	"errors"
	"fmt"

	"github.com/switchboard-voice/switchboard/media"
)

// ErrUnknownEvent is wrapped (with media.ErrBadPacket) when a
// telephone-event is not a DTMF digit (codes above 15, such as flash).
var ErrUnknownEvent = errors.New("dtmf: not a DTMF event")

// ErrDigit is wrapped when a rune is not a DTMF digit or a duration is out
// of range.
var ErrDigit = errors.New("dtmf: invalid digit or duration")

// EventSize is the size of an RFC 4733 telephone-event payload.
const EventSize = 4

// Event is one RFC 4733 telephone-event payload (§2.3).
type Event struct {
	// Code is the event: 0-9, 10 '*', 11 '#', 12-15 'A'-'D'.
	Code uint8
	// End is set on the final packets of the event.
	End bool
	// Volume is the power level in -dBm0 (0-63).
	Volume uint8
	// Duration so far, in RTP timestamp units.
	Duration uint16
}

// DecodeEvent decodes the first event of a telephone-event payload. It
// fails, wrapping media.ErrBadPacket, on payloads shorter than 4 bytes and
// on codes above 15 (also wrapping ErrUnknownEvent; the Event is returned
// decoded so the caller may still use it).
func DecodeEvent(payload []byte) (Event, error) {
	if len(payload) < EventSize {
		return Event{}, fmt.Errorf("%w: telephone-event of %d bytes", media.ErrBadPacket, len(payload))
	}
	e := Event{
		Code:     payload[0],
		End:      payload[1]&0x80 != 0,
		Volume:   payload[1] & 0x3f,
		Duration: uint16(payload[2])<<8 | uint16(payload[3]),
	}
	if e.Code > 15 {
		return e, fmt.Errorf("%w: %w: event %d", media.ErrBadPacket, ErrUnknownEvent, e.Code)
	}
	return e, nil
}

// Encode appends the 4-byte payload to dst. Volume is truncated to 6 bits;
// the reserved bit is zero.
func (e Event) Encode(dst []byte) []byte {
	b1 := e.Volume & 0x3f
	if e.End {
		b1 |= 0x80
	}
	return append(dst, e.Code, b1, byte(e.Duration>>8), byte(e.Duration))
}

const digits = "0123456789*#ABCD"

// Digit returns the keypad rune of an event code, or 0 above 15.
func Digit(code uint8) rune {
	if int(code) >= len(digits) {
		return 0
	}
	return rune(digits[code])
}

// Code returns the event code of a keypad rune (0-9, *, #, A-D; a-d are
// accepted too).
func Code(digit rune) (uint8, bool) {
	if digit >= 'a' && digit <= 'd' {
		digit -= 'a' - 'A'
	}
	for i := range len(digits) {
		if rune(digits[i]) == digit {
			return uint8(i), true
		}
	}
	return 0, false
}
