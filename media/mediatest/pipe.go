// Package mediatest connects two media.Legs in memory for tests and
// benchmarks of applications: what one side writes, the other receives one
// 20 ms frame at a time from a real-time clock, as over a network with no
// loss. An optional echo returns part of a side's audio to itself after a
// delay, like a handset or a line with poor echo return loss.
package mediatest

import (
	"context"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// Options configure a pipe.
type Options struct {
	// Rate of both legs (default 8000).
	Rate int
	// Echo returns A's audio to A, scaled by EchoGain, after EchoDelay
	// (the caller's handset leaking the bot's voice back).
	EchoGain  float64
	EchoDelay time.Duration
	// Burst delivers what A receives in bursts of this many frames (every
	// Burst×20 ms), as a receive path that runs late does (a starved
	// process, a jittery network): 0 or 1 delivers every frame on time.
	Burst int
	// Info of the two legs (IDs default to "a" and "b").
	InfoA, InfoB media.LegInfo
}

// Pipe returns two connected legs. Frames written to a are received by b's
// receiver and vice versa, paced at one frame every 20 ms (silence when
// nothing is queued). Hanging up either side ends both.
func Pipe(opts Options) (a, b *Leg) {
	if opts.Rate == 0 {
		opts.Rate = media.Rate8k
	}
	p := &pipe{opts: opts, done: make(chan struct{}), n: media.SamplesPerFrame(opts.Rate)}
	mk := func(info media.LegInfo, id string) *Leg {
		if info.ID == "" {
			info.ID = id
		}
		if info.Kind == "" {
			info.Kind = "test"
		}
		info.Rate = opts.Rate
		if info.Codec == "" {
			info.Codec = "L16"
		}
		return &Leg{p: p, info: info}
	}
	a, b = mk(opts.InfoA, "a"), mk(opts.InfoB, "b")
	a.peer, b.peer = b, a
	if opts.EchoGain > 0 {
		p.echo = make([][]int16, max(1, int(opts.EchoDelay/media.FrameDuration)))
		for i := range p.echo {
			p.echo[i] = make([]int16, p.n)
		}
	}
	p.wg.Add(1)
	go p.run(a, b)
	return a, b
}

type pipe struct {
	opts     Options
	n        int
	mu       sync.Mutex
	done     chan struct{}
	once     sync.Once
	wg       sync.WaitGroup
	echo     [][]int16 // delay line of A's sent frames
	echoAt   int
	held     []media.Frame // A's frames waiting for the next burst
	heldDTMF []media.DTMF
	ticks    int
	hungBy   string
	endTime  time.Time
}

// Leg is one end of a pipe.
type Leg struct {
	p    *pipe
	info media.LegInfo
	peer *Leg

	mu     sync.Mutex
	recv   media.Receiver
	queue  [][]int16
	digits []media.DTMF
	// Sent counts frames sent (silence included) and Voiced those with
	// audio written by the application.
	sent, voiced int
}

// Info describes the leg.
func (l *Leg) Info() media.LegInfo { return l.info }

// Attach sets the receiver.
func (l *Leg) Attach(r media.Receiver) {
	l.mu.Lock()
	l.recv = r
	l.mu.Unlock()
}

// WriteFrame queues a frame to send (resampled if needed).
func (l *Leg) WriteFrame(f media.Frame) error {
	select {
	case <-l.p.done:
		return media.ErrClosed
	default:
	}
	s := make([]int16, l.p.n)
	if f.Rate != 0 && f.Rate != l.p.opts.Rate {
		r, err := media.NewResampler(f.Rate, l.p.opts.Rate)
		if err != nil {
			return err
		}
		copy(s, r.Resample(nil, f.Samples))
	} else {
		copy(s, f.Samples)
	}
	l.mu.Lock()
	l.queue = append(l.queue, s)
	l.mu.Unlock()
	return nil
}

// Flush discards queued frames.
func (l *Leg) Flush() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	d := time.Duration(len(l.queue)) * media.FrameDuration
	l.queue = l.queue[:0]
	return d
}

