package apps

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/audiotest"
)

// fakeLeg is an in-memory leg: the test plays the caller through its
// receiver and reads what the application writes.
type fakeLeg struct {
	mu      sync.Mutex
	recv    media.Receiver
	written []media.Frame
	done    chan struct{}
	once    sync.Once
}

func newFakeLeg() *fakeLeg { return &fakeLeg{done: make(chan struct{})} }

func (l *fakeLeg) Info() media.LegInfo {
	return media.LegInfo{ID: "call/1", Kind: "sip", From: "alice", To: "echo", Codec: "PCMU", Rate: 8000}
}
func (l *fakeLeg) Attach(r media.Receiver) { l.mu.Lock(); l.recv = r; l.mu.Unlock() }
func (l *fakeLeg) WriteFrame(f media.Frame) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	f.Samples = append([]int16(nil), f.Samples...)
	l.written = append(l.written, f)
	return nil
}
func (l *fakeLeg) Flush() time.Duration               { return 0 }
func (l *fakeLeg) SendDTMF(rune, time.Duration) error { return nil }
func (l *fakeLeg) Hangup(context.Context) error       { l.end(); return nil }
func (l *fakeLeg) Done() <-chan struct{}              { return l.done }
func (l *fakeLeg) Err() error                         { return nil }
func (l *fakeLeg) end()                               { l.once.Do(func() { close(l.done) }) }
func (l *fakeLeg) receiver() media.Receiver           { l.mu.Lock(); defer l.mu.Unlock(); return l.recv }
func (l *fakeLeg) frames() []media.Frame {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]media.Frame(nil), l.written...)
}

