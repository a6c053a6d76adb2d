package webrtc

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// digits maps RFC 4733 event codes 0-15 to keypad digits.
const digits = "0123456789*#ABCD"

// eventCode returns the RFC 4733 event code of digit (case-insensitive
// for A-D).
func eventCode(digit rune) (uint8, bool) {
	if digit >= 'a' && digit <= 'd' {
		digit -= 'a' - 'A'
	}
	i := strings.IndexRune(digits, digit)
	if i < 0 {
		return 0, false
	}
	return uint8(i), true
}

// event is one RFC 4733 telephone-event payload (section 2.3).
type event struct {
	Code     uint8
	End      bool
	Volume   uint8  // -dBm0, 0-63
	Duration uint16 // in RTP clock units since the event's timestamp
}

// parseEvent decodes a telephone-event payload. Extra bytes (several
// events in one packet, RFC 4733 section 2.5.1.5) are ignored.
func parseEvent(b []byte) (event, error) {
	if len(b) < 4 {
		return event{}, fmt.Errorf("%w: telephone-event of %d bytes", media.ErrBadPacket, len(b))
	}
	return event{
		Code:     b[0],
		End:      b[1]&0x80 != 0,
		Volume:   b[1] & 0x3f,
		Duration: binary.BigEndian.Uint16(b[2:4]),
	}, nil
}

// appendEvent encodes e.
func appendEvent(dst []byte, e event) []byte {
	b1 := e.Volume & 0x3f
	if e.End {
		b1 |= 0x80
	}
	return binary.BigEndian.AppendUint16(append(dst, e.Code, b1), e.Duration)
}

// eventDecoder turns a stream of telephone-event packets into one digit
// per event. Packets of one event share an RTP timestamp; the sender
// repeats the end packet (usually three times) and we report the digit at
// the first end packet, or when a new event starts before the previous one
// ended (its end packets were lost).
type eventDecoder struct {
	clock   int    // RTP clock rate
	started bool   // cur is valid
	cur     uint32 // timestamp of the current event
	code    uint8
	dur     uint16
	done    bool // cur has been reported
}

// decode takes one packet's timestamp and payload and returns the digit
// to report, if any, with its duration. base is the RTP timestamp of the
// stream's first packet, to compute the media time of the digit.
func (d *eventDecoder) decode(ts, base uint32, payload []byte) ([]media.DTMF, error) {
	e, err := parseEvent(payload)
	if err != nil {
		return nil, err
	}
	if e.Code >= uint8(len(digits)) {
		return nil, nil // not a keypad digit (flash, tones): ignore
	}
	var out []media.DTMF
	if !d.started || ts != d.cur {
		if d.started && !d.done && int32(ts-d.cur) > 0 {
			out = append(out, d.digit(base)) // previous event lost its end
		}
		if d.started && int32(ts-d.cur) < 0 {
			return out, nil // a late packet of an older event
		}
		d.started, d.cur, d.code, d.dur, d.done = true, ts, e.Code, e.Duration, false
	}
	if e.Duration > d.dur {
		d.dur = e.Duration
	}
	if e.End && !d.done {
		d.done = true
		out = append(out, d.digit(base))
	}
	return out, nil
}

func (d *eventDecoder) digit(base uint32) media.DTMF {
	clock := d.clock
	if clock <= 0 {
		clock = media.Rate8k
	}
	return media.DTMF{
		Digit:     rune(digits[d.code]),
		Duration:  time.Duration(d.dur) * time.Second / time.Duration(clock),
		Timestamp: time.Duration(d.cur-base) * time.Second / time.Duration(clock),
	}
}

// dtmfSource says where a digit came from, for deduplication.
type dtmfSource int

const (
	fromRTP dtmfSource = iota
	fromDataChannel
)

// dedup drops a digit that already arrived on the other path: the phone
// page sends every key both as telephone-event and on the data channel.
// Each delivered digit can cancel at most one digit from the other path
// within window, first in first out, so "55" pressed quickly still gives
// two fives.
type dedup struct {
	window  time.Duration
	pending [2][]pendingDigit // by source: delivered, not yet matched
}

type pendingDigit struct {
	digit rune
	at    time.Time
}

// admit reports whether a digit from src at now should be delivered.
func (d *dedup) admit(src dtmfSource, digit rune, now time.Time) bool {
	if d.window < 0 {
		return true
	}
	other := &d.pending[1-src]
	// Forget expired digits of both paths.
	for i := range d.pending {
		p := d.pending[i][:0]
		for _, x := range d.pending[i] {
			if now.Sub(x.at) <= d.window {
				p = append(p, x)
			}
		}
		d.pending[i] = p
	}
	for i, x := range *other {
		if x.digit == digit {
			*other = append((*other)[:i], (*other)[i+1:]...)
			return false
		}
	}
	if len(d.pending[src]) < 64 {
		d.pending[src] = append(d.pending[src], pendingDigit{digit, now})
	}
	return true
}
