package webrtc

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/interceptor"
	pion "github.com/pion/webrtc/v4"

	"github.com/switchboard-voice/switchboard/media"
)

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("SWITCHBOARD_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// newTestServer starts a Server routing "echo" to app, behind httptest.
func newTestServer(t *testing.T, cfg Config, app media.Application) (*Server, *httptest.Server) {
	t.Helper()
	cfg.Loopback = true
	cfg.IPFilter = loopbackOnly
	srv, err := NewServer(cfg, RouterFunc(func(from, to string) (media.Application, bool) {
		return app, to == "echo"
	}), testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Error(err)
		}
		hs.Close()
	})
	return srv, hs
}

// client is a Go WebRTC peer playing the browser: it sends audio and
// telephone-events with this package's pacer, DTMF on a "dtmf" data
// channel, and records the audio it receives.
type client struct {
	t        *testing.T
	pc       *pion.PeerConnection
	dc       *pion.DataChannel
	snd      *sender
	stats    counters
	stop     chan struct{}
	wg       sync.WaitGroup
	location string

	mu    sync.Mutex
	heard []int16
}

func newClient(t *testing.T) *client {
	t.Helper()
	me, err := mediaEngine()
	if err != nil {
		t.Fatal(err)
	}
	var se pion.SettingEngine
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(loopbackOnly)
	se.SetNetworkTypes([]pion.NetworkType{pion.NetworkTypeUDP4})
	ir := &interceptor.Registry{}
	api := pion.NewAPI(pion.WithMediaEngine(me), pion.WithSettingEngine(se), pion.WithInterceptorRegistry(ir))
	pc, err := api.NewPeerConnection(pion.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, pc: pc, stop: make(chan struct{})}
	track := &sendTrack{id: "mic", streamID: "client"}
	if _, err := pc.AddTrack(track); err != nil {
		t.Fatal(err)
	}
	c.snd = newSender(track, &c.stats, time.Minute, 1000, 5000)
	if c.dc, err = pc.CreateDataChannel("dtmf", nil); err != nil {
		t.Fatal(err)
	}
	pc.OnTrack(func(tr *pion.TrackRemote, _ *pion.RTPReceiver) {
		c.wg.Add(1)
		defer c.wg.Done()
		dec, _ := media.NewCodec("PCMU")
		for {
			p, _, err := tr.ReadRTP()
			if err != nil {
				return
			}
			if !strings.EqualFold(tr.Codec().MimeType, pion.MimeTypePCMU) {
				continue
			}
			c.mu.Lock()
			c.heard, _ = dec.Decode(c.heard, p.Payload)
			c.mu.Unlock()
		}
	})
	t.Cleanup(c.close)
	return c
}

func (c *client) close() {
	select {
	case <-c.stop:
		return
	default:
	}
	close(c.stop)
	_ = c.pc.Close()
	c.wg.Wait()
}

// offer returns the client's offer with candidates gathered.
func (c *client) offer() string {
	c.t.Helper()
	offer, err := c.pc.CreateOffer(nil)
	if err != nil {
		c.t.Fatal(err)
	}
	gathered := pion.GatheringCompletePromise(c.pc)
	if err := c.pc.SetLocalDescription(offer); err != nil {
		c.t.Fatal(err)
	}
	<-gathered
	return c.pc.LocalDescription().SDP
}

// call posts the offer to base+"/whip/"+to, applies the answer, waits
// for the connection and starts the pacer.
func (c *client) call(base, to string) {
	c.t.Helper()
	c.dial(base, to)
	c.connect()
}

