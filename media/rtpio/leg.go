package rtpio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/dtmf"
)

// DefaultRTPTimeout ends a leg that received no RTP for this long.
const DefaultRTPTimeout = 30 * time.Second

// slowReceiver is how long a receiver may take over a frame before the
// frame counts in Stats.SlowReceiver: legs share the clock's goroutines.
const slowReceiver = 2 * time.Millisecond

// payloadTypeCN is the static comfort-noise payload type (RFC 3389): it is
// accepted and ignored (concealment plays silence).
const payloadTypeCN = 13

// Direction is the media direction of a leg from our side, as the SDP
// attributes of the same names say (RFC 3264 section 5.1).
type Direction int32

// Directions.
const (
	SendRecv Direction = iota // normal call
	SendOnly                  // we hold the far end: send, ignore what arrives
	RecvOnly                  // the far end holds us: receive, send nothing
	Inactive                  // both: nothing either way
)

var directionNames = [...]string{"sendrecv", "sendonly", "recvonly", "inactive"}

// String returns the SDP attribute name.
func (d Direction) String() string {
	if d < 0 || int(d) >= len(directionNames) {
		return fmt.Sprintf("Direction(%d)", int(d))
	}
	return directionNames[d]
}

// ParseDirection parses an SDP direction attribute name.
func ParseDirection(s string) (Direction, error) {
	for i, n := range directionNames {
		if n == s {
			return Direction(i), nil
		}
	}
	return 0, fmt.Errorf("rtpio: unknown media direction %q", s)
}

// Sends reports whether we send audio in direction d.
func (d Direction) Sends() bool { return d == SendRecv || d == SendOnly }

// Receives reports whether we take the far end's audio in direction d.
func (d Direction) Receives() bool { return d == SendRecv || d == RecvOnly }

// LegConfig configures a Leg.
type LegConfig struct {
	// Info describes the leg; Kind ("sip"), Codec, Rate and Remote are
	// filled in from the codec and session when empty.
	Info media.LegInfo
	// DTMFPayloadType is the negotiated telephone-event type (101 if 0).
	DTMFPayloadType uint8
	// RTPTimeout ends the leg with media.ErrRTPTimeout when no RTP arrives
	// for this long while we receive (DefaultRTPTimeout if 0; negative
	// disables). It does not run while the direction excludes receiving.
	RTPTimeout time.Duration
	// JitterBuffer orders the received audio (NewFIFO(10) if nil).
	JitterBuffer JitterBuffer
	// DTMFReceiver decodes telephone-events (dtmf.NewReceiver if nil).
	DTMFReceiver DTMFReceiver
	// DTMFSender encodes the digits we send (EventPayloads if nil).
	DTMFSender DTMFSender
	// Hangup is called once by Leg.Hangup to end the call in signalling
	// (SIP BYE); nil does nothing.
	Hangup func(ctx context.Context) error
	// Logger, to which the leg adds leg_id (discarded if nil).
	Logger *slog.Logger
	// MaxQueue bounds the outbound audio queue (DefaultMaxQueue if 0).
	MaxQueue time.Duration
	// ComfortNoise sends low-level noise instead of digital silence.
	ComfortNoise bool
	// Collector, if set, reports the leg's figures while it lives and adds
	// them to its totals when it ends.
	Collector *Collector
	// Clock ticks the leg (the process-wide clock if nil).
	Clock *Clock

	// readGoroutine makes the leg read RTP with a goroutine of its own, as
	// it does where the socket cannot be read in the clock tick (tests).
	readGoroutine bool
}

// Leg is a SIP call's media: a media.Leg over a Session. See the package
// documentation for the receive and send paths.
type Leg struct {
	sess    *Session
	pacer   *Pacer
	dec     media.Codec
	cfg     LegConfig
	log     *slog.Logger
	rate    int
	spf     int
	clock   int
	audioPT uint8
	dtmfPT  uint8
	dtmfRx  DTMFReceiver
	id      string
	created time.Time

	dir       atomic.Int32
	recvSince atomic.Int64 // UnixNano from which the RTP timeout counts

	mu          sync.Mutex
	info        media.LegInfo
	recv        media.Receiver
	recvClosed  bool
	err         error
	remoteEnded bool

	jbMu  sync.Mutex // jb and dtmfQ: reader pushes, playout pops
	jb    JitterBuffer
	dtmfQ []media.DTMF
	// delayShift is the jitter buffer's DelayShift at the last playout.
	delayShift time.Duration

	// The reader goroutine, or the clock ticks where they read (tickRead).
	baseTS   uint32
	haveBase bool
	tickRead bool // packets are read in the clock tick, not by a goroutine

	// Clock ticks: tickMu is held during a tick of the leg; shutdown takes
	// it to end the ticks.
	tickMu     sync.Mutex
	clk        *Clock
	reg        clockReg
	ticking    bool  // registered on clk and not shut down
	started    bool  // ticked at least once
	firstFrame int64 // the clock's frame number of the first tick
	lastFrame  int64 // and of the last one

	// Playout (clock ticks) only.
	fifo     sampleRing
	decBuf   []int16
	out      []int16
	last     []int16
	lostRun  int
	hadAudio bool
	dtmfOut  []media.DTMF

	concealed, dtmfIn, badDTMF, framesOut, slowRecv atomic.Uint64
	recvMax                                         atomic.Int64 // ns

	stop       chan struct{} // closed to end the leg
	stopOnce   sync.Once
	done       chan struct{} // closed once everything is released
	readerDone chan struct{}
	hangupOnce sync.Once
	hangupErr  error
}

