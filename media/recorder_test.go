package media

import (
	"bytes"
	"errors"
	"io"
	"math"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media/audiotest"
)

// checkRoutines fails the test if goroutines started during it are still
// running shortly after it ends.
func checkRoutines(t *testing.T) {
	t.Helper()
	before := runtime.NumGoroutine()
	t.Cleanup(func() {
		deadline := time.Now().Add(2 * time.Second)
		for runtime.NumGoroutine() > before {
			if time.Now().After(deadline) {
				t.Errorf("%d goroutines leaked", runtime.NumGoroutine()-before)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}

// sendTone writes samples to s in 20 ms frames from timestamp start.
func sendTone(t *testing.T, s Sink, samples []int16, rate int, start time.Duration) {
	t.Helper()
	n := SamplesPerFrame(rate)
	for i := 0; i+n <= len(samples); i += n {
		ts := start + time.Duration(i)*time.Second/time.Duration(rate)
		if err := s.WriteFrame(Frame{Samples: samples[i : i+n], Rate: rate, Timestamp: ts}); err != nil {
			t.Fatal(err)
		}
	}
}

// readStereo splits a stereo WAV into its channels.
func readStereo(t *testing.T, b []byte) (left, right []int16, rate int) {
	t.Helper()
	pcm, rate, ch, err := ReadWAV(bytes.NewReader(b))
	if err != nil || ch != 2 {
		t.Fatalf("ReadWAV: %d channels, %v", ch, err)
	}
	for i := 0; i+1 < len(pcm); i += 2 {
		left = append(left, pcm[i])
		right = append(right, pcm[i+1])
	}
	return left, right, rate
}

func TestRecorderChannels(t *testing.T) {
	checkRoutines(t)
	for _, rate := range rates {
		var buf seekBuffer
		rec, err := NewRecorder(&buf, rate)
		if err != nil {
			t.Fatal(err)
		}
		// Caller at 8 kHz (G.711), bot at 16 kHz (TTS): interleaved as a
		// call would deliver them.
		caller := audiotest.Tone(500, Rate8k, time.Second, 0.5)
		bot := audiotest.Tone(1500, Rate16k, time.Second, 0.5)
		for i := 0; i < 50; i++ {
			ts := time.Duration(i) * FrameDuration
			sendTone(t, rec.Left(), caller[i*160:(i+1)*160], Rate8k, ts)
			sendTone(t, rec.Right(), bot[i*320:(i+1)*320], Rate16k, ts)
		}
		if err := rec.Close(); err != nil {
			t.Fatal(err)
		}
		left, right, got := readStereo(t, buf.b)
		if got != rate || len(left) != rate {
			t.Fatalf("@%d: %d Hz, %d samples per channel, want %d", rate, got, len(left), rate)
		}
		left, right = left[rate/10:], right[rate/10:]
		if f := audiotest.PeakFrequency(left, rate); math.Abs(f-500) > 3 {
			t.Errorf("@%d: left peaks at %.1f Hz, want 500", rate, f)
		}
		if f := audiotest.PeakFrequency(right, rate); math.Abs(f-1500) > 3 {
			t.Errorf("@%d: right peaks at %.1f Hz, want 1500", rate, f)
		}
		if p := audiotest.DB(audiotest.Power(left, rate, 1500)); p > -50 {
			t.Errorf("@%d: right's tone leaks into left at %.1f dB", rate, p)
		}
		if a := audiotest.Amplitude(right, rate, 1500); math.Abs(a-0.5) > 0.02 {
			t.Errorf("@%d: right amplitude %.3f, want 0.5", rate, a)
		}
		if rec.Dropped() != 0 {
			t.Errorf("@%d: %d frames dropped", rate, rec.Dropped())
		}
	}
}

// TestRecorderGap: a side's missing frames become silence, and the
// channels stay in sync after it.
func TestRecorderGap(t *testing.T) {
	checkRoutines(t)
	var buf seekBuffer
	rec, _ := NewRecorder(&buf, Rate8k)
	tone := audiotest.Tone(1000, Rate8k, time.Second, 0.5)
	// Left: 0-200 ms, then 500-1000 ms. Right: 0-1000 ms.
	for i := 0; i < 50; i++ {
		ts := time.Duration(i) * FrameDuration
		if i < 10 || i >= 25 {
			sendTone(t, rec.Left(), tone[i*160:(i+1)*160], Rate8k, ts)
		}
		sendTone(t, rec.Right(), tone[i*160:(i+1)*160], Rate8k, ts)
	}
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	left, right, _ := readStereo(t, buf.b)
	if len(left) != Rate8k {
		t.Fatalf("%d samples, want %d", len(left), Rate8k)
	}
	for i := 1600; i < 4000; i++ {
		if left[i] != 0 {
			t.Fatalf("left[%d] = %d in the gap, want silence", i, left[i])
		}
	}
	for i, want := range tone {
		if left[i] != want && (i < 1600 || i >= 4000) {
			t.Fatalf("left[%d] = %d, want %d: out of sync", i, left[i], want)
		}
		if right[i] != want {
			t.Fatalf("right[%d] = %d, want %d", i, right[i], want)
		}
	}
}

// TestRecorderOneSided: a side that never speaks is silence, and the
// other side is written before Close once the silent one counts as idle.
func TestRecorderOneSided(t *testing.T) {
	checkRoutines(t)
	var buf seekBuffer
	rec, _ := NewRecorder(&buf, Rate16k, WithIdle(10*time.Millisecond))
	sendTone(t, rec.Right(), audiotest.Tone(700, Rate16k, 500*time.Millisecond, 0.3), Rate16k, 200*time.Millisecond)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	left, right, _ := readStereo(t, buf.b)
	if len(right) != Rate16k*7/10 {
		t.Fatalf("%d samples, want %d (200 ms of leading silence + 500 ms)", len(right), Rate16k*7/10)
	}
	if audiotest.RMS(left) != 0 || audiotest.RMS(right[:3200]) != 0 {
		t.Error("silence is not silent")
	}
	if a := audiotest.Amplitude(right[3200:], Rate16k, 700); math.Abs(a-0.3) > 0.01 {
		t.Errorf("amplitude %.3f, want 0.3", a)
	}
}

// slowWriter is a WriteSeeker whose writes take d.
type slowWriter struct {
	seekBuffer
	d time.Duration
}

func (w *slowWriter) Write(p []byte) (int, error) {
	time.Sleep(w.d)
	return w.seekBuffer.Write(p)
}

// TestRecorderSlowWriter: a writer that is slower than real time makes the
// recorder drop frames, never block the media path.
func TestRecorderSlowWriter(t *testing.T) {
	checkRoutines(t)
	w := &slowWriter{d: 20 * time.Millisecond}
	rec, err := NewRecorder(w, Rate8k, WithQueueSize(8))
	if err != nil {
		t.Fatal(err)
	}
	frame := audiotest.Tone(1000, Rate8k, FrameDuration, 0.5)
	var worst time.Duration
	const frames = 200
	for i := range frames {
		for _, s := range []Sink{rec.Left(), rec.Right()} {
			start := time.Now()
			if err := s.WriteFrame(Frame{Samples: frame, Rate: Rate8k, Timestamp: time.Duration(i) * FrameDuration}); err != nil {
				t.Fatal(err)
			}
			worst = max(worst, time.Since(start))
		}
	}
	if worst > 5*time.Millisecond {
		t.Errorf("WriteFrame took up to %v with a slow writer", worst)
	}
	if rec.Dropped() == 0 {
		t.Error("no frames counted as dropped")
	}
	t.Logf("slowest WriteFrame %v; %d of %d frames dropped", worst, rec.Dropped(), 2*frames)
	if err := rec.Close(); err != nil {
		t.Fatal(err)
	}
	if err := rec.Left().WriteFrame(Frame{Samples: frame, Rate: Rate8k}); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteFrame after Close: %v", err)
	}
	if _, _, ch, err := ReadWAV(bytes.NewReader(w.b)); err != nil || ch != 2 {
		t.Errorf("file after drops: %d channels, %v", ch, err)
	}
}

// TestRecorderConcurrent: both sides and Close from different goroutines
// (for the race detector).
func TestRecorderConcurrent(t *testing.T) {
	checkRoutines(t)
	var buf seekBuffer
	rec, _ := NewRecorder(&buf, Rate16k, WithQueueSize(4))
	frame := make([]int16, 160)
	var wg sync.WaitGroup
	for _, s := range []Sink{rec.Left(), rec.Right()} {
		wg.Go(func() {
			for i := 0; i < 3000; i++ {
				err := s.WriteFrame(Frame{Samples: frame, Rate: Rate8k, Timestamp: time.Duration(i) * FrameDuration})
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				runtime.Gosched()
			}
		})
	}
	time.Sleep(20 * time.Millisecond)
	if err := rec.Close(); err != nil {
		t.Error(err)
	}
	wg.Wait()
	if err := rec.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

type failWriter struct{ seekBuffer }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.off >= 44 {
		return 0, errors.New("disk full")
	}
	return w.seekBuffer.Write(p)
}

func TestRecorderErrors(t *testing.T) {
	checkRoutines(t)
	if _, err := NewRecorder(&seekBuffer{}, 44100); !errors.Is(err, ErrUnsupportedRate) {
		t.Errorf("44.1 kHz: %v", err)
	}
	rec, _ := NewRecorder(&failWriter{}, Rate8k)
	if err := rec.Left().WriteFrame(Frame{Samples: make([]int16, 441), Rate: 22050}); !errors.Is(err, ErrUnsupportedRate) {
		t.Errorf("22.05 kHz frame: %v", err)
	}
	sendTone(t, rec.Left(), make([]int16, 800), Rate8k, 0)
	sendTone(t, rec.Right(), make([]int16, 800), Rate8k, 0)
	if err := rec.Close(); err == nil || err.Error() != "media: writing WAV data: disk full" {
		t.Errorf("Close: %v, want the write error", err)
	}
}

// BenchmarkRecorderWriteFrame is the media path's cost: one 20 ms frame
// queued for each side per op. The timer stops while the queue drains so
// that the queue always has room (the drop path is cheaper still).
func BenchmarkRecorderWriteFrame(b *testing.B) {
	rec, _ := NewRecorder(&discardSeeker{}, Rate16k, WithQueueSize(256))
	defer rec.Close()
	l := Frame{Samples: audiotest.Tone(500, Rate8k, FrameDuration, 0.5), Rate: Rate8k}
	r := Frame{Samples: audiotest.Tone(900, Rate16k, FrameDuration, 0.5), Rate: Rate16k}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_ = rec.Left().WriteFrame(l)
		_ = rec.Right().WriteFrame(r)
		l.Timestamp += FrameDuration
		r.Timestamp += FrameDuration
		if i++; i%100 == 0 {
			b.StopTimer()
			for len(rec.queue) > 0 {
				runtime.Gosched()
			}
			b.StartTimer()
		}
	}
	b.ReportMetric(float64(rec.Dropped())/float64(2*i), "dropped/frame")
}

// BenchmarkRecorderProcess is the recorder goroutine's cost per op: a
// caller frame at 8 kHz resampled to 16 kHz, a bot frame at 16 kHz, both
// interleaved and written.
func BenchmarkRecorderProcess(b *testing.B) {
	rec, _ := NewRecorder(&discardSeeker{}, Rate16k)
	defer rec.Close()
	// Nothing is queued, so the goroutine stays idle: process is called
	// here directly.
	l := recItem{side: 0, samples: audiotest.Tone(500, Rate8k, FrameDuration, 0.5), rate: Rate8k}
	r := recItem{side: 1, samples: audiotest.Tone(900, Rate16k, FrameDuration, 0.5), rate: Rate16k}
	b.ReportAllocs()
	for b.Loop() {
		rec.process(l)
		rec.process(r)
		l.ts += FrameDuration
		r.ts += FrameDuration
	}
}

// discardSeeker is a WriteSeeker that keeps nothing.
type discardSeeker struct{ off, size int64 }

func (d *discardSeeker) Write(p []byte) (int, error) {
	d.off += int64(len(p))
	d.size = max(d.size, d.off)
	return len(p), nil
}

func (d *discardSeeker) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		off += d.off
	case io.SeekEnd:
		off += d.size
	}
	d.off = off
	return off, nil
}
