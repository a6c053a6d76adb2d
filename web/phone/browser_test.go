package phone_test

import (
	"context"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/internal/browsertest"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/webrtc"
	"github.com/switchboard-voice/switchboard/web/phone"
)

// TestBrowserCall runs the page in headless Chromium with a fake
// microphone playing a 440 Hz tone, calls an echo application, and checks
// audio both ways, a keypad digit, and hang-up.
func TestBrowserCall(t *testing.T) {
	b := browsertest.Start(t,
		browsertest.WithFakeMic(browsertest.ToneWAV(440, 48000, 10*time.Second)),
		browsertest.WithReport("window.phone.state", "window.phone.error"))

	app := &echoApp{}
	srv, err := webrtc.NewServer(webrtc.Config{
		Loopback: true,
		IPFilter: func(ip net.IP) bool { return ip.IsLoopback() && ip.To4() != nil },
	}, webrtc.RouterFunc(func(from, to string) (media.Application, bool) {
		return app, to == "echo"
	}), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	mux := http.NewServeMux()
	mux.Handle("/phone", phone.Handler())
	mux.Handle("/phone/", phone.Handler())
	mux.Handle("/whip/", srv.Handler())
	hs := httptest.NewServer(mux)
	defer hs.Close()

	b.Navigate(hs.URL + "/phone")
	b.WaitVisible("#call")
	if got := b.Eval("document.querySelector('#number').value"); got != "echo" {
		t.Errorf("number field %q, want echo", got)
	}
	if got := b.Eval("window.phone.state"); got != "idle" {
		t.Errorf("initial state %q", got)
	}
	b.Click("#call")
	b.Poll("in call", 20*time.Second, func() bool { return b.Eval("window.phone.state") == "incall" })
	if srv.Legs() != 1 {
		t.Errorf("server has %d legs", srv.Legs())
	}

	b.Poll("server hears 440 Hz", 10*time.Second, func() bool {
		return toneDuration(app.Heard(), 440, media.Rate8k) >= 500*time.Millisecond
	})
	b.Poll("page receives the echo", 10*time.Second, func() bool {
		return b.EvalFloat("window.phone.stats.packetsReceived") >= 50
	})
	if got := b.Eval("window.phone.stats.codec"); got != "PCMU" && got != "PCMA" {
		t.Errorf("page codec %q, want G.711", got)
	}
	b.Poll("the clock shows in call mm:ss", 5*time.Second, func() bool {
		return strings.HasPrefix(b.Eval("document.querySelector('#state').textContent"), "in call 00:0")
	})

	b.Click(`#keypad button[data-digit="5"]`)
	b.Poll("server gets 5", 5*time.Second, func() bool { return app.Digits() == "5" })
	b.Click(`#keypad button[data-digit="#"]`)
	b.Poll("server gets #", 5*time.Second, func() bool { return app.Digits() == "5#" })
	time.Sleep(500 * time.Millisecond) // both paths have delivered by now
	if got := app.Digits(); got != "5#" {
		t.Errorf("digits %q, want 5# (one per key although each goes both ways)", got)
	}

	b.Screenshot("/tmp/phone.png")

	b.Click("#hangup")
	b.Poll("page ended", 5*time.Second, func() bool { return b.Eval("window.phone.state") == "ended" })
	b.Poll("server leg gone", 10*time.Second, func() bool { return srv.Legs() == 0 })
	app.mu.Lock()
	legs := app.legs
	app.mu.Unlock()
	if len(legs) != 1 {
		t.Fatalf("%d legs served", len(legs))
	}
	select {
	case <-legs[0].Done():
	default:
		t.Error("leg not done")
	}
	if err := legs[0].Err(); err != nil {
		t.Errorf("leg ended with %v", err)
	}
	if st := legs[0].(*webrtc.Leg).Stats(); st.PacketsIn < 50 || st.PacketsOut < 50 {
		t.Errorf("leg stats %+v", st)
	} else {
		t.Logf("leg stats: %+v", st)
	}
}

// echoApp sends back what it hears and records audio and digits.
type echoApp struct {
	mu     sync.Mutex
	heard  []int16
	digits []rune
	legs   []media.Leg
}

func (a *echoApp) Serve(ctx context.Context, leg media.Leg) error {
	a.mu.Lock()
	a.legs = append(a.legs, leg)
	a.mu.Unlock()
	leg.Attach(echoReceiver{a, leg})
	select {
	case <-ctx.Done():
	case <-leg.Done():
	}
	return nil
}

func (a *echoApp) Heard() []int16 {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]int16(nil), a.heard...)
}

func (a *echoApp) Digits() string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return string(a.digits)
}

type echoReceiver struct {
	app *echoApp
	leg media.Leg
}

func (r echoReceiver) WriteFrame(f media.Frame) error {
	r.app.mu.Lock()
	if len(r.app.heard) < 60*media.Rate8k {
		r.app.heard = append(r.app.heard, f.Samples...)
	}
	r.app.mu.Unlock()
	return r.leg.WriteFrame(f)
}

func (r echoReceiver) OnDTMF(d media.DTMF) {
	r.app.mu.Lock()
	r.app.digits = append(r.app.digits, d.Digit)
	r.app.mu.Unlock()
}

func (r echoReceiver) Close() error { return nil }

// toneDuration returns how much of x (in 20 ms frames at rate) is a clear
// tone at freq: not silent, and 60% of the frame's power at freq.
func toneDuration(x []int16, freq float64, rate int) time.Duration {
	spf := media.SamplesPerFrame(rate)
	frames := 0
	for i := 0; i+spf <= len(x); i += spf {
		if goertzel(x[i:i+spf], freq, rate) > 0.6 {
			frames++
		}
	}
	return time.Duration(frames) * media.FrameDuration
}

// goertzel returns the share of x's power at freq (1 for a pure tone);
// 0 for near silence.
func goertzel(x []int16, freq float64, rate int) float64 {
	w := 2 * math.Pi * freq / float64(rate)
	coeff := 2 * math.Cos(w)
	var s1, s2, total float64
	for _, v := range x {
		f := float64(v)
		s1, s2 = f+coeff*s1-s2, s1
		total += f * f
	}
	if total/float64(len(x)) < 100*100 {
		return 0
	}
	return 2 * (s1*s1 + s2*s2 - coeff*s1*s2) / (float64(len(x)) * total)
}
