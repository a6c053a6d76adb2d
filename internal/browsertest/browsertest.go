package browsertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// RequireEnv is the environment variable that turns a missing browser
// from a skip into a failure, for CI jobs that install Chromium.
const RequireEnv = "SWITCHBOARD_REQUIRE_BROWSER"

// candidates are the Chromium binaries tried in order: Debian's first.
var candidates = []string{"/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome-stable", "google-chrome"}

// ActionTimeout bounds each Click, Eval, WaitVisible and Screenshot.
const ActionTimeout = 10 * time.Second

// navigateTimeout bounds Navigate: the page and its scripts load.
const navigateTimeout = 30 * time.Second

// Option configures Start.
type Option func(*options)

type options struct {
	mic    []byte
	report []string
	width  int
	height int
}

// WithFakeMic makes the fake microphone play wav (a RIFF WAV file, for
// example from ToneWAV) instead of Chromium's beep. Chromium loops it.
func WithFakeMic(wav []byte) Option {
	return func(o *options) { o.mic = wav }
}

// WithReport names JavaScript expressions (such as "window.phone.state")
// whose values Poll prints when it times out.
func WithReport(exprs ...string) Option {
	return func(o *options) { o.report = append(o.report, exprs...) }
}

// WithWindowSize sets the window size, which is also the screenshot size.
// Default 1280x900.
func WithWindowSize(width, height int) Option {
	return func(o *options) { o.width, o.height = width, height }
}

// Browser is one headless Chromium with one tab.
type Browser struct {
	t      testing.TB
	ctx    context.Context // the tab
	report []string

	mu  sync.Mutex
	log []string // console messages, exceptions, chromedp errors
}

// Find returns the path of the Chromium binary, or an error that says how
// to install it.
func Find() (string, error) {
	for _, c := range candidates {
		if p, err := exec.LookPath(c); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Chromium found (tried %s): apt-get install chromium", strings.Join(candidates, ", "))
}

// Start launches headless Chromium and opens a blank tab. It skips the
// test when Chromium is missing (fails when SWITCHBOARD_REQUIRE_BROWSER=1)
// and in -short mode. The browser closes when the test ends.
func Start(t testing.TB, opts ...Option) *Browser {
	t.Helper()
	path, err := Find()
	if err != nil {
		if os.Getenv(RequireEnv) == "1" {
			t.Fatalf("%v (%s=1)", err, RequireEnv)
		}
		t.Skip(err)
	}
	if testing.Short() {
		t.Skip("starts a browser")
	}
	o := options{width: 1280, height: 900}
	for _, opt := range opts {
		opt(&o)
	}

	// Registered before the browser's cleanup, so removed after the
	// browser has exited.
	dir := t.TempDir()
	flags := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.WindowSize(o.width, o.height),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("use-fake-ui-for-media-stream", true),
		chromedp.Flag("use-fake-device-for-media-stream", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"),
		// Let WebRTC gather 127.0.0.1, so that media stays on loopback.
		chromedp.Flag("allow-loopback-in-peer-connection", true),
	}
	if o.mic != nil {
		wav := filepath.Join(dir, "mic.wav")
		if err := os.WriteFile(wav, o.mic, 0o644); err != nil {
			t.Fatal(err)
		}
		flags = append(flags, chromedp.Flag("use-file-for-fake-audio-capture", wav))
	}

	b := &Browser{t: t, report: o.report}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), flags...)
	// chromedp may log from its own goroutines after the test has ended,
	// where t.Logf panics: keep its messages with the console's.
	ctx, cancel := chromedp.NewContext(actx,
		chromedp.WithLogf(b.logf("chromedp")), chromedp.WithErrorf(b.logf("chromedp error")),
		chromedp.WithListener(b.listen))
	b.ctx = ctx
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		if err := chromedp.Cancel(cctx); err != nil {
			b.logf("close")("%v", err)
		}
		ccancel()
		cancel()
		cancelAlloc() // waits for the process to exit
		if t.Failed() {
			b.mu.Lock()
			t.Logf("browser console:\n%s", strings.Join(b.log, "\n"))
			b.mu.Unlock()
		}
	})

	// The first action starts the browser and binds it to its context:
	// no timeout on it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	return b
}