// Queued returns how much audio waits to be sent.
func (l *Leg) Queued() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return time.Duration(len(l.queue)) * media.FrameDuration
}

// SendDTMF delivers a digit to the peer's receiver on the next tick.
func (l *Leg) SendDTMF(digit rune, d time.Duration) error {
	l.mu.Lock()
	l.digits = append(l.digits, media.DTMF{Digit: digit, Duration: d})
	l.mu.Unlock()
	return nil
}

// Hangup ends both legs.
func (l *Leg) Hangup(ctx context.Context) error {
	l.p.end(l.info.ID)
	l.p.wg.Wait()
	return nil
}

// Done is closed when the pipe has ended.
func (l *Leg) Done() <-chan struct{} { return l.p.done }

// Err is nil: pipes end normally.
func (l *Leg) Err() error { return nil }

// HungUpBy returns the ID of the leg that hung up ("" while up).
func (l *Leg) HungUpBy() string {
	l.p.mu.Lock()
	defer l.p.mu.Unlock()
	return l.p.hungBy
}

// Stats returns frames sent and frames with application audio.
func (l *Leg) Stats() (sent, voiced int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sent, l.voiced
}

func (p *pipe) end(by string) {
	p.once.Do(func() {
		p.mu.Lock()
		p.hungBy = by
		p.mu.Unlock()
		close(p.done)
	})
}

// run is the pipe's clock: every 20 ms each side sends one frame.
func (p *pipe) run(a, b *Leg) {
	defer p.wg.Done()
	defer func() {
		for _, l := range []*Leg{a, b} {
			l.mu.Lock()
			r := l.recv
			l.mu.Unlock()
			if r != nil {
				_ = r.Close()
			}
		}
	}()
	start := time.Now()
	silence := make([]int16, p.n)
	for k := 1; ; k++ {
		select {
		case <-p.done:
			return
		case <-time.After(time.Until(start.Add(time.Duration(k) * media.FrameDuration))):
		}
		fa, da := a.pop(silence)
		fb, db := b.pop(silence)
		in := fb
		if p.echo != nil {
			// A hears B plus its own audio from EchoDelay ago.
			old := p.echo[p.echoAt]
			mixed := make([]int16, p.n)
			for i := range mixed {
				v := int32(fb[i]) + int32(float64(old[i])*p.opts.EchoGain)
				mixed[i] = int16(max(-32768, min(32767, v)))
			}
			copy(old, fa)
			p.echoAt = (p.echoAt + 1) % len(p.echo)
			in = mixed
		}
		ts := time.Duration(k-1) * media.FrameDuration
		b.deliver(media.Frame{Samples: fa, Rate: p.opts.Rate, Timestamp: ts}, da)
		if p.opts.Burst > 1 {
			p.held = append(p.held, media.Frame{Samples: in, Rate: p.opts.Rate, Timestamp: ts})
			p.heldDTMF = append(p.heldDTMF, db...)
			if k%p.opts.Burst != 0 {
				continue
			}
			for _, f := range p.held[:len(p.held)-1] {
				a.deliver(f, nil)
			}
			in, db = p.held[len(p.held)-1].Samples, p.heldDTMF
			p.held, p.heldDTMF = p.held[:0], nil
		}
		a.deliver(media.Frame{Samples: in, Rate: p.opts.Rate, Timestamp: ts}, db)
	}
}

// pop takes the next frame to send, or silence.
func (l *Leg) pop(silence []int16) ([]int16, []media.DTMF) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sent++
	d := l.digits
	l.digits = nil
	if len(l.queue) == 0 {
		return silence, d
	}
	f := l.queue[0]
	l.queue = l.queue[1:]
	l.voiced++
	return f, d
}

// deliver hands what the peer sent to this leg's receiver.
func (l *Leg) deliver(f media.Frame, digits []media.DTMF) {
	l.mu.Lock()
	r := l.recv
	l.mu.Unlock()
	if r == nil {
		return
	}
	_ = r.WriteFrame(f)
	for _, d := range digits {
		r.OnDTMF(d)
	}
}
