package webrtc

import (
	"fmt"
	"sync"
	"time"

	"github.com/pion/rtp"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/dtmf"
)

// Outbound DTMF durations.
const (
	defaultDigitDuration = 100 * time.Millisecond
	minDigitDuration     = 40 * time.Millisecond
	maxDigitDuration     = 5 * time.Second
	endRepeats           = 3 // RFC 4733 section 2.5.1.4
)

// sender owns the outbound side of a leg: a bounded sample queue written
// by WriteFrame and drained by the pacer, one frame per tick, as RTP.
type sender struct {
	track *sendTrack
	stats *counters

	mu       sync.Mutex
	enc      media.Codec
	rate     int // PCM rate of enc
	spf      int // samples per frame at rate
	tsStep   uint32
	maxQueue int // milliseconds
	queue    []int16
	conv     rateConverter // frames at other rates
	digits   []outDigit
	cur      *outDigit
	seq      uint16
	ts       uint32
	marker   bool
	buf      []byte
	frame    []int16
}

type outDigit struct {
	code     uint8
	total    uint32 // duration in RTP clock units
	start    uint32 // RTP timestamp of the event
	elapsed  uint32
	endsSent int
}

func newSender(track *sendTrack, stats *counters, maxQueue time.Duration, seq uint16, ts uint32) *sender {
	return &sender{track: track, stats: stats, seq: seq, ts: ts, marker: true,
		maxQueue: int(maxQueue / time.Millisecond)}
}

// start creates the encoder for the negotiated codec; before it, WriteFrame
// queues at 8 kHz.
func (s *sender) start(enc media.Codec) {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := enc.Info()
	old := s.rateLocked()
	s.enc, s.rate = enc, info.Rate
	s.spf = media.SamplesPerFrame(info.Rate)
	s.tsStep = uint32(info.ClockRate / 50)
	if old != s.rate && len(s.queue) > 0 {
		s.queue = resample(nil, s.queue, old, s.rate)
	}
}

func (s *sender) rateLocked() int {
	if s.rate == 0 {
		return media.Rate8k
	}
	return s.rate
}

// write queues f's samples (resampled to the codec's rate).
func (s *sender) write(f media.Frame) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rate := s.rateLocked()
	limit := s.maxQueue * rate / 1000
	n := len(f.Samples)
	if f.Rate != 0 && f.Rate != rate {
		n = n * rate / f.Rate
	}
	if len(s.queue)+n > limit {
		return fmt.Errorf("%w (%d ms queued)", ErrQueueFull, len(s.queue)*1000/rate)
	}
	if f.Rate == 0 || f.Rate == rate {
		s.queue = append(s.queue, f.Samples...)
	} else {
		s.queue = s.conv.convert(s.queue, f.Samples, f.Rate, rate)
	}
	return nil
}

// rateConverter resamples frames written at another rate than the leg's
// with the media package's filtered, stateful resampler (one per rate
// pair, kept across frames); rates it does not support fall back to
// resample.
type rateConverter struct {
	from, to int
	rs       *media.Resampler
}

func (c *rateConverter) convert(dst, in []int16, from, to int) []int16 {
	if c.from != from || c.to != to {
		c.from, c.to = from, to
		c.rs, _ = media.NewResampler(from, to)
	}
	if c.rs == nil {
		return resample(dst, in, from, to)
	}
	return c.rs.Resample(dst, in)
}

// flush drops the queue and returns how much audio it held.
func (s *sender) flush() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := time.Duration(len(s.queue)) * time.Second / time.Duration(s.rateLocked())
	s.queue = s.queue[:0]
	return d
}

// queued returns how much audio waits to be sent.
func (s *sender) queued() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return time.Duration(len(s.queue)) * time.Second / time.Duration(s.rateLocked())
}

// sendDigit queues an RFC 4733 event.
func (s *sender) sendDigit(digit rune, d time.Duration) error {
	code, ok := dtmf.Code(digit)
	if !ok {
		return fmt.Errorf("%w: %q", ErrBadDigit, digit)
	}
	if _, _, hasTE, _ := s.track.negotiated(); !hasTE {
		return ErrNoTelephoneEvent
	}
	if d == 0 {
		d = defaultDigitDuration
	}
	d = min(max(d, minDigitDuration), maxDigitDuration)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.digits) >= 64 {
		return fmt.Errorf("%w: too many digits queued", ErrQueueFull)
	}
	s.digits = append(s.digits, outDigit{code: code, total: uint32(d * media.Rate8k / time.Second)})
	return nil
}

