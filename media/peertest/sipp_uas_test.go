package peertest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/apps"
	"github.com/switchboard-voice/switchboard/media/sip"
)

// captureReceiver is a media.Receiver that records into a capture.
type captureReceiver struct{ *capture }

func (captureReceiver) OnDTMF(media.DTMF) {}
func (captureReceiver) Close() error      { return nil }
func (r captureReceiver) WriteFrame(f media.Frame) error {
	r.add(f)
	return nil
}

// TestSippUASOutboundEcho places a call with Server.Call through a trunk
// that is sipp's built-in UAS with RTP echo (it answers with PCMU): the
// application plays a 1 kHz tone then a 500 Hz one with apps.Play and
// records what comes back. The echo has gone out through our pacer and
// encoder and back through our jitter buffer and decoder, so both tones
// must come back in order and clean; the call ends with our BYE, which
// sipp must answer (it exits 0 after its one call).
func TestSippUASOutboundEcho(t *testing.T) {
	sippPath := requireTool(t, "sipp", "SWITCHBOARD_REQUIRE_SIPP")
	dir := t.TempDir()
	sipPort := freeUDPPort(t)
	p := startPeer(t, 60*time.Second, dir, sippPath,
		"-sn", "uas", "-rtp_echo",
		"-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", fmt.Sprint(sipPort), "-mp", fmt.Sprint(freeUDPPort(t)),
		"-m", "1", "-timeout", "45s", "-timeout_error", "-nostdin",
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"),
	)
	s := startServerWith(t, serverSetup{config: func(c *sip.Config) {
		c.Trunk = &sip.Trunk{Host: fmt.Sprintf("127.0.0.1:%d", sipPort)}
	}})

	tones := []segment{{1000, time.Second}, {500, time.Second}}
	heard := &capture{}
	var info media.LegInfo
	app := media.ApplicationFunc(func(ctx context.Context, leg media.Leg) error {
		info = leg.Info()
		leg.Attach(captureReceiver{heard})
		if err := apps.Play(ctx, leg, signal(media.Rate8k, tones...), media.Rate8k); err != nil {
			return err
		}
		// Let the tail of the echo come back before hanging up.
		select {
		case <-time.After(500 * time.Millisecond):
		case <-leg.Done():
		}
		leg.Attach(nil)
		return nil
	})
	ctx, cancel := context.WithTimeout(context.Background(), 45*time.Second)
	defer cancel()
	waitBound(t, sipPort, 10*time.Second)
	err := s.sip.Call(ctx, "1000", app)
	if err != nil {
		t.Fatalf("Call: %v\n%s", err, tail([]byte(p.output()), 30))
	}
	if err := p.wait(); err != nil {
		errs, _ := os.ReadFile(filepath.Join(dir, "errors.log"))
		t.Fatalf("sipp failed: %v\n%s\n%s", err, tail([]byte(p.output()), 30), errs)
	}
	if info.Codec != "PCMU" || info.To != "1000" {
		t.Errorf("leg %+v, want PCMU to 1000", info)
	}
	pcm, rate := heard.pcm()
	checkTones(t, "echoed by sipp", pcm, rate, tones, 250*time.Millisecond, 28)
	s.waitIdle(t, 5*time.Second)
}
