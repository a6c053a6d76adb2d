package webrtc

import (
	"bytes"
	"context"
	"math"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
)

// checkFor polls cond until it holds or timeout passes.
func checkFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// checkLeaks fails the test if goroutines of pion or of this package are
// still running when it ends (after the other cleanups ran).
func checkLeaks(t *testing.T) {
	t.Helper()
	t.Cleanup(func() {
		var stacks []string
		deadline := time.Now().Add(10 * time.Second)
		for {
			stacks = leaked()
			if len(stacks) == 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if len(stacks) > 0 {
			t.Errorf("%d goroutines leaked:\n%s", len(stacks), strings.Join(stacks, "\n\n"))
		}
	})
}

func leaked() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		s := string(g)
		if strings.Contains(s, "testing.tRunner") || strings.Contains(s, "testing.(*T)") {
			continue
		}
		if strings.Contains(s, "github.com/pion/") || strings.Contains(s, "switchboard/media/webrtc.") {
			out = append(out, s)
		}
	}
	return out
}

// loopbackOnly keeps ICE on 127.0.0.1.
func loopbackOnly(ip net.IP) bool { return ip.IsLoopback() && ip.To4() != nil }

// echoApp answers every call by sending back what it receives, and
// records what it heard and the digits.
type echoApp struct {
	mu     sync.Mutex
	heard  []int16
	digits []rune
	legs   []media.Leg
	closed int
}

func (a *echoApp) Serve(ctx context.Context, leg media.Leg) error {
	a.mu.Lock()
	a.legs = append(a.legs, leg)
	a.mu.Unlock()
	leg.Attach(&echoReceiver{app: a, leg: leg})
	select {
	case <-ctx.Done():
	case <-leg.Done():
	}
	return nil
}

func (a *echoApp) Digits() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return string(a.digits)
}

func (a *echoApp) Heard() []int16 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]int16(nil), a.heard...)
}

type echoReceiver struct {
	app *echoApp
	leg media.Leg
}

func (r *echoReceiver) WriteFrame(f media.Frame) error {
	r.app.mu.Lock()
	if len(r.app.heard) < 60*media.Rate8k {
		r.app.heard = append(r.app.heard, f.Samples...)
	}
	r.app.mu.Unlock()
	return r.leg.WriteFrame(f)
}

func (r *echoReceiver) OnDTMF(d media.DTMF) {
	r.app.mu.Lock()
	r.app.digits = append(r.app.digits, d.Digit)
	r.app.mu.Unlock()
}

func (r *echoReceiver) Close() error {
	r.app.mu.Lock()
	r.app.closed++
	r.app.mu.Unlock()
	return nil
}

// tone returns n samples of a sine at freq Hz.
func tone(freq float64, rate, n int, amp float64) []int16 {
	out := make([]int16, n)
	for i := range out {
		out[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
	}
	return out
}

// goertzel returns the power of freq in x relative to x's total power
// (1 for a pure tone at freq).
func goertzel(x []int16, freq float64, rate int) float64 {
	if len(x) == 0 {
		return 0
	}
	w := 2 * math.Pi * freq / float64(rate)
	coeff := 2 * math.Cos(w)
	var s1, s2, total float64
	for _, v := range x {
		f := float64(v)
		s := f + coeff*s1 - s2
		s2, s1 = s1, s
		total += f * f
	}
	if total == 0 {
		return 0
	}
	p := s1*s1 + s2*s2 - coeff*s1*s2
	return 2 * p / (float64(len(x)) * total)
}

// toneDuration returns how much of x (in 20 ms frames) is a clear tone
// at freq: not silent, and at least 80% of the frame's power at freq.
func toneDuration(x []int16, freq float64, rate int) time.Duration {
	spf := media.SamplesPerFrame(rate)
	n := 0
	for i := 0; i+spf <= len(x); i += spf {
		var e float64
		for _, v := range x[i : i+spf] {
			e += float64(v) * float64(v)
		}
		if e/float64(spf) > 100*100 && goertzel(x[i:i+spf], freq, rate) > 0.8 {
			n++
		}
	}
	return time.Duration(n) * media.FrameDuration
}

// toneRatio finds the loudest 100 ms window in x and returns the share of
// its power at freq.
func toneRatio(x []int16, freq float64, rate int) float64 {
	win := rate / 10
	best, bestEnergy := 0.0, 0.0
	for i := 0; i+win <= len(x); i += win / 2 {
		var e float64
		for _, v := range x[i : i+win] {
			e += float64(v) * float64(v)
		}
		if e > bestEnergy {
			bestEnergy, best = e, goertzel(x[i:i+win], freq, rate)
		}
	}
	return best
}

func TestGoertzel(t *testing.T) {
	x := tone(1000, 8000, 800, 8000)
	if r := goertzel(x, 1000, 8000); r < 0.9 {
		t.Errorf("1 kHz share of a 1 kHz tone = %.2f", r)
	}
	if r := goertzel(x, 440, 8000); r > 0.05 {
		t.Errorf("440 Hz share of a 1 kHz tone = %.2f", r)
	}
}
