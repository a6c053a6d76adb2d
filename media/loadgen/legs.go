package loadgen

import (
	"context"
	"net/netip"
	"slices"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/rtpio"
	"github.com/switchboard-voice/switchboard/media/sip"
)

// statser is what rtpmedia's legs (rtpio.Leg underneath) expose.
type statser interface {
	Stats() rtpio.Stats
	SendLateness() rtpio.LatenessHistogram
}

// recorder wraps a sip.Media and keeps the media legs it starts, to read
// their rtpio figures.
type recorder struct {
	sip.Media
	mu   sync.Mutex
	legs []statser
}

// SetRTPTimeout passes the SIP server's timeout on to the wrapped media.
func (r *recorder) SetRTPTimeout(d time.Duration) {
	if t, ok := r.Media.(interface{ SetRTPTimeout(time.Duration) }); ok {
		t.SetRTPTimeout(d)
	}
}

func (r *recorder) Open(ctx context.Context) (sip.Endpoint, error) {
	ep, err := r.Media.Open(ctx)
	if err != nil {
		return nil, err
	}
	return &recEndpoint{Endpoint: ep, r: r}, nil
}

type recEndpoint struct {
	sip.Endpoint
	r *recorder
}

func (e *recEndpoint) Start(remote netip.AddrPort, codec media.CodecInfo, dtmfPT uint8, info media.LegInfo, hangup func(ctx context.Context) error) (sip.MediaLeg, error) {
	ml, err := e.Endpoint.Start(remote, codec, dtmfPT, info, hangup)
	if err != nil {
		return nil, err
	}
	if s, ok := ml.(statser); ok {
		e.r.mu.Lock()
		e.r.legs = append(e.r.legs, s)
		e.r.mu.Unlock()
	}
	return ml, nil
}

// summary adds up the figures of every leg started so far.
func (r *recorder) summary() *Side {
	r.mu.Lock()
	legs := slices.Clone(r.legs)
	r.mu.Unlock()
	s := &Side{Legs: len(legs)}
	var p50, p99 []time.Duration
	var maxJ time.Duration
	for _, l := range legs {
		st := l.Stats()
		s.FramesOut += st.FramesOut
		s.Concealed += st.Concealed
		s.LostPackets += max(0, st.Lost)
		s.ReorderedPackets += st.Late
		s.PacketsIn += st.PacketsIn
		s.PacketsOut += st.PacketsOut
		s.Resyncs += st.Resyncs
		p50 = append(p50, st.SendJitterP50)
		p99 = append(p99, st.SendJitterP99)
		maxJ = max(maxJ, st.SendJitterMax)
	}
	if s.FramesOut > 0 {
		s.LateFramesPct = 100 * float64(s.Concealed) / float64(s.FramesOut)
	}
	s.SendJitterP50Ms = ms(quantile(p50, 0.5))
	s.SendJitterP99Ms = ms(quantile(p99, 0.99))
	s.SendJitterMaxMs = ms(maxJ)
	return s
}

// mark is the totals of a side's legs at one time; two marks make a
// Window.
type mark struct {
	send              rtpio.LatenessHistogram
	frames, concealed uint64
}

// mark adds up the send lateness and the frames of every leg started so
// far.
func (r *recorder) mark() mark {
	r.mu.Lock()
	legs := slices.Clone(r.legs)
	r.mu.Unlock()
	var m mark
	for _, l := range legs {
		h := l.SendLateness()
		m.send.Add(&h)
		st := l.Stats()
		m.frames += st.FramesOut
		m.concealed += st.Concealed
	}
	return m
}

// window is what the side's legs did between two marks.
func window(from, to mark) *Window {
	h := to.send
	h.Sub(&from.send)
	w := &Window{
		Packets:   h.Count(),
		FramesOut: to.frames - min(from.frames, to.frames),
		Concealed: to.concealed - min(from.concealed, to.concealed),
		SendP50Ms: ms(h.Quantile(0.50)),
		SendP99Ms: ms(h.Quantile(0.99)),
		// p99.9: the next tail, for how far the last 1 % spreads.
		SendP999Ms: ms(h.Quantile(0.999)),
		SendMaxMs:  ms(h.Max()),
	}
	if w.FramesOut > 0 {
		w.LateFramesPct = 100 * float64(w.Concealed) / float64(w.FramesOut)
	}
	return w
}

// quantile returns the q quantile of d (nearest rank); it sorts d.
func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	i := int(q*float64(len(d))+0.999999) - 1
	return d[min(max(i, 0), len(d)-1)]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