var _ media.Leg = (*Leg)(nil)

// NewLeg starts the media of a call on sess with codec (the leg keeps one
// instance for sending and makes another with media.NewCodec for
// receiving). The leg owns sess: it closes it when the leg ends. A leg that
// cannot start (no codec) is returned already ended, with the error in Err.
func NewLeg(sess *Session, codec media.Codec, cfg LegConfig) *Leg {
	l, err := newLeg(sess, codec, cfg)
	if err != nil {
		l.err = err
		l.stopOnce.Do(func() { close(l.stop) })
		close(l.readerDone)
		l.recvClosed = true
		sess.Close()
		close(l.done)
		return l
	}
	if cfg.Collector != nil {
		cfg.Collector.add(l)
	}
	l.clk = cfg.Clock
	if l.clk == nil {
		l.clk = defaultClock
	}
	if l.tickRead {
		close(l.readerDone)
	} else {
		go l.read()
	}
	l.tickMu.Lock()
	l.reg = l.clk.register(l)
	l.ticking = true
	l.tickMu.Unlock()
	return l
}

// newLeg sets a leg up without starting its goroutines.
func newLeg(sess *Session, codec media.Codec, cfg LegConfig) (*Leg, error) {
	l := &Leg{
		sess:       sess,
		created:    time.Now(),
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
		readerDone: make(chan struct{}),
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	l.info = cfg.Info
	if l.info.Kind == "" {
		l.info.Kind = "sip"
	}
	l.id = l.info.ID
	l.log = cfg.Logger.With("leg_id", l.id)
	if cfg.RTPTimeout == 0 {
		cfg.RTPTimeout = DefaultRTPTimeout
	}
	if cfg.DTMFPayloadType == 0 {
		cfg.DTMFPayloadType = 101
	}
	l.cfg = cfg
	l.recvSince.Store(l.created.UnixNano())

	if codec == nil || codec.Info().Rate <= 0 || codec.Info().ClockRate <= 0 {
		return l, fmt.Errorf("rtpio: leg: %w", media.ErrNoCodec)
	}
	ci := codec.Info()
	var err error
	l.pacer, err = newPacer(sess, PacerConfig{
		Codec: codec, MaxQueue: cfg.MaxQueue, ComfortNoise: cfg.ComfortNoise,
		DTMFPayloadType: cfg.DTMFPayloadType, DTMFSender: cfg.DTMFSender, Logger: l.log,
	})
	if err != nil {
		return l, err
	}
	l.dec = codec
	if c, err := media.NewCodec(ci.Name); err == nil && c.Info() == ci {
		l.dec = c // a separate decoder instance for stateful codecs
	}
	if l.info.Codec == "" {
		l.info.Codec = ci.Name
	}
	l.info.Rate = ci.Rate
	if l.info.Remote == "" {
		if r := sess.Remote(); r.IsValid() {
			l.info.Remote = r.String()
		}
	}
	l.rate, l.clock = ci.Rate, ci.ClockRate
	l.spf = media.SamplesPerFrame(ci.Rate)
	l.audioPT, l.dtmfPT = ci.PayloadType, cfg.DTMFPayloadType
	l.jb = cfg.JitterBuffer
	if l.jb == nil {
		l.jb = NewFIFO(10)
	}
	l.dtmfRx = cfg.DTMFReceiver
	if l.dtmfRx == nil {
		l.dtmfRx = dtmf.NewReceiver(ci.ClockRate, 0)
	}
	l.tickRead = sess.batched() && !cfg.readGoroutine
	l.fifo.max = 48 * l.spf // up to 120 ms payloads, with room
	l.out = make([]int16, l.spf)
	l.last = make([]int16, l.spf)
	sess.SetPayloadTypes(l.audioPT, l.dtmfPT, payloadTypeCN)
	return l, nil
}

// Info describes the leg.
func (l *Leg) Info() media.LegInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.info
}

