// Package rtpmedia is the RTP side of SIP calls: it implements
// media/sip's Media with media/rtpio legs (which use media/dtmf for RFC
// 4733) and the adaptive jitter buffer of media/jitter.
//
//	m, err := rtpmedia.New(rtpmedia.Config{IP: ip, MinPort: 20000, MaxPort: 29999})
//	srv, err := sip.NewServer(sipCfg, m, dialplan, log)
package rtpmedia

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/jitter"
	"github.com/switchboard-voice/switchboard/media/rtpio"
	"github.com/switchboard-voice/switchboard/media/sip"
)

// Config configures the RTP side.
type Config struct {
	// IP to bind RTP sockets on.
	IP netip.Addr
	// MinPort and MaxPort bound the RTP/RTCP port pairs.
	MinPort, MaxPort int
	// RTPTimeout ends a leg with no RTP (the SIP server sets it).
	RTPTimeout time.Duration
	// Collector reports RTP figures to Prometheus (may be nil).
	Collector *rtpio.Collector
	// ComfortNoise sends low-level noise instead of digital silence.
	ComfortNoise bool
	Logger       *slog.Logger
}

// Media implements sip.Media.
type Media struct {
	cfg  Config
	pool *rtpio.Pool
	mu   sync.Mutex
}

// New opens the port pool.
func New(cfg Config) (*Media, error) {
	pool, err := rtpio.NewPool(cfg.IP, cfg.MinPort, cfg.MaxPort)
	if err != nil {
		return nil, fmt.Errorf("rtp ports: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return &Media{cfg: cfg, pool: pool}, nil
}

// SetRTPTimeout is called by the SIP server with its configured timeout.
func (m *Media) SetRTPTimeout(d time.Duration) {
	m.mu.Lock()
	m.cfg.RTPTimeout = d
	m.mu.Unlock()
}

// InUse returns the number of port pairs in use.
func (m *Media) InUse() int { return m.pool.InUse() }

// Open reserves a port pair for a call.
func (m *Media) Open(ctx context.Context) (sip.Endpoint, error) {
	ep, err := m.pool.Open(ctx)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	cfg := m.cfg
	m.mu.Unlock()
	return &endpoint{ep: ep, cfg: cfg}, nil
}

type endpoint struct {
	ep      *rtpio.Endpoint
	cfg     Config
	started bool
}

func (e *endpoint) LocalAddr() netip.AddrPort {
	return netip.AddrPortFrom(e.cfg.IP, uint16(e.ep.Port()))
}

func (e *endpoint) Close() error {
	if e.started {
		return nil // the leg owns the ports now
	}
	return e.ep.Close()
}

func (e *endpoint) Start(remote netip.AddrPort, ci media.CodecInfo, dtmfPT uint8, info media.LegInfo, hangup func(ctx context.Context) error) (sip.MediaLeg, error) {
	codec, err := media.NewCodec(ci.Name)
	if err != nil {
		return nil, err
	}
	rtcp := netip.AddrPortFrom(remote.Addr(), remote.Port()+1)
	sess, err := rtpio.NewSession(e.ep, ci.ClockRate,
		rtpio.WithRemote(remote), rtpio.WithRemoteRTCP(rtcp), rtpio.WithLogger(e.cfg.Logger))
	if err != nil {
		return nil, err
	}
	e.started = true
	jb, err := newJitter(ci)
	if err != nil {
		sess.Close()
		return nil, err
	}
	info.Kind, info.Codec, info.Rate, info.Remote = "sip", ci.Name, ci.Rate, remote.String()
	leg := rtpio.NewLeg(sess, codec, rtpio.LegConfig{
		Info:            info,
		DTMFPayloadType: dtmfPT,
		RTPTimeout:      e.cfg.RTPTimeout,
		JitterBuffer:    jb,
		Hangup:          hangup,
		Logger:          e.cfg.Logger,
		ComfortNoise:    e.cfg.ComfortNoise,
		Collector:       e.cfg.Collector,
	})
	return &mediaLeg{Leg: leg}, nil
}

// mediaLeg adapts rtpio.Leg to sip.MediaLeg.
type mediaLeg struct{ *rtpio.Leg }

func (l *mediaLeg) SetRemote(remote netip.AddrPort) {
	l.Leg.SetRemote(remote, netip.AddrPortFrom(remote.Addr(), remote.Port()+1))
}

func (l *mediaLeg) SetDirection(dir string) {
	d, err := rtpio.ParseDirection(dir)
	if err != nil {
		return
	}
	l.Leg.SetDirection(d)
}

// jitterAdapter drives media/jitter's Buffer, which expects exactly one
// Pop per 20 ms, from rtpio's leg, which pops as many payloads as it needs
// to fill a frame and none when it has leftover samples. The adapter
// advances the buffer by the frame periods that have elapsed on the
// caller's clock and queues what comes out.
type jitterAdapter struct {
	jb     *jitter.Buffer
	last   time.Time
	queue  [][]byte
	spare  [][]byte
	period time.Duration
}

func newJitter(ci media.CodecInfo) (*jitterAdapter, error) {
	jb, err := jitter.New(jitter.Config{ClockRate: ci.ClockRate, FrameSamples: ci.ClockRate / 50})
	if err != nil {
		return nil, err
	}
	return &jitterAdapter{jb: jb, period: media.FrameDuration}, nil
}

func (a *jitterAdapter) Push(seq uint16, ts uint32, ssrc uint32, marker bool, payload []byte, arrival time.Time) {
	a.jb.Push(jitter.Packet{SequenceNumber: seq, Timestamp: ts, SSRC: ssrc, Marker: marker, Payload: payload, Arrival: arrival})
}

func (a *jitterAdapter) Pop(now time.Time) ([]byte, bool) {
	if a.last.IsZero() {
		a.last = now.Add(-a.period)
	}
	// Advance the buffer one period at a time up to now (a few at most
	// after a stall; the buffer conceals what is missing).
	for n := 0; !now.Before(a.last.Add(a.period)) && n < 10; n++ {
		a.last = a.last.Add(a.period)
		f, st := a.jb.Pop(a.last)
		if st != jitter.OK {
			continue
		}
		var buf []byte
		if k := len(a.spare); k > 0 {
			buf, a.spare = a.spare[k-1][:0], a.spare[:k-1]
		}
		a.queue = append(a.queue, append(buf, f.Payload...))
	}
	if now.Sub(a.last) > 10*a.period {
		a.last = now // after a long stall, do not replay the backlog
	}
	if len(a.queue) == 0 {
		return nil, false
	}
	p := a.queue[0]
	copy(a.queue, a.queue[1:])
	a.queue = a.queue[:len(a.queue)-1]
	a.spare = append(a.spare, p)
	return p, true
}

// Stats returns the jitter buffer's figures.
func (a *jitterAdapter) Stats() jitter.Stats { return a.jb.Stats() }

// DelayShift is how much the buffer has changed its playout delay since
// it started: frames inserted minus frames dropped (see rtpio.DelayShifter).
func (a *jitterAdapter) DelayShift() time.Duration {
	ins, skip := a.jb.Adjusted()
	return time.Duration(int64(ins)-int64(skip)) * a.period
}