// tick sends one 20 ms packet: a telephone-event while a digit plays,
// otherwise queued audio or silence. skipped frames (the pacer fell
// behind) advance the timestamp without sending.
func (s *sender) tick(skipped int) {
	s.mu.Lock()
	if s.enc == nil {
		s.mu.Unlock()
		return
	}
	s.ts += uint32(skipped) * s.tsStep
	var h rtp.Header
	te := false
	if s.cur == nil && len(s.digits) > 0 {
		d := s.digits[0]
		s.digits = s.digits[1:]
		d.start = s.ts
		s.cur = &d
		h.Marker = true
	}
	if s.cur != nil {
		te = true
		d := s.cur
		d.elapsed += s.tsStep
		end := d.elapsed >= d.total
		if end {
			d.elapsed = d.total
			d.endsSent++
			if d.endsSent >= endRepeats {
				s.cur = nil
				s.marker = true // audio after the event starts a talkspurt
			}
		}
		h.Timestamp = d.start
		s.buf = dtmf.Event{Code: d.code, End: end, Volume: 10, Duration: uint16(min(d.elapsed, 0xffff))}.Encode(s.buf[:0])
	} else {
		n := min(s.spf, len(s.queue))
		s.frame = append(s.frame[:0], s.queue[:n]...)
		s.queue = s.queue[:copy(s.queue, s.queue[n:])]
		for len(s.frame) < s.spf {
			s.frame = append(s.frame, 0)
		}
		var err error
		s.buf, err = s.enc.Encode(s.buf[:0], s.frame)
		if err != nil {
			s.mu.Unlock()
			return
		}
		h.Timestamp = s.ts
		h.Marker = s.marker
		s.marker = false
	}
	h.SequenceNumber = s.seq
	s.seq++
	s.ts += s.tsStep
	buf := s.buf
	// The write happens under the lock so that packets leave in sequence
	// order; pion's WriteRTP does not block on the network.
	sent, _ := s.track.write(&h, te, buf)
	s.mu.Unlock()
	if sent {
		s.stats.sent(len(buf))
	}
}

// pace calls fn every frame duration on an absolute schedule (start +
// n*20 ms), so that timer lateness does not accumulate. When more than
// five frames late it skips ahead and tells fn how many frames it skipped
// instead of sending a burst. It returns when done is closed.
func pace(done <-chan struct{}, fn func(skipped int)) {
	const period = media.FrameDuration
	start := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	n, skipped := 0, 0
	for {
		select {
		case <-done:
			return
		case <-timer.C:
		}
		select {
		case <-done: // both were ready: done wins
			return
		default:
		}
		fn(skipped)
		skipped = 0
		n++
		wait := time.Until(start.Add(time.Duration(n) * period))
		if wait < -5*period {
			skipped = int(-wait / period)
			n += skipped
			wait = time.Until(start.Add(time.Duration(n) * period))
		}
		timer.Reset(wait)
	}
}

// resample appends in (at rate from) to dst at rate to: a box filter for
// integer downsampling, linear interpolation otherwise. It keeps no state
// across frames: it is the fallback for rates media.NewResampler does not
// support, and for re-rating the queue once when the codec is known.
func resample(dst, in []int16, from, to int) []int16 {
	if from == to || from <= 0 || to <= 0 {
		return append(dst, in...)
	}
	if from > to && from%to == 0 {
		k := from / to
		for i := 0; i+k <= len(in); i += k {
			sum := 0
			for _, v := range in[i : i+k] {
				sum += int(v)
			}
			dst = append(dst, int16(sum/k))
		}
		return dst
	}
	n := len(in) * to / from
	for i := 0; i < n; i++ {
		pos := float64(i) * float64(from) / float64(to)
		j := int(pos)
		frac := pos - float64(j)
		a := float64(in[min(j, len(in)-1)])
		b := float64(in[min(j+1, len(in)-1)])
		dst = append(dst, int16(a+(b-a)*frac))
	}
	return dst
}
