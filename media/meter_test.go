package media

import (
	"math"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media/audiotest"
)

func TestLevel(t *testing.T) {
	square := make([]int16, 160)
	for i := range square {
		square[i] = math.MaxInt16
		if i%2 == 1 {
			square[i] = math.MinInt16
		}
	}
	tests := []struct {
		name    string
		samples []int16
		want    float64
	}{
		{"full-scale square", square, 0},
		{"full-scale sine", audiotest.Tone(1000, Rate8k, FrameDuration, 1), -3.01},
		{"-20 dBFS sine", audiotest.Tone(1000, Rate8k, FrameDuration, 0.1), -23.01},
		{"silence", make([]int16, 160), MinLevel},
		{"empty", nil, MinLevel},
		{"one LSB", []int16{1}, -90.31},
	}
	for _, tt := range tests {
		if got := Level(tt.samples); math.Abs(got-tt.want) > 0.02 {
			t.Errorf("%s: %.2f dBFS, want %.2f", tt.name, got, tt.want)
		}
	}
}

func TestMeter(t *testing.T) {
	var levels []float64
	var passed int
	next := SinkFunc(func(Frame) error { passed++; return nil })
	m := NewMeter(next, func(l float64, _ Frame) { levels = append(levels, l) })
	if m.Level() != MinLevel {
		t.Errorf("level before any frame: %v", m.Level())
	}
	loud := audiotest.Tone(440, Rate16k, FrameDuration, 0.5)
	for _, s := range [][]int16{loud, make([]int16, 320)} {
		if err := m.WriteFrame(Frame{Samples: s, Rate: Rate16k}); err != nil {
			t.Fatal(err)
		}
	}
	if passed != 2 || len(levels) != 2 || math.Abs(levels[0]+9.03) > 0.05 || levels[1] != MinLevel {
		t.Errorf("passed %d, levels %v", passed, levels)
	}
	if m.Level() != MinLevel {
		t.Errorf("Level() = %v after silence", m.Level())
	}
	if err := NewMeter(nil, nil).WriteFrame(Frame{Samples: loud, Rate: Rate16k, Timestamp: time.Second}); err != nil {
		t.Error(err)
	}
}

func BenchmarkMeter(b *testing.B) {
	m := NewMeter(SinkFunc(func(Frame) error { return nil }), nil)
	f := Frame{Samples: audiotest.Tone(1000, Rate16k, FrameDuration, 0.5), Rate: Rate16k}
	b.ReportAllocs()
	for b.Loop() {
		_ = m.WriteFrame(f)
	}
}