func (b *Browser) logf(prefix string) func(string, ...any) {
	return func(format string, args ...any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		b.log = append(b.log, prefix+": "+fmt.Sprintf(format, args...))
	}
}

// listen records console calls and uncaught exceptions.
func (b *Browser) listen(ev any) {
	var line string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var parts []string
		for _, a := range ev.Args {
			if len(a.Value) > 0 {
				parts = append(parts, string(a.Value))
			} else {
				parts = append(parts, a.Description)
			}
		}
		line = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(parts, " "))
	case *runtime.EventExceptionThrown:
		line = fmt.Sprintf("exception: %s %+v", ev.ExceptionDetails.Text, ev.ExceptionDetails.Exception)
	default:
		return
	}
	b.mu.Lock()
	b.log = append(b.log, line)
	b.mu.Unlock()
}

// Console returns the console messages and exceptions so far.
func (b *Browser) Console() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.log...)
}

// Context returns the tab's chromedp context, for actions the Browser
// methods do not cover. Derive a timeout from it for each action.
func (b *Browser) Context() context.Context { return b.ctx }

// Do runs chromedp actions within timeout, failing the test with what on
// error.
func (b *Browser) Do(what string, timeout time.Duration, actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// Navigate loads url and waits for its load event.
func (b *Browser) Navigate(url string) {
	b.t.Helper()
	b.Do("navigate to "+url, navigateTimeout, chromedp.Navigate(url))
}

// WaitVisible waits until the element matching the CSS selector is
// visible.
func (b *Browser) WaitVisible(selector string) {
	b.t.Helper()
	b.Do("wait for "+selector+" to be visible", ActionTimeout, chromedp.WaitVisible(selector))
}

// Click waits for the element matching the CSS selector to be visible and
// clicks it.
func (b *Browser) Click(selector string) {
	b.t.Helper()
	b.Do("click "+selector, ActionTimeout, chromedp.Click(selector))
}

// Eval evaluates the JavaScript expression, awaiting it when it is a
// promise, and returns its value formatted with fmt.Sprint: "<nil>" for
// null and undefined, numbers as float64 ("50", "0.5"), true/false.
func (b *Browser) Eval(expr string) string {
	b.t.Helper()
	s, err := b.eval(expr)
	if err != nil {
		b.t.Fatalf("evaluate %s: %v", expr, err)
	}
	return s
}

func (b *Browser) eval(expr string) (string, error) {
	ctx, cancel := context.WithTimeout(b.ctx, ActionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[any](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		return "", err
	}
	return fmt.Sprint(v), nil
}

// EvalFloat evaluates expr as a number: 0 when it is not one.
func (b *Browser) EvalFloat(expr string) float64 {
	b.t.Helper()
	var f float64
	_, _ = fmt.Sscan(b.Eval(expr), &f)
	return f
}

// Poll calls cond every 100 ms until it returns true, and fails the test
// when timeout passes first, printing the WithReport expressions.
func (b *Browser) Poll(what string, timeout time.Duration, cond func() bool) {
	b.t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			b.t.Fatalf("timed out after %v waiting for %s%s", timeout, what, b.pageReport())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pageReport formats the WithReport expressions' values.
func (b *Browser) pageReport() string {
	var sb strings.Builder
	for _, expr := range b.report {
		v, err := b.eval(expr)
		if err != nil {
			v = "error: " + err.Error()
		}
		fmt.Fprintf(&sb, "\n  %s = %q", expr, v)
	}
	return sb.String()
}

// Screenshot saves a PNG of the viewport to path. A failure is reported
// with t.Error: the test goes on.
func (b *Browser) Screenshot(path string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, ActionTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err == nil {
		err = os.WriteFile(path, png, 0o644)
	}
	if err != nil {
		b.t.Errorf("screenshot %s: %v", path, err)
	}
}
