package jitter

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"time"
)

// ErrConfig is wrapped by New when a Config field is invalid; the message
// names the field.
var ErrConfig = errors.New("jitter: invalid config")

// Tuning constants. They are not configurable: the defaults suit voice.
const (
	// jitterGain is k in target = k × jitter + one frame.
	jitterGain = 3
	// resetAfter is the sequence or timestamp jump that starts a new
	// stream.
	resetAfter = 3 * time.Second
	// shrinkEvery and growEvery limit how often the playout point moves:
	// shrinking is cosmetic and slow, growing avoids late packets.
	shrinkEvery = time.Second
	growEvery   = 200 * time.Millisecond
	// window is half of the sliding window over which the playout delay
	// of arriving packets is measured.
	window = 500 * time.Millisecond
	// targetHold is how long the target stays at a peak before it
	// decays, and targetDecay the per-packet gain with which it then
	// follows a lower estimate (about 1.3 s at 50 packets per second).
	targetHold  = 2 * time.Second
	targetDecay = 1.0 / 64
	// maxInitialDelay bounds Config.InitialDelay.
	maxInitialDelay = 60 * time.Millisecond
)

// Config configures a Buffer. Zero fields take their defaults.
type Config struct {
	// ClockRate is the RTP clock rate in Hz (default 8000).
	ClockRate int
	// FrameSamples is the playout period in RTP timestamp units: Pop is
	// called once per FrameSamples (default ClockRate/50, 20 ms).
	FrameSamples int
	// MinDelay and MaxDelay bound the adaptive target delay (defaults
	// 20 ms and 200 ms).
	MinDelay, MaxDelay time.Duration
	// InitialDelay is the target delay before any jitter is measured
	// (default 40 ms, at most 60 ms, clamped into [MinDelay, MaxDelay]).
	InitialDelay time.Duration
	// Capacity is the most packets held (default: twice MaxDelay worth of
	// frames plus 8). On overflow the oldest packet is dropped.
	Capacity int
}

func (c *Config) setDefaults() error {
	if c.ClockRate == 0 {
		c.ClockRate = 8000
	}
	if c.ClockRate < 1000 || c.ClockRate > 192000 {
		return fmt.Errorf("%w: ClockRate %d out of [1000, 192000]", ErrConfig, c.ClockRate)
	}
	if c.FrameSamples == 0 {
		c.FrameSamples = c.ClockRate / 50
	}
	if c.FrameSamples < 1 || c.FrameSamples > c.ClockRate {
		return fmt.Errorf("%w: FrameSamples %d out of [1, ClockRate]", ErrConfig, c.FrameSamples)
	}
	if c.MinDelay == 0 {
		c.MinDelay = 20 * time.Millisecond
	}
	if c.MaxDelay == 0 {
		c.MaxDelay = 200 * time.Millisecond
	}
	if c.InitialDelay == 0 {
		c.InitialDelay = 40 * time.Millisecond
	}
	switch {
	case c.MinDelay < 0:
		return fmt.Errorf("%w: MinDelay %v is negative", ErrConfig, c.MinDelay)
	case c.MaxDelay < c.MinDelay:
		return fmt.Errorf("%w: MaxDelay %v below MinDelay %v", ErrConfig, c.MaxDelay, c.MinDelay)
	case c.MaxDelay > 10*time.Second:
		return fmt.Errorf("%w: MaxDelay %v above 10s", ErrConfig, c.MaxDelay)
	case c.InitialDelay < 0 || c.InitialDelay > maxInitialDelay:
		return fmt.Errorf("%w: InitialDelay %v out of [0, %v]", ErrConfig, c.InitialDelay, maxInitialDelay)
	case c.Capacity < 0:
		return fmt.Errorf("%w: Capacity %d is negative", ErrConfig, c.Capacity)
	}
	c.InitialDelay = min(max(c.InitialDelay, c.MinDelay), c.MaxDelay)
	if c.Capacity == 0 {
		frame := time.Duration(c.FrameSamples) * time.Second / time.Duration(c.ClockRate)
		c.Capacity = int(2*c.MaxDelay/max(frame, time.Millisecond)) + 8
	}
	return nil
}

// Packet is one received RTP packet.
type Packet struct {
	SequenceNumber uint16
	Timestamp      uint32
	SSRC           uint32
	Marker         bool
	// Payload is copied by Push.
	Payload []byte
	// Arrival is when the packet was received, on the same clock as the
	// now passed to Pop. The zero time means time.Now().
	Arrival time.Time
}

