package dtmf

import (
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// Receiver turns the telephone-event packets of one RTP stream into digits,
// exactly one media.DTMF per event. An event is identified by its RTP
// timestamp; the marker bit is not relied on. A digit is emitted when the
// event ends: on its first end packet (retransmitted end packets are
// ignored, and an event whose start packets were lost is emitted on its end
// packet), or, for an event whose end packets were all lost, when the next
// event starts or when Flush finds it stale. A Receiver is not safe for
// concurrent use.
type Receiver struct {
	rate float64
	base uint32

	have    bool   // an event is current
	ts      uint32 // its RTP timestamp
	code    uint8
	dur     uint32 // duration so far, summed over segments
	segDur  uint16 // duration of the current segment
	ended   bool   // an end packet was seen
	emitted bool
}

// FlushAfter is how long after the last reported duration of an event
// without an end packet Flush emits it.
const FlushAfter = 500 * time.Millisecond

// NewReceiver returns a Receiver for a stream with the given RTP clock rate
// whose timestamp base (media time 0) is base.
func NewReceiver(clockRate int, base uint32) *Receiver {
	if clockRate <= 0 {
		clockRate = 8000
	}
	return &Receiver{rate: float64(clockRate), base: base}
}

// Packet takes one telephone-event packet: its RTP timestamp, marker bit
// and payload. It returns a digit when one is complete. Malformed payloads
// and non-DTMF events return an error wrapping media.ErrBadPacket and leave
// the state unchanged. Packets of an event older than the current one are
// ignored.
func (r *Receiver) Packet(ts uint32, marker bool, payload []byte) (media.DTMF, bool, error) {
	_ = marker // events are told apart by timestamp: some senders omit it
	e, err := DecodeEvent(payload)
	if err != nil {
		return media.DTMF{}, false, err
	}
	if r.have && ts == r.ts {
		if e.Code != r.code {
			return media.DTMF{}, false, nil // inconsistent: keep the first
		}
		r.segDur = max(r.segDur, e.Duration)
		if e.End {
			r.ended = true
		}
		if r.ended && !r.emitted {
			return r.emit(), true, nil
		}
		return media.DTMF{}, false, nil
	}
	if r.have && int32(ts-r.ts) < 0 {
		return media.DTMF{}, false, nil // a late packet of an earlier event
	}
	// RFC 4733 §2.5.1.3: a long event continues in a new segment whose
	// timestamp is the previous one plus its duration.
	if r.have && !r.ended && e.Code == r.code && ts-r.ts == uint32(r.segDur) && r.segDur != 0 {
		r.dur += uint32(r.segDur)
		r.ts, r.segDur = ts, e.Duration
		if e.End {
			r.ended = true
			return r.emit(), true, nil
		}
		return media.DTMF{}, false, nil
	}

	// A new event. The previous one, if never ended, is emitted now.
	var prev media.DTMF
	hadPrev := r.have && !r.emitted
	if hadPrev {
		prev = r.emit()
	}
	*r = Receiver{rate: r.rate, base: r.base, have: true, ts: ts, code: e.Code, segDur: e.Duration, ended: e.End}
	switch {
	case hadPrev:
		// If the new event has already ended it is emitted on its next
		// (retransmitted) end packet, or by Flush.
		return prev, true, nil
	case e.End:
		return r.emit(), true, nil
	}
	return media.DTMF{}, false, nil
}

// Flush emits the current event if it has not been emitted and either has
// ended or, at RTP time now, has had no update for FlushAfter. Call it
// periodically (a silent event stream) and when the stream ends; pass the
// current event's own timestamp plus a large value to force it.
func (r *Receiver) Flush(now uint32) (media.DTMF, bool) {
	if !r.have || r.emitted {
		return media.DTMF{}, false
	}
	idle := int64(int32(now-r.ts)) - int64(r.segDur)
	if !r.ended && float64(idle) < FlushAfter.Seconds()*r.rate {
		return media.DTMF{}, false
	}
	return r.emit(), true
}

func (r *Receiver) emit() media.DTMF {
	r.emitted = true
	start := r.ts - r.base - r.dur // the first segment's timestamp
	return media.DTMF{
		Digit:     Digit(r.code),
		Duration:  time.Duration(float64(r.dur+uint32(r.segDur)) / r.rate * float64(time.Second)),
		Timestamp: time.Duration(float64(start) / r.rate * float64(time.Second)),
	}
}