func waitFor(t *testing.T, fn func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !fn() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// caller plays samples to the leg's receiver as 20 ms frames.
func caller(t *testing.T, l *fakeLeg, pcm []int16) {
	waitFor(t, func() bool { return l.receiver() != nil })
	r := l.receiver()
	for i, k := 0, 0; i+160 <= len(pcm); i, k = i+160, k+1 {
		if err := r.WriteFrame(media.Frame{Samples: pcm[i : i+160], Rate: 8000, Timestamp: time.Duration(k) * media.FrameDuration}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestEchoAndDTMF(t *testing.T) {
	var got []rune
	var mu sync.Mutex
	app := Echo(nil, func(_ media.LegInfo, d media.DTMF) { mu.Lock(); got = append(got, d.Digit); mu.Unlock() })
	leg := newFakeLeg()
	done := make(chan error, 1)
	go func() { done <- app.Serve(context.Background(), leg) }()
	tone := audiotest.Tone(1000, 8000, 200*time.Millisecond, 0.5)
	caller(t, leg, tone)
	leg.receiver().OnDTMF(media.DTMF{Digit: '5'})
	leg.end()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	fr := leg.frames()
	if len(fr) != 10 {
		t.Fatalf("echoed %d frames, want 10", len(fr))
	}
	var all []int16
	for _, f := range fr {
		all = append(all, f.Samples...)
	}
	if pf := audiotest.PeakFrequency(all, 8000); math.Abs(pf-1000) > 20 {
		t.Errorf("echo peak at %.0f Hz", pf)
	}
	if string(got) != "5" {
		t.Errorf("digits %q", string(got))
	}
}

func writeWAV(t *testing.T, pcm []int16) string {
	path := filepath.Join(t.TempDir(), "prompt.wav")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w, err := media.NewWAVWriter(f, 8000, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WritePCM(pcm); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return path
}

func TestPlayback(t *testing.T) {
	path := writeWAV(t, audiotest.Tone(600, 8000, 300*time.Millisecond, 0.5))
	app, err := Playback(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	leg := newFakeLeg()
	start := time.Now()
	if err := app.Serve(context.Background(), leg); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 200*time.Millisecond {
		t.Errorf("played 300 ms in %v: not paced", d)
	}
	if n := len(leg.frames()); n != 15 {
		t.Errorf("wrote %d frames, want 15", n)
	}
	if _, err := Playback(filepath.Join(t.TempDir(), "missing.wav"), nil); err == nil {
		t.Error("missing file accepted")
	}
	bad := filepath.Join(t.TempDir(), "bad.wav")
	os.WriteFile(bad, []byte("not a wav"), 0o644)
	if _, err := Playback(bad, nil); err == nil {
		t.Error("bad file accepted")
	}
}

func TestDialplan(t *testing.T) {
	a := media.ApplicationFunc(func(context.Context, media.Leg) error { return nil })
	b := media.ApplicationFunc(func(context.Context, media.Leg) error { return context.Canceled })
	dp, err := NewDialplan([]Route{{To: "echo", App: a}, {To: `400\d+`, From: "vip.*", App: b}, {To: `400\d+`, App: a}})
	if err != nil {
		t.Fatal(err)
	}
	if app, ok := dp.Route("x", "echo"); !ok || app.Serve(nil, nil) != nil {
		t.Error("echo route")
	}
	if _, ok := dp.Route("x", "echo2"); ok {
		t.Error("routes are anchored")
	}
	if app, ok := dp.Route("vip-1", "4008208820"); !ok || app.Serve(nil, nil) == nil {
		t.Error("from route")
	}
	if app, ok := dp.Route("bob", "4008208820"); !ok || app.Serve(nil, nil) != nil {
		t.Error("fallthrough route")
	}
	if _, err := NewDialplan([]Route{{To: "(", App: a}}); err == nil {
		t.Error("bad regexp accepted")
	}
	if _, err := NewDialplan([]Route{{To: "x"}}); err == nil {
		t.Error("route without app accepted")
	}
}

func TestRecord(t *testing.T) {
	dir := t.TempDir()
	app := Record(Echo(nil, nil), dir, nil)
	leg := newFakeLeg()
	done := make(chan error, 1)
	go func() { done <- app.Serve(context.Background(), leg) }()
	caller(t, leg, audiotest.Tone(1000, 8000, 400*time.Millisecond, 0.5))
	leg.end()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.wav"))
	if len(files) != 1 {
		t.Fatalf("recordings: %v", files)
	}
	f, _ := os.Open(files[0])
	defer f.Close()
	pcm, rate, ch, err := media.ReadWAV(f)
	if err != nil || rate != 8000 || ch != 2 {
		t.Fatalf("recording: %v rate %d channels %d", err, rate, ch)
	}
	var left, right []int16
	for i := 0; i+1 < len(pcm); i += 2 {
		left, right = append(left, pcm[i]), append(right, pcm[i+1])
	}
	if len(left) < 8000*3/10 {
		t.Fatalf("recorded %d samples", len(left))
	}
	if pf := audiotest.PeakFrequency(left, 8000); math.Abs(pf-1000) > 20 {
		t.Errorf("left peak %.0f Hz", pf)
	}
	if pf := audiotest.PeakFrequency(right, 8000); math.Abs(pf-1000) > 20 {
		t.Errorf("right (echo) peak %.0f Hz", pf)
	}
}

type delayObserver struct {
	media.Receiver
	got time.Duration
}

func (o *delayObserver) OnDelayChange(d time.Duration) { o.got += d }

// TestRecordKeepsDelayObserver: the recording's tee between the leg and
// the application's receiver passes the leg's delay changes on.
func TestRecordKeepsDelayObserver(t *testing.T) {
	obs := &delayObserver{}
	var r media.Receiver = &tee{Receiver: obs, left: media.SinkFunc(func(media.Frame) error { return nil })}
	o, ok := r.(media.DelayObserver)
	if !ok {
		t.Fatal("the recording tee hides media.DelayObserver")
	}
	o.OnDelayChange(-20 * time.Millisecond)
	if obs.got != -20*time.Millisecond {
		t.Errorf("observer got %v, want -20ms", obs.got)
	}
}
