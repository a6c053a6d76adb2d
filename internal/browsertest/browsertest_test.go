package browsertest

import (
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestToneWAV(t *testing.T) {
	for _, tc := range []struct {
		freq float64
		rate int
		d    time.Duration
	}{
		{440, 48000, time.Second},
		{1000, 8000, 20 * time.Millisecond},
		{440, 16000, 0},
	} {
		w := ToneWAV(tc.freq, tc.rate, tc.d)
		n := int(tc.d.Seconds() * float64(tc.rate))
		if len(w) != 44+2*n {
			t.Fatalf("%v: %d bytes, want %d", tc, len(w), 44+2*n)
		}
		le := binary.LittleEndian
		if string(w[0:4]) != "RIFF" || string(w[8:16]) != "WAVEfmt " || string(w[36:40]) != "data" {
			t.Fatalf("%v: header %q", tc, w[:44])
		}
		if le.Uint32(w[4:]) != uint32(len(w)-8) || le.Uint32(w[40:]) != uint32(2*n) ||
			le.Uint16(w[20:]) != 1 || le.Uint16(w[22:]) != 1 || le.Uint32(w[24:]) != uint32(tc.rate) ||
			le.Uint32(w[28:]) != uint32(2*tc.rate) || le.Uint16(w[32:]) != 2 || le.Uint16(w[34:]) != 16 {
			t.Fatalf("%v: header %v", tc, w[:44])
		}
		// Half scale: the peak is near 16383.
		var peak int16
		for i := 44; i+1 < len(w); i += 2 {
			peak = max(peak, int16(le.Uint16(w[i:])))
		}
		if n >= tc.rate/100 && (peak < 16000 || peak > 16384) {
			t.Errorf("%v: peak %d", tc, peak)
		}
	}
}

const page = `<!doctype html><title>t</title>
<button id="b" onclick="window.clicks = (window.clicks || 0) + 1; console.log('clicked', window.clicks)">b</button>
<script>console.warn('loaded')</script>`

func TestBrowser(t *testing.T) {
	b := Start(t, WithFakeMic(ToneWAV(440, 48000, time.Second)), WithReport("window.clicks"))
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(page))
	}))
	defer hs.Close()

	b.Navigate(hs.URL)
	b.WaitVisible("#b")
	if got := b.Eval("window.clicks"); got != "<nil>" {
		t.Errorf("clicks before a click: %q", got)
	}
	b.Click("#b")
	b.Click("#b")
	b.Poll("two clicks", 5*time.Second, func() bool { return b.EvalFloat("window.clicks") == 2 })
	if got := b.Eval("document.title + ' ' + (1 + 1)"); got != "t 2" {
		t.Errorf("Eval: %q", got)
	}
	// The fake microphone is granted without a prompt.
	got := b.Eval(`navigator.mediaDevices.getUserMedia({audio: true}).then(s => s.getAudioTracks().length)`)
	if got != "1" {
		t.Errorf("getUserMedia: %q audio tracks", got)
	}
	b.Poll("console messages", 5*time.Second, func() bool {
		c := b.Console()
		return slices.Contains(c, `console.warning: "loaded"`) && slices.Contains(c, `console.log: "clicked" 2`)
	})
	path := t.TempDir() + "/shot.png"
	b.Screenshot(path)
	if r := b.pageReport(); !strings.Contains(r, `window.clicks = "2"`) {
		t.Errorf("report %q", r)
	}
}

func TestStartWithoutChromium(t *testing.T) {
	saved := candidates
	candidates = []string{"/nonexistent/chromium"}
	defer func() { candidates = saved }()
	if _, err := Find(); err == nil || !strings.Contains(err.Error(), "apt-get install chromium") {
		t.Fatalf("Find: %v", err)
	}
	t.Setenv(RequireEnv, "")
	var skipped bool
	t.Run("skips", func(t *testing.T) {
		defer func() { skipped = t.Skipped() }()
		Start(t)
		t.Error("Start returned without a browser")
	})
	if !skipped {
		t.Error("Start did not skip")
	}
}
