package phone_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/webrtc"
	"github.com/switchboard-voice/switchboard/web/phone"
)

const chromiumPath = "/usr/bin/chromium"

// TestBrowserCall runs the page in headless Chromium with a fake
// microphone playing a 440 Hz tone, calls an echo application, and checks
// audio both ways, a keypad digit, and hang-up.
func TestBrowserCall(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		msg := fmt.Sprintf("%s not found (apt-get install chromium): %v", chromiumPath, err)
		if os.Getenv("SWITCHBOARD_REQUIRE_BROWSER") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if testing.Short() {
		t.Skip("starts a browser")
	}

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

	dir := t.TempDir()
	wav := filepath.Join(dir, "tone.wav")
	if err := os.WriteFile(wav, toneWAV(440, 48000, 10*time.Second), 0o644); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("use-file-for-fake-audio-capture", wav),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		// Let WebRTC gather 127.0.0.1, so that media stays on loopback.
		chromedp.Flag("allow-loopback-in-peer-connection", true),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	var logMu sync.Mutex
	var console []string
	listener := func(ev any) {
		logMu.Lock()
		defer logMu.Unlock()
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			var parts []string
			for _, a := range ev.Args {
				parts = append(parts, string(a.Value))
			}
			console = append(console, fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(parts, " ")))
		case *runtime.EventExceptionThrown:
			console = append(console, fmt.Sprintf("exception: %s %+v", ev.ExceptionDetails.Text, ev.ExceptionDetails.Exception))
		}
	}
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf), chromedp.WithListener(listener))
	defer cancel()
	defer func() {
		if t.Failed() {
			logMu.Lock()
			t.Logf("browser console:\n%s", strings.Join(console, "\n"))
			logMu.Unlock()
		}
	}()

	// The first Run starts the browser: no timeout on it.
	if err := chromedp.Do(ctx, chromedp.Navigate(hs.URL+"/phone")); err != nil {
		t.Fatal(err)
	}
	step := func(what string, timeout time.Duration, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, timeout)
		defer scancel()
		if err := chromedp.Do(sctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(expr string) string {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, 5*time.Second)
		defer scancel()
		v, err := chromedp.Run(sctx, chromedp.Evaluate[any](expr))
		if err != nil {
			t.Fatalf("evaluate %s: %v", expr, err)
		}
		return fmt.Sprint(v)
	}
	poll := func(what string, timeout time.Duration, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(timeout)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("timed out after %v waiting for %s (page state %q, error %q)", timeout, what,
					eval("window.phone.state"), eval("window.phone.error"))
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	step("page loads", 10*time.Second, chromedp.WaitVisible("#call"))
	if got := eval("document.querySelector('#number').value"); got != "echo" {
		t.Errorf("number field %q, want echo", got)
	}
	if got := eval("window.phone.state"); got != "idle" {
		t.Errorf("initial state %q", got)
	}
	step("click Call", 5*time.Second, chromedp.Click("#call"))
	poll("in call", 20*time.Second, func() bool { return eval("window.phone.state") == "incall" })
	if srv.Legs() != 1 {
		t.Errorf("server has %d legs", srv.Legs())
	}

	poll("server hears 440 Hz", 10*time.Second, func() bool {
		return toneDuration(app.Heard(), 440, media.Rate8k) >= 500*time.Millisecond
	})
	poll("page receives the echo", 10*time.Second, func() bool {
		var n float64
		fmt.Sscan(eval("window.phone.stats.packetsReceived"), &n)
		return n >= 50
	})
	if got := eval("window.phone.stats.codec"); got != "PCMU" && got != "PCMA" {
		t.Errorf("page codec %q, want G.711", got)
	}
	poll("the clock shows in call mm:ss", 5*time.Second, func() bool {
		return strings.HasPrefix(eval("document.querySelector('#state').textContent"), "in call 00:0")
	})

	step("press 5", 5*time.Second, chromedp.Click(`#keypad button[data-digit="5"]`))
	poll("server gets 5", 5*time.Second, func() bool { return app.Digits() == "5" })
	step("press #", 5*time.Second, chromedp.Click(`#keypad button[data-digit="#"]`))
	poll("server gets #", 5*time.Second, func() bool { return app.Digits() == "5#" })
	time.Sleep(500 * time.Millisecond) // both paths have delivered by now
	if got := app.Digits(); got != "5#" {
		t.Errorf("digits %q, want 5# (one per key although each goes both ways)", got)
	}

	sctx, scancel := context.WithTimeout(ctx, 10*time.Second)
	png, err := chromedp.Run(sctx, chromedp.CaptureScreenshot())
	scancel()
	if err != nil {
		t.Errorf("screenshot: %v", err)
	} else if err := os.WriteFile("/tmp/phone.png", png, 0o644); err != nil {
		t.Errorf("screenshot: %v", err)
	}

	step("click Hang up", 5*time.Second, chromedp.Click("#hangup"))
	poll("page ended", 5*time.Second, func() bool { return eval("window.phone.state") == "ended" })
	deadline := time.Now().Add(10 * time.Second)
	for srv.Legs() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("leg still up after hang-up")
		}
		time.Sleep(50 * time.Millisecond)
	}
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

// toneWAV returns a mono 16-bit PCM WAV file of a sine.
func toneWAV(freq float64, rate int, d time.Duration) []byte {
	n := int(d.Seconds() * float64(rate))
	data := make([]byte, 0, 2*n)
	for i := range n {
		v := int16(0.5 * 32767 * math.Sin(2*math.Pi*freq*float64(i)/float64(rate)))
		data = binary.LittleEndian.AppendUint16(data, uint16(v))
	}
	h := []byte("RIFF")
	h = binary.LittleEndian.AppendUint32(h, uint32(36+len(data)))
	h = append(h, "WAVEfmt "...)
	h = binary.LittleEndian.AppendUint32(h, 16)
	h = binary.LittleEndian.AppendUint16(h, 1) // PCM
	h = binary.LittleEndian.AppendUint16(h, 1) // mono
	h = binary.LittleEndian.AppendUint32(h, uint32(rate))
	h = binary.LittleEndian.AppendUint32(h, uint32(2*rate))
	h = binary.LittleEndian.AppendUint16(h, 2)
	h = binary.LittleEndian.AppendUint16(h, 16)
	h = append(h, "data"...)
	h = binary.LittleEndian.AppendUint32(h, uint32(len(data)))
	return append(h, data...)
}

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
