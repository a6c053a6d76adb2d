package voicebot

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/mediatest"
)

// testSegment is a finished segment of n frames; frame i holds the value
// i+1 in every sample.
func testSegment(n int) *segment {
	s := &segment{interruptible: true, done: true}
	for i := range n {
		f := media.Frame{Samples: make([]int16, 160), Rate: 8000}
		for j := range f.Samples {
			f.Samples[j] = int16(i + 1)
		}
		s.frames = append(s.frames, f)
	}
	return s
}

// TestPlayerReferenceAfterStop: frames on the wire when a reply ends (or
// is cut) are still given to the echo canceller, even when the call loop
// has not consumed them yet; frames the leg never sent are not.
func TestPlayerReferenceAfterStop(t *testing.T) {
	for _, tc := range []struct {
		name   string
		frames int
		cut    func(p *player)
		// want is the frames the reference gives after the cut.
		want int
	}{
		{"finished reply", 10, func(p *player) { p.stop() }, 10},
		{"barge-in", 20, func(p *player) { p.pause() }, 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := mediatest.Pipe(mediatest.Options{})
			defer func() { _ = b.Hangup(context.Background()) }()
			p := newPlayer(a, 8000, 60*time.Millisecond)
			t0 := time.Now()
			now := t0
			p.now = func() time.Time { return now }
			p.start([]*segment{testSegment(tc.frames)})
			// The call loop, behind on the caller's audio, pumps for
			// 180 ms without consuming any reference.
			for k := 0; k <= 9; k++ {
				now = t0.Add(time.Duration(k) * media.FrameDuration)
				p.pump(now)
			}
			// Sent by now: the frames scheduled at t0 .. t0+180 ms; the
			// ones after are queued on the leg.
			tc.cut(p)
			for i := range tc.want {
				f := p.reference(now)
				if f.Samples[0] != int16(i+1) {
					t.Fatalf("reference frame %d = %d, want %d", i, f.Samples[0], i+1)
				}
			}
			if f := p.reference(now.Add(time.Second)); f.Samples[0] != 0 {
				t.Errorf("after the frames sent, reference gives %d, want silence", f.Samples[0])
			}
		})
	}
}

// TestPlayerReferenceUnderJitter: the call loop processes the caller's
// frames a few ms early or late (a busy machine); the reference must stay
// one prompt frame per caller frame from the first to the last, never a
// frame of silence in the middle (that would move the echo 20 ms later
// for the canceller, mid-prompt).
func TestPlayerReferenceUnderJitter(t *testing.T) {
	a, b := mediatest.Pipe(mediatest.Options{})
	defer func() { _ = b.Hangup(context.Background()) }()
	const frames = 100
	p := newPlayer(a, 8000, 60*time.Millisecond)
	t0 := time.Now()
	now := t0
	p.now = func() time.Time { return now }
	p.start([]*segment{testSegment(frames)})
	// Frame k of the caller is processed at its tick, k×20 ms, ±9 ms
	// (a fixed pattern, so the test is the same every run).
	jitter := []time.Duration{0, 9, -9, 5, -7, 8, -3, 2, -9, 9}
	var got []int16
	for k := 0; len(got) < frames && k < 3*frames; k++ {
		now = t0.Add(time.Duration(k)*media.FrameDuration + jitter[k%len(jitter)]*time.Millisecond)
		p.pump(now)
		f := p.reference(now)
		if f.Samples[0] == 0 && len(got) == 0 {
			continue // before the first frame leaves
		}
		got = append(got, f.Samples[0])
	}
	for i, v := range got {
		if v != int16(i+1) {
			t.Fatalf("reference frame %d = %d, want %d (silence put in mid-prompt?): %v", i, v, i+1, got)
		}
	}
	if len(got) != frames {
		t.Fatalf("%d reference frames, want %d", len(got), frames)
	}
}

// TestEchoReferenceFollowsDelayChanges: when the leg's jitter buffer
// inserts a frame the reference waits a frame (silence); when it drops
// frames the reference drops as many, so the echo delay the canceller
// sees does not move.
func TestEchoReferenceFollowsDelayChanges(t *testing.T) {
	a, b := mediatest.Pipe(mediatest.Options{})
	defer func() { _ = b.Hangup(context.Background()) }()
	p := newPlayer(a, 8000, 200*time.Millisecond)
	now := time.Now()
	p.now = func() time.Time { return now }
	p.start([]*segment{testSegment(10)})
	p.pump(now)
	c := &call{play: p}
	var got []int16
	for _, shift := range []time.Duration{0, 20 * time.Millisecond, 0, -40 * time.Millisecond, 0, 40 * time.Millisecond, -20 * time.Millisecond, 0} {
		got = append(got, c.echoReference(shift, now).Samples[0])
	}
	// 1; inserted: silence; 2; dropped two: 3 and 4 skipped, 5; 6;
	// inserted two then dropped one: one silence; 7.
	want := []int16{1, 0, 2, 5, 6, 0, 7, 8}
	if !slices.Equal(got, want) {
		t.Errorf("reference frames %v, want %v", got, want)
	}
}