// dial posts the offer and applies the answer.
func (c *client) dial(base, to string) {
	c.t.Helper()
	resp, body := post(c.t, base+"/whip/"+to, "application/sdp", c.offer())
	if resp.StatusCode != http.StatusCreated {
		c.t.Fatalf("POST: %s: %s", resp.Status, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/sdp" {
		c.t.Errorf("answer Content-Type %q", ct)
	}
	c.location = resp.Header.Get("Location")
	if !strings.HasPrefix(c.location, "/whip/"+to+"/") {
		c.t.Errorf("Location %q", c.location)
	}
	if strings.Contains(strings.ToLower(body), "opus") {
		c.t.Errorf("answer offers opus:\n%s", body)
	}
	if err := c.pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: body}); err != nil {
		c.t.Fatal(err)
	}
}

// connect waits for the connection and starts the pacer.
func (c *client) connect() {
	c.t.Helper()
	checkFor(c.t, 10*time.Second, "client connected", func() bool {
		return c.pc.ConnectionState() == pion.PeerConnectionStateConnected
	})
	checkFor(c.t, 10*time.Second, "data channel open", func() bool {
		return c.dc.ReadyState() == pion.DataChannelStateOpen
	})
	enc, _ := media.NewCodec("PCMU")
	c.snd.start(enc)
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		pace(c.stop, c.snd.tick)
	}()
}

func (c *client) Heard() []int16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]int16(nil), c.heard...)
}

func post(t testing.TB, url, contentType, body string) (*http.Response, string) {
	t.Helper()
	return do(t, http.MethodPost, url, contentType, body)
}

func do(t testing.TB, method, url, contentType, body string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestEchoToneDTMFAndHangup(t *testing.T) {
	checkLeaks(t)
	app := &echoApp{}
	srv, hs := newTestServer(t, Config{}, app)
	c := newClient(t)
	c.call(hs.URL, "echo")
	checkFor(t, 5*time.Second, "one leg", func() bool { return srv.Legs() == 1 })

	// 1 s of 1 kHz as PCMU, then 0.5 s of silence for the echo to return.
	tn := tone(1000, media.Rate8k, media.Rate8k, 8000)
	for i := 0; i < len(tn); i += 160 {
		if err := c.snd.write(media.Frame{Samples: tn[i : i+160], Rate: media.Rate8k}); err != nil {
			t.Fatal(err)
		}
	}
	checkFor(t, 5*time.Second, "900 ms of echoed tone", func() bool {
		return toneDuration(c.Heard(), 1000, media.Rate8k) >= 900*time.Millisecond
	})
	if d := toneDuration(app.Heard(), 1000, media.Rate8k); d < 900*time.Millisecond {
		t.Errorf("server heard %v of 1 kHz", d)
	}

	// DTMF: telephone-events, then the data channel, then the same digit
	// both ways (the phone page does that) which must arrive once.
	for _, d := range "123" {
		if err := c.snd.sendDigit(d, 60*time.Millisecond); err != nil {
			t.Fatal(err)
		}
	}
	checkFor(t, 5*time.Second, "digits 123", func() bool { return app.Digits() == "123" })
	for _, d := range []string{"4", "5", "#"} {
		if err := c.dc.SendText(d); err != nil {
			t.Fatal(err)
		}
	}
	checkFor(t, 5*time.Second, "digits 45#", func() bool { return app.Digits() == "12345#" })
	if err := c.dc.SendText("9"); err != nil {
		t.Fatal(err)
	}
	if err := c.snd.sendDigit('9', 60*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 5*time.Second, "digit 9", func() bool { return app.Digits() == "12345#9" })
	time.Sleep(300 * time.Millisecond) // the telephone-event 9 has arrived by now
	if got := app.Digits(); got != "12345#9" {
		t.Errorf("digits %q, want 12345#9 (the duplicate 9 dropped)", got)
	}

	leg, ok := srv.Leg(strings.TrimPrefix(c.location, "/whip/echo/"))
	if !ok {
		t.Fatal("leg not found")
	}
	info := leg.Info()
	if info.Kind != "webrtc" || info.Codec != "PCMU" || info.Rate != media.Rate8k || info.To != "echo" || info.Remote == "" {
		t.Errorf("Info = %+v", info)
	}
	st := leg.Stats()
	if st.PacketsIn < 50 || st.PacketsOut < 50 || st.DTMFIn != 7 {
		t.Errorf("Stats = %+v", st)
	}
	t.Logf("server leg stats: %+v", st)

	// A leg can send DTMF to the browser too.
	if err := leg.SendDTMF('5', 0); err != nil {
		t.Error(err)
	}
	if err := leg.SendDTMF('x', 0); err == nil {
		t.Error("SendDTMF('x') succeeded")
	}

	resp, body := do(t, http.MethodDelete, hs.URL+c.location, "", "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("DELETE: %s: %s", resp.Status, body)
	}
	select {
	case <-leg.Done():
	default:
		t.Error("leg not done after DELETE")
	}
	if err := leg.Err(); err != nil {
		t.Errorf("Err after DELETE = %v", err)
	}
	checkFor(t, 5*time.Second, "no legs", func() bool { return srv.Legs() == 0 })
	if err := leg.WriteFrame(media.Frame{Samples: make([]int16, 160), Rate: 8000}); err == nil {
		t.Error("WriteFrame after hangup succeeded")
	}
	app.mu.Lock()
	closed := app.closed
	app.mu.Unlock()
	if closed != 1 {
		t.Errorf("receiver closed %d times", closed)
	}
	resp, _ = do(t, http.MethodDelete, hs.URL+c.location, "", "")
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("second DELETE: %s", resp.Status)
	}
}