// Session returns the leg's RTP session.
func (l *Leg) Session() *Session { return l.sess }

// Attach sets the receiver of incoming audio and DTMF (nil detaches). A
// receiver attached after the leg ended is closed at once.
func (l *Leg) Attach(r media.Receiver) {
	l.mu.Lock()
	if l.recvClosed {
		l.mu.Unlock()
		if r != nil {
			r.Close()
		}
		return
	}
	l.recv = r
	l.mu.Unlock()
}

// WriteFrame queues audio to send; see Pacer.WriteFrame.
func (l *Leg) WriteFrame(f media.Frame) error {
	select {
	case <-l.stop:
		return fmt.Errorf("rtpio: leg %s: %w", l.id, media.ErrClosed)
	default:
	}
	return l.pacer.WriteFrame(f)
}

// Flush discards the queued outbound audio and returns its duration.
func (l *Leg) Flush() time.Duration {
	if l.pacer == nil {
		return 0
	}
	return l.pacer.Flush()
}

// SendDTMF queues an RFC 4733 digit (100 ms if d <= 0); see
// Pacer.SendDTMF. It fails with ErrNotSending while on hold.
func (l *Leg) SendDTMF(digit rune, d time.Duration) error {
	select {
	case <-l.stop:
		return fmt.Errorf("rtpio: leg %s: %w", l.id, media.ErrClosed)
	default:
	}
	return l.pacer.SendDTMF(digit, d)
}

// SetDirection changes the media direction (hold and resume from SDP).
// RTCP keeps flowing in every direction.
func (l *Leg) SetDirection(d Direction) {
	old := Direction(l.dir.Swap(int32(d)))
	if l.pacer != nil {
		l.pacer.SetSending(d.Sends())
	}
	if d.Receives() && !old.Receives() {
		l.recvSince.Store(time.Now().UnixNano())
	}
	l.log.Debug("media direction", "from", old, "to", d)
}

// Direction returns the media direction.
func (l *Leg) Direction() Direction { return Direction(l.dir.Load()) }

// SetRemote takes a new far-end address from a re-INVITE's SDP; see
// Session.SetRemote. The RTP timeout restarts.
func (l *Leg) SetRemote(rtpAddr, rtcpAddr netip.AddrPort) {
	l.sess.SetRemote(rtpAddr, rtcpAddr)
	l.recvSince.Store(time.Now().UnixNano())
	l.mu.Lock()
	l.info.Remote = rtpAddr.String()
	l.mu.Unlock()
}

// Hangup ends the leg from our side: it calls LegConfig.Hangup (BYE) once,
// unless the far end already ended the call (End), and waits until the
// leg's goroutines and ports are released or ctx is done.
func (l *Leg) Hangup(ctx context.Context) error {
	l.finish(nil)
	l.hangupOnce.Do(func() {
		l.mu.Lock()
		remote := l.remoteEnded
		l.mu.Unlock()
		if l.cfg.Hangup != nil && !remote {
			l.hangupErr = l.cfg.Hangup(ctx)
		}
	})
	select {
	case <-l.done:
		return l.hangupErr
	case <-ctx.Done():
		return errors.Join(l.hangupErr, ctx.Err())
	}
}

// End ends the leg without signalling, because the far end hung up (err
// nil) or the signalling failed (err says why), and waits until it is
// released. A later Hangup does not call LegConfig.Hangup.
func (l *Leg) End(err error) {
	l.mu.Lock()
	l.remoteEnded = true
	l.mu.Unlock()
	l.finish(err)
	<-l.done
}

// Done is closed when the leg has ended and released its resources.
func (l *Leg) Done() <-chan struct{} { return l.done }

