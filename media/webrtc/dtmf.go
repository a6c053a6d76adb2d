package webrtc

import (
	"errors"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/dtmf"
)

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
	e, err := dtmf.DecodeEvent(payload)
	if errors.Is(err, dtmf.ErrUnknownEvent) {
		return nil, nil // not a keypad digit (flash, tones): ignore
	}
	if err != nil {
		return nil, err
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
		Digit:     dtmf.Digit(d.code),
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
