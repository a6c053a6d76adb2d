package media

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"
)

// Mix writes the saturated sum a[i]+b[i] to dst[i] for i below the
// shortest length. dst may be a or b.
func Mix(dst, a, b []int16) {
	n := min(len(dst), len(a), len(b))
	a, b, dst = a[:n], b[:n], dst[:n]
	for i := range dst {
		dst[i] = sat32(int32(a[i]) + int32(b[i]))
	}
}

func sat32(v int32) int16 {
	if v > math.MaxInt16 {
		return math.MaxInt16
	}
	if v < math.MinInt16 {
		return math.MinInt16
	}
	return int16(v)
}

// Mixer sums any number of inputs into one output, one 20 ms frame per
// Tick: the start of a conference bridge. Each input is a Sink that takes
// frames at the Mixer's rate (wrap it in ResampleSink for others) and
// buffers up to maxMixerBuffer; an input with nothing queued adds silence.
type Mixer struct {
	rate int
	out  Sink

	mu     sync.Mutex
	inputs []*mixerInput
	sum    []int32
	frame  []int16
	ts     time.Duration
}

// maxMixerBuffer bounds each input's queued audio; older audio is dropped
// beyond it to keep the latency down.
const maxMixerBuffer = 200 * time.Millisecond

// NewMixer returns a mixer writing rate Hz frames to out.
func NewMixer(rate int, out Sink) *Mixer {
	n := SamplesPerFrame(rate)
	return &Mixer{rate: rate, out: out, sum: make([]int32, n), frame: make([]int16, n)}
}

// Input adds an input. Its Close removes it from the mix.
func (m *Mixer) Input() Sink {
	in := &mixerInput{m: m}
	m.mu.Lock()
	m.inputs = append(m.inputs, in)
	m.mu.Unlock()
	return in
}

// Tick mixes one frame from every input and writes it to the output. Call
// it from one goroutine (Run does): the output frame's buffer is reused.
func (m *Mixer) Tick() error {
	m.mu.Lock()
	clear(m.sum)
	for _, in := range m.inputs {
		n := min(len(in.buf), len(m.sum))
		for i, s := range in.buf[:n] {
			m.sum[i] += int32(s)
		}
		in.buf = in.buf[:copy(in.buf, in.buf[n:])]
	}
	for i, v := range m.sum {
		m.frame[i] = sat32(v)
	}
	f := Frame{Samples: m.frame, Rate: m.rate, Timestamp: m.ts}
	m.ts += FrameDuration
	m.mu.Unlock()
	return m.out.WriteFrame(f)
}

// Run calls Tick every 20 ms until ctx is done or the output fails.
func (m *Mixer) Run(ctx context.Context) error {
	t := time.NewTicker(FrameDuration)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if err := m.Tick(); err != nil {
				return err
			}
		}
	}
}

// Close closes the output.
func (m *Mixer) Close() error { return m.out.Close() }

type mixerInput struct {
	m   *Mixer
	buf []int16
}

func (in *mixerInput) WriteFrame(f Frame) error {
	if f.Rate != in.m.rate {
		return fmt.Errorf("media: mixer: %d Hz frame into a %d Hz mixer", f.Rate, in.m.rate)
	}
	in.m.mu.Lock()
	defer in.m.mu.Unlock()
	in.buf = append(in.buf, f.Samples...)
	if limit := int(int64(in.m.rate) * int64(maxMixerBuffer) / int64(time.Second)); len(in.buf) > limit {
		in.buf = in.buf[:copy(in.buf, in.buf[len(in.buf)-limit:])]
	}
	return nil
}

func (in *mixerInput) Close() error {
	m := in.m
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, x := range m.inputs {
		if x == in {
			m.inputs = append(m.inputs[:i], m.inputs[i+1:]...)
			break
		}
	}
	return nil
}