// Frame is what Pop hands out: one packet's payload, to decode.
type Frame struct {
	// Payload is valid until the next call to Pop.
	Payload        []byte
	Timestamp      uint32
	SequenceNumber uint16
}

// Status says what Pop returned.
type Status int

const (
	// OK: the Frame holds the next payload.
	OK Status = iota
	// Lost: the packet due now is missing; the caller conceals one frame
	// (PLC, FEC or silence).
	Lost
	// Waiting: nothing is due and nothing was lost: the buffer is filling
	// (at start, after a reset or a long gap), is inserting a frame to grow
	// its delay, or the previous packet (longer than a frame) still covers
	// this period. The caller plays what it still has decoded, or silence.
	Waiting
)

func (s Status) String() string {
	switch s {
	case OK:
		return "ok"
	case Lost:
		return "lost"
	case Waiting:
		return "waiting"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Stats are the buffer's counters since New.
type Stats struct {
	Received  uint64 // packets pushed
	Late      uint64 // dropped: their playout time had passed (or stray, far behind the stream)
	Duplicate uint64 // dropped: already received
	Lost      uint64 // Pop calls that returned Lost
	Reordered uint64 // packets that arrived after a higher sequence number
	Resets    uint64 // new streams: SSRC change or a jump of more than 3 s
	Overflow  uint64 // packets dropped because the buffer was full
	Skipped   uint64 // frames dropped to shrink the delay
	Inserted  uint64 // Waiting frames inserted to grow the delay
	Buffered  int    // packets held now
	// JitterMS is the RFC 3550 interarrival jitter estimate.
	JitterMS float64
	// DelayMS is the current target playout delay.
	DelayMS float64
	// LevelMS is the measured playout delay: how long the least delayed
	// recent packets waited between arrival and playout.
	LevelMS float64
}

// slot is a buffered packet; ts and seq are extended (unwrapped).
type slot struct {
	seq     int64
	ts      int64
	rawTS   uint32
	rawSeq  uint16
	arrival time.Time
	payload []byte
}

// seenSize is the number of recent sequence numbers remembered for
// duplicate detection.
const seenSize = 1024

// Buffer is an adaptive jitter buffer for one RTP stream (it follows SSRC
// changes). Push and Pop may be called from different goroutines.
type Buffer struct {
	mu  sync.Mutex
	cfg Config

	frame     int64         // FrameSamples
	frameDur  time.Duration // one frame period
	rate      float64       // ClockRate
	minTarget float64       // seconds
	maxTarget float64       // seconds
	jumpTS    int64         // resetAfter in timestamp units
	jumpSeq   int64         // resetAfter in packets

	// stream identity and unwrapping references.
	haveStream bool
	ssrc       uint32
	highSeq    int64 // highest extended sequence number received
	highTS     int64 // extended timestamp of that packet
	probeSeq   int64 // sequence number confirming a backward jump, or -1
	pktDur     int64 // inferred packet duration in timestamp units
	seen       [seenSize / 64]uint64

	// buffered packets sorted by ts, and spare payload buffers.
	pkts []slot
	free [][]byte
	out  []byte // payload handed out by the last Pop

	// playout state.
	playing  bool
	anchored bool      // played is valid
	pos      int64     // timestamp of the period the next Pop plays
	played   int64     // audio handed out or concealed up to here
	lastPop  time.Time // time of the last Pop while playing
	gapRun   int       // consecutive Pops with nothing due and nothing near

	// adaptation.
	jitter      float64 // RFC 3550 J, in timestamp units
	haveTransit bool
	transit     float64
	target      float64   // seconds
	peakAt      time.Time // when the target was last raised
	curMax      float64   // largest playout delay (s) in the current window
	prevMax     float64   // same for the previous window
	curMin      float64   // smallest playout delay (s) in the current window
	prevMin     float64   // same for the previous window
	winStart    time.Time
	lastShrink  time.Time
	lastGrow    time.Time

	stats Stats
}

// New returns a Buffer for cfg.
func New(cfg Config) (*Buffer, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	b := &Buffer{
		cfg:       cfg,
		frame:     int64(cfg.FrameSamples),
		frameDur:  time.Duration(cfg.FrameSamples) * time.Second / time.Duration(cfg.ClockRate),
		rate:      float64(cfg.ClockRate),
		minTarget: cfg.MinDelay.Seconds(),
		maxTarget: cfg.MaxDelay.Seconds(),
		jumpTS:    int64(resetAfter.Seconds() * float64(cfg.ClockRate)),
		pkts:      make([]slot, 0, cfg.Capacity),
		free:      make([][]byte, 0, cfg.Capacity+1),
		target:    cfg.InitialDelay.Seconds(),
		probeSeq:  -1,
		pktDur:    int64(cfg.FrameSamples),
	}
	b.jumpSeq = max(b.jumpTS/b.frame, 100)
	b.resetWindow()
	return b, nil
}

// Push adds a received packet. It copies the payload.
func (b *Buffer) Push(p Packet) {
	if p.Arrival.IsZero() {
		p.Arrival = time.Now()
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stats.Received++

	if !b.haveStream || p.SSRC != b.ssrc {
		if b.haveStream {
			b.reset()
		}
		b.startStream(p)
	}
	seqDelta := int64(int16(p.SequenceNumber - uint16(b.highSeq)))
	tsDelta := int64(int32(p.Timestamp - uint32(b.highTS)))
	if abs(seqDelta) > b.jumpSeq || abs(tsDelta) > b.jumpTS {
		switch {
		case seqDelta > 0 && tsDelta >= 0:
			// Both moved far forward: the sender restarted or resumed.
			b.reset()
			b.startStream(p)
		case b.probeSeq == int64(p.SequenceNumber):
			// A second packet confirms the new position.
			b.reset()
			b.startStream(p)
		default:
			// A stray packet far behind: drop it, but if the next one
			// follows it the stream has really moved.
			b.probeSeq = int64(p.SequenceNumber + 1)
			b.stats.Late++
			return
		}
		seqDelta, tsDelta = 0, 0
	}
	b.probeSeq = -1
	seq := b.highSeq + seqDelta
	ts := b.highTS + tsDelta

	if b.isSeen(seq) {
		b.stats.Duplicate++
		return
	}
	b.updateJitter(p, ts)
	if seqDelta < 0 {
		b.stats.Reordered++
	}
	b.markSeen(seq)
	if seqDelta > 0 {
		b.highSeq, b.highTS = seq, ts
	}

	if b.playing {
		b.observeDelay(ts, p.Arrival)
	}
	b.updateTarget(p.Arrival)
	if b.anchored && ts < b.played {
		b.stats.Late++
		return
	}
	b.insert(p, seq, ts)
}

func (b *Buffer) startStream(p Packet) {
	b.haveStream = true
	b.ssrc = p.SSRC
	b.highSeq = int64(p.SequenceNumber)
	b.highTS = int64(p.Timestamp)
	b.seen = [seenSize / 64]uint64{}
	b.haveTransit = false
	b.pktDur = b.frame
}

// reset forgets the stream's packets and playout point (new stream).
func (b *Buffer) reset() {
	for i := range b.pkts {
		b.free = append(b.free, b.pkts[i].payload)
		b.pkts[i] = slot{}
	}
	b.pkts = b.pkts[:0]
	b.playing, b.anchored = false, false
	b.gapRun = 0
	b.probeSeq = -1
	b.resetWindow()
	b.stats.Resets++
}

func (b *Buffer) isSeen(seq int64) bool {
	if seq <= b.highSeq-seenSize {
		return true // too old to tell: treat as already handled
	}
	if seq > b.highSeq {
		return false
	}
	i := uint64(seq) % seenSize
	return b.seen[i/64]&(1<<(i%64)) != 0
}

func (b *Buffer) markSeen(seq int64) {
	// Clear the slots the window slides over.
	if seq > b.highSeq {
		n := min(seq-b.highSeq, seenSize)
		for s := b.highSeq + 1; s < b.highSeq+1+n; s++ {
			i := uint64(s) % seenSize
			b.seen[i/64] &^= 1 << (i % 64)
		}
	}
	i := uint64(seq) % seenSize
	b.seen[i/64] |= 1 << (i % 64)
}

// updateJitter runs the RFC 3550 §6.4.1 estimator and raises the target.
func (b *Buffer) updateJitter(p Packet, ts int64) {
	arrival := float64(p.Arrival.UnixNano()) * 1e-9 * b.rate
	transit := arrival - float64(ts)
	if b.haveTransit {
		d := math.Abs(transit - b.transit)
		if d > float64(b.jumpTS) {
			d = 0 // clock step: ignore
		}
		b.jitter += (d - b.jitter) / 16
	}
	b.transit, b.haveTransit = transit, true
}

// updateTarget sets the target delay from the jitter estimate and the
// spread of recent playout delays (RFC 3550 jitter alone underestimates
// bursts). It rises at once and falls slowly after a hold time.
func (b *Buffer) updateTarget(t time.Time) {
	want := jitterGain * b.jitter / b.rate
	if lvl, low := b.level(), min(b.curMin, b.prevMin); !math.IsInf(lvl, -1) && !math.IsInf(low, 1) {
		want = max(want, lvl-low)
	}
	want = min(max(want+b.frameDur.Seconds(), b.minTarget), b.maxTarget)
	switch {
	case want >= b.target:
		b.target = want
		b.peakAt = t
	case t.Sub(b.peakAt) >= targetHold:
		b.target += (want - b.target) * targetDecay
	}
}

// playoutDelay is how long a packet with timestamp ts arriving at t waits
// before the Pop that plays it.
func (b *Buffer) playoutDelay(ts int64, t time.Time) float64 {
	playAt := b.lastPop.Add(b.frameDur)
	return playAt.Sub(t).Seconds() + float64(ts-b.pos)/b.rate
}

func (b *Buffer) observeDelay(ts int64, t time.Time) {
	d := b.playoutDelay(ts, t)
	b.curMax = max(b.curMax, d)
	b.curMin = min(b.curMin, d)
}

func (b *Buffer) resetWindow() {
	b.curMax, b.prevMax = math.Inf(-1), math.Inf(-1)
	b.curMin, b.prevMin = math.Inf(1), math.Inf(1)
	b.winStart = time.Time{}
}

// level is the measured playout delay in seconds, or -Inf when unknown.
func (b *Buffer) level() float64 { return max(b.curMax, b.prevMax) }

// insert stores the packet in timestamp order, dropping the oldest when
// full.
func (b *Buffer) insert(p Packet, seq, ts int64) {
	if len(b.pkts) == cap(b.pkts) {
		if ts < b.pkts[0].ts {
			b.stats.Overflow++
			return
		}
		b.free = append(b.free, b.pkts[0].payload)
		copy(b.pkts, b.pkts[1:])
		b.pkts[len(b.pkts)-1] = slot{}
		b.pkts = b.pkts[:len(b.pkts)-1]
		b.stats.Overflow++
	}
	var buf []byte
	if n := len(b.free); n > 0 {
		buf = b.free[n-1][:0]
		b.free[n-1] = nil
		b.free = b.free[:n-1]
	}
	buf = append(buf, p.Payload...)
	s := slot{seq: seq, ts: ts, rawTS: p.Timestamp, rawSeq: p.SequenceNumber, arrival: p.Arrival, payload: buf}

	i := len(b.pkts)
	for i > 0 && (b.pkts[i-1].ts > ts || b.pkts[i-1].ts == ts && b.pkts[i-1].seq > seq) {
		i--
	}
	b.pkts = append(b.pkts, slot{})
	copy(b.pkts[i+1:], b.pkts[i:])
	b.pkts[i] = s

	// Infer the packet duration from consecutive neighbours.
	if i > 0 && b.pkts[i-1].seq == seq-1 {
		b.learnDur(ts - b.pkts[i-1].ts)
	}
	if i+1 < len(b.pkts) && b.pkts[i+1].seq == seq+1 {
		b.learnDur(b.pkts[i+1].ts - ts)
	}
}

func (b *Buffer) learnDur(d int64) {
	if d > 0 && d <= int64(b.maxTarget*b.rate) {
		b.pktDur = d
	}
}

// duration of the buffered packet at index i.
func (b *Buffer) duration(i int) int64 {
	if i+1 < len(b.pkts) && b.pkts[i+1].seq == b.pkts[i].seq+1 && b.pkts[i+1].ts > b.pkts[i].ts {
		return b.pkts[i+1].ts - b.pkts[i].ts
	}
	return b.pktDur
}

// Pop returns what to play for the next frame period; call it once every
// FrameSamples (20 ms by default) on the caller's clock.
func (b *Buffer) Pop(now time.Time) (Frame, Status) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.out != nil {
		b.free = append(b.free, b.out)
		b.out = nil
	}
	if !b.playing && !b.start(now) {
		return Frame{}, Waiting
	}
	if b.winStart.IsZero() {
		b.winStart = now
	} else if now.Sub(b.winStart) >= window {
		b.prevMax, b.curMax = b.curMax, math.Inf(-1)
		b.prevMin, b.curMin = b.curMin, math.Inf(1)
		b.winStart = now
	}
	b.lastPop = now

	// Adapt the delay: at most one skip per second, one insert per growEvery.
	if lvl := b.level(); !math.IsInf(lvl, -1) {
		frame := b.frameDur.Seconds()
		switch {
		case lvl >= b.target+frame && now.Sub(b.lastShrink) >= shrinkEvery:
			b.lastShrink = now
			b.stats.Skipped++
			b.advance(b.frame)
			b.shiftWindow(-frame)
		case lvl < b.target-frame/2 && now.Sub(b.lastGrow) >= growEvery:
			b.lastGrow = now
			b.stats.Inserted++
			b.shiftWindow(frame)
			return Frame{}, Waiting
		}
	}

	end := b.pos + b.frame
	if b.played >= end {
		// The previous packet still covers this period.
		b.pos = end
		return Frame{}, Waiting
	}
	if len(b.pkts) > 0 && b.pkts[0].ts < end {
		s := b.pkts[0]
		b.played = s.ts + b.duration(0)
		copy(b.pkts, b.pkts[1:])
		b.pkts[len(b.pkts)-1] = slot{}
		b.pkts = b.pkts[:len(b.pkts)-1]
		b.out = s.payload
		b.pos = end
		b.gapRun = 0
		return Frame{Payload: s.payload, Timestamp: s.rawTS, SequenceNumber: s.rawSeq}, OK
	}
	// Nothing due: conceal, and re-anchor after MaxDelay of silence (the
	// sender paused, or jumped ahead by less than the reset threshold).
	b.played = end
	b.pos = end
	b.stats.Lost++
	if len(b.pkts) == 0 || float64(b.pkts[0].ts-end) > b.maxTarget*b.rate {
		b.gapRun++
		if time.Duration(b.gapRun)*b.frameDur >= b.cfg.MaxDelay {
			b.playing = false
			b.gapRun = 0
			b.resetWindow()
		}
	} else {
		b.gapRun = 0
	}
	return Frame{}, Lost
}

// start begins playout once the oldest buffered packet has waited the
// target delay (less half a frame, as Pop runs on a frame grid).
func (b *Buffer) start(now time.Time) bool {
	if len(b.pkts) == 0 {
		return false
	}
	oldest := b.pkts[0].arrival
	for _, s := range b.pkts[1:] {
		if s.arrival.Before(oldest) {
			oldest = s.arrival
		}
	}
	if now.Sub(oldest).Seconds() < b.target-b.frameDur.Seconds()/2 {
		return false
	}
	b.playing, b.anchored = true, true
	b.pos = b.pkts[0].ts
	b.played = b.pos
	b.gapRun = 0
	// Seed the delay measurement with what is buffered: the first
	// packet plays now.
	b.lastPop = now.Add(-b.frameDur)
	b.resetWindow()
	for _, s := range b.pkts {
		b.observeDelay(s.ts, s.arrival)
	}
	return true
}

// advance moves the playout point n timestamp units ahead, dropping what
// it passes.
func (b *Buffer) advance(n int64) {
	b.pos += n
	b.played = max(b.played, b.pos)
	for len(b.pkts) > 0 && b.pkts[0].ts < b.played {
		b.free = append(b.free, b.pkts[0].payload)
		copy(b.pkts, b.pkts[1:])
		b.pkts[len(b.pkts)-1] = slot{}
		b.pkts = b.pkts[:len(b.pkts)-1]
	}
}

func (b *Buffer) shiftWindow(d float64) {
	b.curMax += d
	b.prevMax += d
	b.curMin += d
	b.prevMin += d
}

// Adjusted returns how many frames the buffer has inserted to grow its
// delay and dropped to shrink it (Stats' Inserted and Skipped, without
// the rest of Stats' work: for a per-frame caller).
func (b *Buffer) Adjusted() (inserted, skipped uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stats.Inserted, b.stats.Skipped
}

// Stats returns the counters and current estimates.
func (b *Buffer) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.stats
	s.Buffered = len(b.pkts)
	s.JitterMS = b.jitter / b.rate * 1000
	s.DelayMS = b.target * 1000
	if lvl := b.level(); !math.IsInf(lvl, -1) && b.playing {
		s.LevelMS = lvl * 1000
	}
	return s
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
