package rtpio

import (
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// maxLag is how far behind schedule a clock may fall before it gives up on
// catching up and skips the missed ticks. Below it, late ticks fire back to
// back (a burst the far end's jitter buffer absorbs) so no audio is lost
// and the schedule holds; above it (a suspended VM, a stopped process) a
// burst would only flood the far end.
const maxLag = 50 * frameDuration

// frameClock ticks at start + n×period. It reads the monotonic clock on each
// tick, so errors do not accumulate as they do when sleeping a fixed period
// (or, once a tick is missed, with time.Ticker): a tick that wakes late
// fires at once and the next one keeps the original schedule.
type frameClock struct {
	start  time.Time
	period time.Duration
	n      int64 // ticks done
	timer  *time.Timer
}

func newFrameClock(start time.Time, period time.Duration) *frameClock {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &frameClock{start: start, period: period, timer: t}
}

// next returns the time of the next tick.
func (c *frameClock) next() time.Time { return c.start.Add(time.Duration(c.n) * c.period) }

// wait blocks until the next tick or until done is closed (ok false). It
// returns the tick's scheduled time and how many ticks it skipped because
// the clock fell more than maxLag behind.
func (c *frameClock) wait(done <-chan struct{}) (scheduled time.Time, skipped int64, ok bool) {
	at := c.next()
	if d := time.Until(at); d > 0 {
		c.timer.Reset(d)
		select {
		case <-c.timer.C:
		case <-done:
			c.timer.Stop()
			return at, 0, false
		}
	} else {
		select {
		case <-done:
			return at, 0, false
		default:
		}
		if lag := -d; lag > maxLag {
			skipped = int64(lag / c.period)
			c.n += skipped
			at = c.next()
		}
	}
	c.n++
	return at, skipped, true
}

func (c *frameClock) stop() { c.timer.Stop() }

// sampleRing is a FIFO of PCM samples bounded to max samples; it grows on
// demand, so idle legs hold little memory.
type sampleRing struct {
	buf  []int16
	head int
	n    int
	max  int
}

// write appends s, dropping the oldest samples beyond max; it returns how
// many samples were dropped.
func (r *sampleRing) write(s []int16) (dropped int) {
	if len(s) == 0 || r.max <= 0 {
		return len(s)
	}
	if len(s) > r.max {
		dropped += len(s) - r.max
		s = s[len(s)-r.max:]
	}
	if over := r.n + len(s) - r.max; over > 0 {
		r.discard(over)
		dropped += over
	}
	if r.n+len(s) > len(r.buf) {
		r.grow(r.n + len(s))
	}
	tail := (r.head + r.n) % len(r.buf)
	c := copy(r.buf[tail:], s)
	copy(r.buf, s[c:])
	r.n += len(s)
	return dropped
}

func (r *sampleRing) grow(need int) {
	size := max(need, 2*len(r.buf), 1024)
	size = min(size, r.max)
	nb := make([]int16, size)
	r.peek(nb[:r.n])
	r.buf, r.head = nb, 0
}

// peek copies the first len(dst) samples (dst must not be longer than n).
func (r *sampleRing) peek(dst []int16) {
	if len(dst) == 0 {
		return
	}
	c := copy(dst, r.buf[r.head:min(r.head+len(dst), len(r.buf))])
	copy(dst[c:], r.buf)
}

// read moves up to len(dst) samples into dst and returns how many.
func (r *sampleRing) read(dst []int16) int {
	k := min(len(dst), r.n)
	r.peek(dst[:k])
	r.discard(k)
	return k
}

func (r *sampleRing) discard(k int) {
	if k <= 0 {
		return
	}
	r.n -= k
	if r.n == 0 {
		r.head = 0
		return
	}
	r.head = (r.head + k) % len(r.buf)
}

// reset empties the ring and returns how many samples it held.
func (r *sampleRing) reset() int {
	n := r.n
	r.head, r.n = 0, 0
	return n
}

// rateConverter resamples frames written at another rate than the leg's
// with the media package's filtered, stateful resampler (one per rate
// pair, kept across frames); rates it does not support fall back to
// linearResampler.
type rateConverter struct {
	from, to int
	rs       *media.Resampler
	lin      linearResampler
	out      []int16
}

func (c *rateConverter) resample(in []int16, from, to int) []int16 {
	if c.from != from || c.to != to {
		c.from, c.to = from, to
		c.rs, _ = media.NewResampler(from, to)
	}
	if c.rs == nil {
		return c.lin.resample(in, from, to)
	}
	c.out = c.rs.Resample(c.out[:0], in)
	return c.out
}

// linearResampler converts between sample rates by linear interpolation,
// keeping its phase across frames. It is the fallback for rates
// media.NewResampler does not support (it has no anti-aliasing filter).
type linearResampler struct {
	from, to int
	t        int64 // position in 1/to input samples, relative to last
	last     int16
	started  bool
	out      []int16
}

func (r *linearResampler) resample(in []int16, from, to int) []int16 {
	if r.from != from || r.to != to {
		*r = linearResampler{from: from, to: to, out: r.out}
	}
	if !r.started && len(in) > 0 {
		r.last = in[0]
		r.t = int64(to) // start on in[0]
		r.started = true
	}
	r.out = r.out[:0]
	n := int64(len(in))
	for r.t/int64(to) < n {
		i := r.t / int64(to)
		f := r.t % int64(to)
		a := r.last
		if i > 0 {
			a = in[i-1]
		}
		b := in[i]
		r.out = append(r.out, int16(int64(a)+(int64(b)-int64(a))*f/int64(to)))
		r.t += int64(from)
	}
	if n > 0 {
		r.t -= n * int64(to)
		r.last = in[n-1]
	}
	return r.out
}