// Err says why the leg ended: nil for a normal hang-up, an error wrapping
// media.ErrRTPTimeout, or another error. It is nil while the leg is up.
func (l *Leg) Err() error {
	select {
	case <-l.done:
	default:
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.err
}

// finish records why the leg ends (the first reason wins) and starts the
// teardown. It does not block: a clock tick calls it on RTP timeout.
func (l *Leg) finish(err error) {
	l.stopOnce.Do(func() {
		l.mu.Lock()
		l.err = err
		l.mu.Unlock()
		close(l.stop)
		go l.shutdown()
	})
}

// shutdown takes the leg off its clock, releases everything and closes
// Done. It runs on its own goroutine, started by finish, as the teardown
// blocks (RTCP BYE, the reader, the receiver's Close).
func (l *Leg) shutdown() {
	defer close(l.done)
	l.tickMu.Lock()
	l.ticking = false // waits for a tick in progress; no more after it
	reg := l.reg
	l.tickMu.Unlock()
	l.clk.unregister(l, reg)
	l.teardown()
}

// ended reports whether the leg is ending.
func (l *Leg) ended() bool {
	select {
	case <-l.stop:
		return true
	default:
		return false
	}
}

// read is the reader goroutine of a leg that does not read in its clock
// tick (tickRead): it runs until the session closes.
func (l *Leg) read() {
	defer close(l.readerDone)
	var p rtp.Packet
	for {
		arrival, err := l.sess.ReadRTP(&p)
		if err != nil {
			return
		}
		l.handlePacket(&p, arrival)
	}
}

// handlePacket routes one valid RTP packet: audio to the jitter buffer,
// telephone-events to the DTMF receiver.
func (l *Leg) handlePacket(p *rtp.Packet, arrival time.Time) {
	if !l.haveBase {
		l.baseTS, l.haveBase = p.Timestamp, true
	}
	if !Direction(l.dir.Load()).Receives() {
		return
	}
	switch p.PayloadType {
	case l.audioPT:
		l.jbMu.Lock()
		l.jb.Push(p.SequenceNumber, p.Timestamp, p.SSRC, p.Marker, p.Payload, arrival)
		l.jbMu.Unlock()
	case l.dtmfPT:
		d, ok, err := l.dtmfRx.Packet(p.Timestamp, p.Marker, p.Payload)
		if err != nil {
			l.badDTMF.Add(1)
			return
		}
		if !ok {
			return
		}
		if d.Timestamp == 0 {
			d.Timestamp = time.Duration(int64(p.Timestamp-l.baseTS)) * time.Second / time.Duration(l.clock)
		}
		l.dtmfIn.Add(1)
		l.jbMu.Lock()
		if len(l.dtmfQ) < 64 {
			l.dtmfQ = append(l.dtmfQ, d)
		}
		l.jbMu.Unlock()
	}
}

// tickSend is the first half of the leg's clock tick: the pacer sends one
// packet. frame counts the clock's 20 ms frames; a gap means the clock
// skipped ticks (it fell more than maxLag behind).
func (l *Leg) tickSend(frame int64, sched time.Time) {
	l.tickMu.Lock()
	defer l.tickMu.Unlock()
	if !l.ticking || l.ended() {
		return
	}
	if !l.started {
		l.started, l.firstFrame, l.lastFrame = true, frame, frame-1
	}
	l.pacer.skip(frame - l.lastFrame - 1)
	l.lastFrame = frame
	l.pacer.tick(sched)
}

// tickPlayout is the second half, once every leg of the batch has sent:
// the RTP that arrived since the last tick (when the leg reads in its
// tick), the RTP timeout, and one frame to the receiver. sc is the clock
// worker's scratch space.
func (l *Leg) tickPlayout(frame int64, _ time.Time, sc *tickScratch) {
	l.tickMu.Lock()
	defer l.tickMu.Unlock()
	if !l.ticking || !l.started || frame != l.lastFrame || l.ended() {
		return
	}
	if l.tickRead {
		// The session is closed only after the leg has left the clock, so
		// errors here are transient (the next tick reads again).
		if _, err := l.sess.receive(sc.rx, &sc.pkt, l); err != nil {
			l.log.Debug("rtp read error", "err", err)
		}
	}
	now := time.Now()
	if l.timedOut(now) {
		l.log.Info("rtp timeout", "timeout", l.cfg.RTPTimeout, "remote", l.sess.Remote())
		l.finish(fmt.Errorf("rtpio: leg %s: %w after %v", l.id, media.ErrRTPTimeout, l.cfg.RTPTimeout))
		return
	}
	l.playout(now, time.Duration(frame-l.firstFrame)*frameDuration)
}

func (l *Leg) timedOut(now time.Time) bool {
	if l.cfg.RTPTimeout < 0 || !Direction(l.dir.Load()).Receives() {
		return false
	}
	last := l.recvSince.Load()
	if t := l.sess.LastRTP(); !t.IsZero() && t.UnixNano() > last {
		last = t.UnixNano()
	}
	return now.UnixNano()-last > int64(l.cfg.RTPTimeout)
}

// playout builds one frame from the jitter buffer (concealing what is
// missing) and hands it, after any DTMF, to the receiver.
func (l *Leg) playout(now time.Time, mediaTime time.Duration) {
	receiving := Direction(l.dir.Load()).Receives()
	l.jbMu.Lock()
	l.dtmfOut = append(l.dtmfOut[:0], l.dtmfQ...)
	l.dtmfQ = l.dtmfQ[:0]
	for l.fifo.n < l.spf {
		payload, ok := l.jb.Pop(now)
		if !ok {
			break
		}
		if !receiving {
			continue
		}
		var err error
		l.decBuf, err = l.dec.Decode(l.decBuf[:0], payload)
		if err != nil {
			continue
		}
		l.fifo.write(l.decBuf)
	}
	// A jitter buffer that grew or shrank its delay in this tick: the
	// frame about to be delivered is the first one affected.
	var shift time.Duration
	if ds, ok := l.jb.(DelayShifter); ok {
		total := ds.DelayShift()
		shift, l.delayShift = total-l.delayShift, total
	}
	l.jbMu.Unlock()

	k := l.fifo.read(l.out)
	switch {
	case k == l.spf:
		copy(l.last, l.out)
		l.lostRun, l.hadAudio = 0, true
	case !receiving || !l.hadAudio:
		clear(l.out[k:])
	default:
		// Repeat the last frame, fading out over three frames (G.711
		// Appendix I in spirit), then silence.
		l.lostRun++
		l.concealed.Add(1)
		gain := int32(max(0, 4-l.lostRun)) // in quarters
		for i := k; i < l.spf; i++ {
			l.out[i] = int16(int32(l.last[i]) * gain / 4)
		}
	}

	l.mu.Lock()
	r := l.recv
	l.mu.Unlock()
	if r == nil {
		return
	}
	// The receiver runs on the clock's goroutine: watch how long it takes.
	start := time.Now()
	for _, d := range l.dtmfOut {
		r.OnDTMF(d)
	}
	if shift != 0 {
		if o, ok := r.(media.DelayObserver); ok {
			o.OnDelayChange(shift)
		}
	}
	if err := r.WriteFrame(media.Frame{Samples: l.out, Rate: l.rate, Timestamp: mediaTime}); err != nil {
		l.log.Debug("receiver write", "err", err)
	}
	l.framesOut.Add(1)
	took := time.Since(start)
	if took > time.Duration(l.recvMax.Load()) {
		l.recvMax.Store(int64(took)) // one writer: the clock tick
	}
	if took > slowReceiver {
		l.slowRecv.Add(1)
	}
}

// teardown releases everything: pacer, session (ports, RTCP BYE), reader
// goroutine, receiver, collector entry.
func (l *Leg) teardown() {
	l.pacer.Close()
	l.sess.Close()
	<-l.readerDone
	l.mu.Lock()
	r := l.recv
	l.recv, l.recvClosed = nil, true
	err := l.err
	l.mu.Unlock()
	if r != nil {
		r.Close()
	}
	if l.cfg.Collector != nil {
		l.cfg.Collector.remove(l, errors.Is(err, media.ErrRTPTimeout))
	}
	l.log.Debug("leg ended", "err", err, "duration", time.Since(l.created))
}

// Stats are a leg's figures.
type Stats struct {
	SessionStats
	PacerStats
	// FramesOut counts frames handed to the receiver; Concealed those made
	// up for missing audio.
	FramesOut, Concealed uint64
	// DTMFReceived counts digits received; BadDTMF malformed events.
	DTMFReceived, BadDTMF uint64
	// ReceiverMax is the longest the attached media.Receiver took over a
	// frame (its DTMF and WriteFrame calls), and SlowReceiver counts the
	// frames over which it took more than 2 ms: receivers run on the
	// Clock's goroutines and delay the legs ticked after them.
	ReceiverMax  time.Duration
	SlowReceiver uint64
	// Duration is how long the leg has been up.
	Duration time.Duration
}

// SendLateness returns a copy of the histogram of how late the leg's
// packets left versus their 20 ms schedule (empty for a leg that does not
// send). Snapshots taken at two times subtract to the packets in between.
func (l *Leg) SendLateness() LatenessHistogram {
	if l.pacer == nil {
		return LatenessHistogram{}
	}
	return l.pacer.SendLateness()
}

// Stats returns the leg's figures.
func (l *Leg) Stats() Stats {
	st := Stats{
		SessionStats: l.sess.Stats(),
		FramesOut:    l.framesOut.Load(),
		Concealed:    l.concealed.Load(),
		DTMFReceived: l.dtmfIn.Load(),
		BadDTMF:      l.badDTMF.Load(),
		ReceiverMax:  time.Duration(l.recvMax.Load()),
		SlowReceiver: l.slowRecv.Load(),
		Duration:     time.Since(l.created),
	}
	if l.pacer != nil {
		st.PacerStats = l.pacer.Stats()
	}
	return st
}
