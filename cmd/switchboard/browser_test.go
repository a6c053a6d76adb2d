package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/internal/browsertest"
)

// TestServeBrowserCallEcho calls echo from the /phone page of a whole
// `switchboard serve` in headless Chromium: a fake microphone plays a
// 440 Hz tone, the echo comes back to the page, a keypad digit reaches
// the server, and both ends see the hang-up.
func TestServeBrowserCallEcho(t *testing.T) {
	dir := t.TempDir()
	addr := freeAddr(t)
	// JSON logs at info: the server's side of the call is read from them.
	// RTP ports apart from TestServeEndToEnd's 33000-33999.
	cfg := filepath.Join(dir, "switchboard.yaml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("data_dir: %s\nhttp: {listen: %q}\nbots: {dirs: []}\nlog: {level: info, format: json}\n"+
		"sip: {listen: [{transport: udp, addr: '127.0.0.1:0'}], rtp_ports: {min: 34000, max: 34999}}\n", filepath.Join(dir, "data"), addr)), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServe(t, cfg, addr)
	base := "http://" + addr
	if !strings.Contains(srv.out.String(), base+"/phone") {
		t.Errorf("serve did not print the phone page:\n%s", srv.out.String())
	}

	b := browsertest.Start(t,
		browsertest.WithFakeMic(browsertest.ToneWAV(440, 48000, 10*time.Second)),
		browsertest.WithReport("window.phone.state", "window.phone.error", "JSON.stringify(window.phone.stats)"))
	start := time.Now()
	b.Navigate(base + "/phone")
	b.WaitVisible("#call")
	if got := b.Eval("document.querySelector('#number').value"); got != "echo" {
		t.Errorf("number field %q, want echo", got)
	}
	if got := b.Eval("window.phone.state"); got != "idle" {
		t.Errorf("initial state %q", got)
	}
	b.Click("#call")
	b.Poll("in call", 20*time.Second, func() bool { return b.Eval("window.phone.state") == "incall" })
	b.Poll("page receives the echo", 10*time.Second, func() bool {
		return b.EvalFloat("window.phone.stats.packetsReceived") >= 50
	})
	if got := b.Eval("window.phone.stats.codec"); got != "PCMU" && got != "PCMA" {
		t.Errorf("page codec %q, want G.711", got)
	}
	b.Poll("page sends the tone", 5*time.Second, func() bool {
		return b.EvalFloat("window.phone.stats.packetsSent") >= 50
	})
	// The server answered with the echo application.
	if _, ok := srv.logLine("webrtc leg answered", nil); !ok {
		t.Errorf("server logged no answered WebRTC leg:\n%s", srv.errOut.String())
	}
	if l, ok := srv.logLine("echo started", nil); !ok || l["to"] != "echo" {
		t.Errorf("server logged no echo call to echo (%v):\n%s", l, srv.errOut.String())
	}
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(metrics), "switchboard_live_sessions") {
		t.Errorf("/metrics: %s\n%s", resp.Status, metrics)
	}

	b.Click(`#keypad button[data-digit="5"]`)
	isFive := func(l map[string]any) bool { return l["digit"] == "5" }
	b.Poll("server gets 5", 5*time.Second, func() bool { _, ok := srv.logLine("dtmf", isFive); return ok })
	time.Sleep(500 * time.Millisecond) // both DTMF paths have delivered by now
	if n := srv.countLines("dtmf", nil); n != 1 {
		t.Errorf("server got %d digits, want one although each key goes both ways", n)
	}

	b.Screenshot("/tmp/serve-phone.png")

	b.Click("#hangup")
	b.Poll("page ended", 5*time.Second, func() bool { return b.Eval("window.phone.state") == "ended" })
	var ended map[string]any
	b.Poll("server ends the leg", 10*time.Second, func() bool {
		var ok bool
		ended, ok = srv.logLine("webrtc leg ended", nil)
		return ok
	})
	if ended["err"] != nil {
		t.Errorf("leg ended with %v", ended["err"])
	}
	if in, out := ended["packets_in"].(float64), ended["packets_out"].(float64); in < 50 || out < 50 {
		t.Errorf("server leg: %v packets in, %v out", in, out)
	} else {
		t.Logf("server leg: %v packets in, %v out; call took %v", in, out, time.Since(start).Round(time.Millisecond))
	}

	if code := srv.stop(t); code != 0 {
		t.Fatalf("serve exited %d: %s", code, srv.errOut.String())
	}
	if n := srv.countLines("", func(l map[string]any) bool { return l["level"] == "ERROR" }); n != 0 {
		t.Errorf("serve logged %d errors:\n%s", n, srv.errOut.String())
	}
}

// serveProc is `switchboard serve` running in-process.
type serveProc struct {
	out, errOut *syncBuffer
	cancel      context.CancelFunc
	done        chan int
	code        *int // exit code once stopped
}

// startServe runs serve with the config and waits until addr answers
// /readyz. A test that ends without stop still stops it.
func startServe(t *testing.T, cfg, addr string) *serveProc {
	t.Helper()
	return startServeEnv(t, cfg, addr, nil)
}

// startServeEnv is startServe with a hook that observes voicebot calls.
func startServeEnv(t *testing.T, cfg, addr string, hooks func(*voice)) *serveProc {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &serveProc{out: &syncBuffer{}, errOut: &syncBuffer{}, cancel: cancel, done: make(chan int, 1)}
	go func() {
		s.done <- run(ctx, &env{stdin: strings.NewReader(""), stdout: s.out, stderr: s.errOut, voiceHooks: hooks}, []string{"serve", "--config", cfg})
	}()
	t.Cleanup(func() {
		if s.code == nil {
			s.stop(t)
		}
	})
	// Training a bot under -race on a busy machine takes a while.
	deadline := time.Now().Add(3 * time.Minute)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return s
			}
		}
		select {
		case code := <-s.done:
			s.code = &code
			t.Fatalf("serve exited %d before ready:\n%s", code, s.errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready: %v\n%s", err, s.errOut.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop cancels serve's context (the first signal: graceful drain) and
// returns its exit code; -1 when it does not stop within 20 s.
func (s *serveProc) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	select {
	case code := <-s.done:
		s.code = &code
		return code
	case <-time.After(20 * time.Second):
		t.Errorf("serve did not stop within 20 s")
		return -1
	}
}

// logLines returns serve's JSON log records with the message msg (any
// when empty) for which match (when not nil) returns true.
func (s *serveProc) logLines(msg string, match func(map[string]any) bool) []map[string]any {
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(s.errOut.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l map[string]any
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue
		}
		if (msg == "" || l["msg"] == msg) && (match == nil || match(l)) {
			out = append(out, l)
		}
	}
	return out
}

// logLine returns the first matching record; see logLines.
func (s *serveProc) logLine(msg string, match func(map[string]any) bool) (map[string]any, bool) {
	if ls := s.logLines(msg, match); len(ls) > 0 {
		return ls[0], true
	}
	return nil, false
}

// countLines counts the matching records; see logLines.
func (s *serveProc) countLines(msg string, match func(map[string]any) bool) int {
	return len(s.logLines(msg, match))
}