// TestPeerGoesAway: the client closes without DELETE; the leg ends.
func TestPeerGoesAway(t *testing.T) {
	checkLeaks(t)
	app := &echoApp{}
	srv, hs := newTestServer(t, Config{}, app)
	c := newClient(t)
	c.call(hs.URL, "echo")
	checkFor(t, 5*time.Second, "application started", func() bool {
		app.mu.Lock()
		defer app.mu.Unlock()
		return len(app.legs) == 1
	})
	c.close()
	checkFor(t, 40*time.Second, "no legs", func() bool { return srv.Legs() == 0 })
}

// TestHangupFromApplication: an application that hangs up ends the leg
// and the browser sees the connection close.
func TestHangupFromApplication(t *testing.T) {
	checkLeaks(t)
	app := media.ApplicationFunc(func(ctx context.Context, leg media.Leg) error {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		return leg.Hangup(ctx)
	})
	srv, hs := newTestServer(t, Config{}, app)
	c := newClient(t)
	c.dial(hs.URL, "echo")
	checkFor(t, 5*time.Second, "one leg", func() bool { return srv.Legs() == 1 })
	checkFor(t, 10*time.Second, "no legs", func() bool { return srv.Legs() == 0 })
}

// TestServerClose ends live legs.
func TestServerClose(t *testing.T) {
	checkLeaks(t)
	app := &echoApp{}
	srv, hs := newTestServer(t, Config{}, app)
	c := newClient(t)
	c.call(hs.URL, "echo")
	checkFor(t, 5*time.Second, "application started", func() bool {
		app.mu.Lock()
		defer app.mu.Unlock()
		return len(app.legs) == 1
	})
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if n := srv.Legs(); n != 0 {
		t.Errorf("%d legs after Close", n)
	}
	app.mu.Lock()
	leg := app.legs[0]
	app.mu.Unlock()
	if err := leg.Err(); err != media.ErrClosed {
		t.Errorf("Err = %v, want media.ErrClosed", err)
	}
	resp, _ := post(t, hs.URL+"/whip/echo", "application/sdp", newClient(t).offer())
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("POST after Close: %s", resp.Status)
	}
}

