package pcm

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// Framer turns PCM16 chunks of any length at a source rate into full 20 ms
// frames at an output rate, written to a sink as soon as each is complete,
// with timestamps from zero. The resampler's delay is compensated: the
// first output sample lines up with the first input sample, and Flush
// pushes the filter's tail out, so n input samples give n·to/from output
// samples, rounded to the nearest, before the padding of the last frame.
//
// It checks ctx before every frame: once ctx is done nothing more is
// written. A Framer is not safe for concurrent use.
type Framer struct {
	sink   media.Sink
	to     int
	r      *Resampler
	spf    int
	skip   int     // leading output samples still to drop (filter delay)
	pend   []int16 // resampled samples not yet written
	frame  []int16 // the buffer every frame is written from
	in     int64   // input samples so far
	out    int64   // output samples kept so far (after skip)
	frames int
	first  time.Time
}

// CheckRate returns nil for the rates a tts.Request may ask for (8000,
// 16000, 48000) and an error wrapping media.ErrUnsupportedRate otherwise.
func CheckRate(rate int) error {
	switch rate {
	case media.Rate8k, media.Rate16k, media.Rate48k:
		return nil
	}
	return fmt.Errorf("%w: %d Hz (want 8000, 16000 or 48000)", media.ErrUnsupportedRate, rate)
}

// NewFramer returns a Framer from rate from to rate to (one of 8000,
// 16000, 48000) writing to sink.
func NewFramer(sink media.Sink, from, to int) (*Framer, error) {
	if err := CheckRate(to); err != nil {
		return nil, err
	}
	r, err := NewResampler(from, to)
	if err != nil {
		return nil, err
	}
	spf := media.SamplesPerFrame(to)
	f := &Framer{sink: sink, to: to, r: r, spf: spf, frame: make([]int16, spf), pend: make([]int16, 0, 4*spf)}
	if r.f != nil {
		f.skip = int((float64(r.f.taps*r.f.up-1)/2)/float64(r.f.down) + 0.5)
	}
	return f, nil
}

// Write resamples pcm and writes every frame it completes. It returns
// ctx's error if ctx is done before a frame, or the sink's error.
func (f *Framer) Write(ctx context.Context, pcm []int16) error {
	f.in += int64(len(pcm))
	n := len(f.pend)
	f.pend = f.r.Resample(f.pend, pcm)
	if f.skip > 0 {
		d := min(f.skip, len(f.pend)-n)
		f.pend = append(f.pend[:n], f.pend[n+d:]...)
		f.skip -= d
	}
	return f.emit(ctx, len(f.pend))
}

// Flush pushes out the rest of the audio: the resampler's tail, then the
// last partial frame padded with silence. Call it once, at the end.
func (f *Framer) Flush(ctx context.Context) error {
	if tail := f.r.TailSamples(); tail > 0 {
		n := len(f.pend)
		f.pend = f.r.Resample(f.pend, make([]int16, tail))
		if f.skip > 0 {
			d := min(f.skip, len(f.pend)-n)
			f.pend = append(f.pend[:n], f.pend[n+d:]...)
			f.skip = 0
		}
	}
	want := (f.in*int64(f.to)*2/int64(f.r.from) + 1) / 2 // rounded
	if keep := want - f.out; keep >= 0 && keep < int64(len(f.pend)) {
		f.pend = f.pend[:keep]
	}
	if rem := len(f.pend) % f.spf; rem != 0 {
		f.pend = append(f.pend, make([]int16, f.spf-rem)...)
	}
	return f.emit(ctx, len(f.pend))
}

// emit writes the full frames among the first n pending samples.
func (f *Framer) emit(ctx context.Context, n int) error {
	off := 0
	defer func() {
		f.pend = f.pend[:copy(f.pend, f.pend[off:])]
	}()
	for ; n-off >= f.spf; off += f.spf {
		if err := ctx.Err(); err != nil {
			return err
		}
		copy(f.frame, f.pend[off:off+f.spf])
		if f.frames == 0 {
			f.first = time.Now()
		}
		ts := time.Duration(f.frames) * media.FrameDuration
		if err := f.sink.WriteFrame(media.Frame{Samples: f.frame, Rate: f.to, Timestamp: ts}); err != nil {
			off += f.spf
			return err
		}
		f.frames++
		f.out += int64(f.spf)
	}
	return nil
}

// Frames returns how many frames have been written.
func (f *Framer) Frames() int { return f.frames }

// Duration returns the audio written so far.
func (f *Framer) Duration() time.Duration { return time.Duration(f.frames) * media.FrameDuration }

// FirstFrame returns when the first frame was written (zero if none).
func (f *Framer) FirstFrame() time.Time { return f.first }
