package media

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media/audiotest"
)

func TestMix(t *testing.T) {
	tests := []struct {
		a, b, want []int16
	}{
		{[]int16{1, -1, 100}, []int16{2, -2, -100}, []int16{3, -3, 0}},
		{[]int16{30000, -30000}, []int16{30000, -30000}, []int16{math.MaxInt16, math.MinInt16}},
		{[]int16{1, 2, 3}, []int16{1}, []int16{2}},
	}
	for _, tt := range tests {
		dst := make([]int16, len(tt.want))
		Mix(dst, tt.a, tt.b)
		if !slices.Equal(dst, tt.want) {
			t.Errorf("Mix(%v, %v) = %v, want %v", tt.a, tt.b, dst, tt.want)
		}
	}
	a := []int16{1, 2}
	Mix(a, a, []int16{10, 20})
	if !slices.Equal(a, []int16{11, 22}) {
		t.Errorf("in place: %v", a)
	}
}

func TestMixer(t *testing.T) {
	var out []Frame
	m := NewMixer(Rate8k, SinkFunc(func(f Frame) error {
		f.Samples = slices.Clone(f.Samples)
		out = append(out, f)
		return nil
	}))
	a, b, c := m.Input(), m.Input(), m.Input()
	toneA := audiotest.Tone(500, Rate8k, 100*time.Millisecond, 0.3)
	toneB := audiotest.Tone(1200, Rate8k, 100*time.Millisecond, 0.3)
	sendTone(t, a, toneA, Rate8k, 0)
	sendTone(t, b, toneB, Rate8k, 0)
	// c stays silent; then leaves.
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	for range 6 {
		if err := m.Tick(); err != nil {
			t.Fatal(err)
		}
	}
	var mixed []int16
	for i, f := range out {
		if f.Rate != Rate8k || len(f.Samples) != 160 || f.Timestamp != time.Duration(i)*FrameDuration {
			t.Fatalf("frame %d: %d Hz, %d samples at %v", i, f.Rate, len(f.Samples), f.Timestamp)
		}
		mixed = append(mixed, f.Samples...)
	}
	want := make([]int16, len(toneA))
	Mix(want, toneA, toneB)
	if !slices.Equal(mixed[:800], want) {
		t.Error("mix differs from Mix of the inputs")
	}
	if audiotest.RMS(mixed[800:]) != 0 {
		t.Error("inputs with nothing queued are not silent")
	}
	if err := a.WriteFrame(Frame{Samples: make([]int16, 320), Rate: Rate16k}); err == nil {
		t.Error("16 kHz frame accepted by an 8 kHz mixer")
	}
}

func TestMixerRun(t *testing.T) {
	ticks := make(chan struct{}, 10)
	m := NewMixer(Rate16k, SinkFunc(func(Frame) error {
		select {
		case ticks <- struct{}{}:
		default:
		}
		return nil
	}))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- m.Run(ctx) }()
	for range 3 {
		select {
		case <-ticks:
		case <-time.After(2 * time.Second):
			t.Fatal("no tick")
		}
	}
	cancel()
	if err := <-done; err != context.Canceled {
		t.Errorf("Run: %v", err)
	}
}

func BenchmarkMix(b *testing.B) {
	x := audiotest.Tone(500, Rate8k, FrameDuration, 0.5)
	y := audiotest.Tone(900, Rate8k, FrameDuration, 0.5)
	dst := make([]int16, len(x))
	b.ReportAllocs()
	for b.Loop() {
		Mix(dst, x, y)
	}
}

// BenchmarkMixerTick: three 16 kHz inputs, one frame written to each and
// one mixed per op.
func BenchmarkMixerTick(b *testing.B) {
	m := NewMixer(Rate16k, SinkFunc(func(Frame) error { return nil }))
	f := Frame{Samples: audiotest.Tone(500, Rate16k, FrameDuration, 0.5), Rate: Rate16k}
	ins := []Sink{m.Input(), m.Input(), m.Input()}
	b.ReportAllocs()
	for b.Loop() {
		for _, in := range ins {
			_ = in.WriteFrame(f)
		}
		_ = m.Tick()
	}
}