func TestSignallingErrors(t *testing.T) {
	checkLeaks(t)
	app := &echoApp{}
	_, hs := newTestServer(t, Config{MaxLegs: 1}, app)
	good := newClient(t).offer()
	videoOnly := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:96 VP8/90000\r\n"
	opusOnly := strings.NewReplacer("PCMU", "opus", "PCMA", "opus").Replace(good)
	opusOnly = strings.ReplaceAll(opusOnly, "RTP/SAVPF 0 8 101", "RTP/SAVPF 96")
	for _, tc := range []struct {
		name, method, path, ct, body string
		want                         int
		msg                          string
	}{
		{"wrong content type", "POST", "/whip/echo", "application/json", good, 415, "application/sdp"},
		{"no content type", "POST", "/whip/echo", "", good, 415, ""},
		{"not SDP", "POST", "/whip/echo", "application/sdp", "hello", 400, "bad SDP"},
		{"no audio", "POST", "/whip/echo", "application/sdp", videoOnly, 400, "no audio"},
		{"no common codec", "POST", "/whip/echo", "application/sdp", opusOnly, 400, "common codec"},
		{"no route", "POST", "/whip/nowhere", "application/sdp", good, 404, "no route"},
		{"delete unknown", "DELETE", "/whip/echo/nope", "", "", 404, ""},
		{"patch wrong type", "PATCH", "/whip/echo/nope", "text/plain", "", 415, ""},
		{"patch unknown", "PATCH", "/whip/echo/nope", "application/trickle-ice-sdpfrag", "a=end-of-candidates\r\n", 404, ""},
		{"get", "GET", "/whip/echo", "", "", 405, ""},
		{"options", "OPTIONS", "/whip/echo", "", "", 204, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := do(t, tc.method, hs.URL+tc.path, tc.ct, tc.body)
			if resp.StatusCode != tc.want || !strings.Contains(body, tc.msg) {
				t.Errorf("%s %s: %s %q, want %d with %q", tc.method, tc.path, resp.Status, body, tc.want, tc.msg)
			}
		})
	}

	t.Run("capacity", func(t *testing.T) {
		c := newClient(t)
		c.call(hs.URL, "echo")
		resp, body := post(t, hs.URL+"/whip/echo", "application/sdp", newClient(t).offer())
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
			t.Errorf("second call: %s %q", resp.Status, body)
		}
	})
}

// TestTrickle: a client that sends its candidates by PATCH after an offer
// without any.
func TestTrickle(t *testing.T) {
	checkLeaks(t)
	app := &echoApp{}
	srv, hs := newTestServer(t, Config{}, app)
	c := newClient(t)
	full := c.offer()
	var cands []string
	var stripped []string
	for line := range strings.Lines(full) {
		if strings.HasPrefix(line, "a=candidate:") {
			cands = append(cands, line)
			continue
		}
		stripped = append(stripped, line)
	}
	if len(cands) == 0 {
		t.Fatal("no candidates in the offer")
	}
	resp, answer := post(t, hs.URL+"/whip/echo", "application/sdp", strings.Join(stripped, ""))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST: %s %s", resp.Status, answer)
	}
	if err := c.pc.SetRemoteDescription(pion.SessionDescription{Type: pion.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	loc := resp.Header.Get("Location")
	frag := "a=ice-ufrag:" + ufragOf(full) + "\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=mid:0\r\n" + strings.Join(cands, "") + "a=end-of-candidates\r\n"
	resp, body := do(t, http.MethodPatch, hs.URL+loc, "application/trickle-ice-sdpfrag", frag)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("PATCH: %s %s", resp.Status, body)
	}
	checkFor(t, 10*time.Second, "connected", func() bool {
		return c.pc.ConnectionState() == pion.PeerConnectionStateConnected
	})
	resp, _ = do(t, http.MethodPatch, hs.URL+loc, "application/trickle-ice-sdpfrag", "a=ice-ufrag:other\r\n")
	if resp.StatusCode != http.StatusNotImplemented {
		t.Errorf("ICE restart PATCH: %s", resp.Status)
	}
	_ = srv
}

func ufragOf(sdp string) string {
	for line := range strings.Lines(sdp) {
		if u, ok := strings.CutPrefix(strings.TrimSpace(line), "a=ice-ufrag:"); ok {
			return u
		}
	}
	return ""
}
