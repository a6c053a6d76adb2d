package peertest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestSippEchoWithDTMF places calls with sipp to the echo application:
// G.711 A-law from the pcap sipp ships, then RFC 4733 digits 1 2 3 #. The
// calls must complete, the echo must be sent back to sipp's latched media
// address, and the digits must be detected in order.
func TestSippEchoWithDTMF(t *testing.T) {
	sipp := requireTool(t, "sipp", "SWITCHBOARD_REQUIRE_SIPP")
	if testing.Short() {
		t.Skip("takes 10 s")
	}
	s := startServer(t)
	const calls = 3
	dir := t.TempDir()
	scenario, _ := filepath.Abs("testdata/echo_dtmf.xml")
	p := startPeer(t, 90*time.Second, dir, sipp, s.addr.String(),
		"-sf", scenario, "-s", "echo",
		"-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", "0", "-mp", fmt.Sprint(freeUDPPort(t)),
		"-m", fmt.Sprint(calls), "-l", fmt.Sprint(calls), "-r", fmt.Sprint(calls),
		"-timeout", "40s", "-timeout_error", "-nostdin",
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"),
		"-trace_stat", "-stf", filepath.Join(dir, "stat.csv"),
	)
	if err := p.wait(); err != nil {
		errs, _ := os.ReadFile(filepath.Join(dir, "errors.log"))
		t.Fatalf("sipp failed: %v\n%s\n%s", err, tail([]byte(p.output()), 40), errs)
	}
	got := s.digits.snapshot()
	if len(got) != calls {
		t.Fatalf("digits from %d calls, want %d: %v", len(got), calls, got)
	}
	for id, d := range got {
		if d != "123#" {
			t.Errorf("call %s: digits %q, want \"123#\"", id, d)
		}
	}
	// Every call's echo went back: RTP was sent to sipp as well as received.
	fam := gather(t, s.collector)
	in, outPk := fam["switchboard_rtp_packets_total{direction=in}"], fam["switchboard_rtp_packets_total{direction=out}"]
	if in < calls*200 {
		t.Errorf("received %v RTP packets from sipp, want at least %d", in, calls*200)
	}
	if outPk < calls*200 {
		t.Errorf("sent %v echo packets to sipp, want at least %d", outPk, calls*200)
	}
	s.waitIdle(t, 5*time.Second)
}
