package peertest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/apps"
	"github.com/switchboard-voice/switchboard/media/rtpio"
	"github.com/switchboard-voice/switchboard/media/rtpmedia"
	"github.com/switchboard-voice/switchboard/media/sip"
)

// requireTool returns the path of a peer program, or skips the test when
// it is missing — unless env says the peer is required (make test sets
// it), then the test fails.
func requireTool(t *testing.T, name, env string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv(env) == "1" {
		t.Fatalf("%s=1 but %s is not installed (scripts/test.sh installs it)", env, name)
	}
	t.Skipf("%s not installed; skipping the real-peer test", name)
	return ""
}

// digits records DTMF per call.
type digits struct {
	mu  sync.Mutex
	per map[string][]rune
}

func (d *digits) add(info media.LegInfo, x media.DTMF) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.per == nil {
		d.per = map[string][]rune{}
	}
	d.per[info.ID] = append(d.per[info.ID], x.Digit)
}

func (d *digits) snapshot() map[string]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := map[string]string{}
	for k, v := range d.per {
		out[k] = string(v)
	}
	return out
}

// server is an in-process SIP server with RTP media and a dialplan.
type server struct {
	sip       *sip.Server
	media     *rtpmedia.Media
	collector *rtpio.Collector
	addr      netip.AddrPort
	digits    *digits
	cancel    context.CancelFunc
	done      chan error
}

func startServer(t *testing.T, routes ...apps.Route) *server {
	t.Helper()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	s := &server{digits: &digits{}, collector: rtpio.NewCollector(), done: make(chan error, 1)}
	routes = append(routes, apps.Route{To: "echo", Name: "echo", App: apps.Echo(log, s.digits.add)})
	dp, err := apps.NewDialplan(routes)
	if err != nil {
		t.Fatal(err)
	}
	s.media, err = rtpmedia.New(rtpmedia.Config{IP: netip.MustParseAddr("127.0.0.1"), MinPort: 31000, MaxPort: 31999, Collector: s.collector, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	s.sip, err = sip.NewServer(sip.Config{
		Listen:     []sip.Listener{{Transport: "udp", Addr: "127.0.0.1:0"}},
		MaxCalls:   100,
		RTPTimeout: 10 * time.Second,
	}, s.media, dp, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() { s.done <- s.sip.Serve(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if a, ok := s.sip.Addr("udp"); ok && a.Port() != 0 {
			s.addr = a
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("SIP server did not start listening")
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Error("SIP server did not stop")
		}
	})
	return s
}

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
	cmd := exec.Command(sipp, s.addr.String(),
		"-sf", scenario, "-s", "echo",
		"-i", "127.0.0.1", "-mi", "127.0.0.1", "-p", "0", "-mp", fmt.Sprint(freeUDPPort(t)),
		"-m", fmt.Sprint(calls), "-l", fmt.Sprint(calls), "-r", fmt.Sprint(calls),
		"-timeout", "40s", "-timeout_error", "-nostdin",
		"-trace_err", "-error_file", filepath.Join(dir, "errors.log"),
		"-trace_stat", "-stf", filepath.Join(dir, "stat.csv"),
	)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		errs, _ := os.ReadFile(filepath.Join(dir, "errors.log"))
		t.Fatalf("sipp failed: %v\n%s\n%s", err, tail(out, 40), errs)
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
	waitFor(t, 5*time.Second, func() error {
		if n := s.sip.Calls(); n != 0 {
			return fmt.Errorf("%d calls still up", n)
		}
		if n := s.media.InUse(); n != 0 {
			return fmt.Errorf("%d RTP port pairs still in use", n)
		}
		return nil
	})
}

func freeUDPPort(t *testing.T) int {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

func tail(b []byte, n int) string {
	lines := strings.Split(string(b), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func waitFor(t *testing.T, d time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// gather reads a collector's counters: name{label=value} -> value, and
// name -> the sum over labels.
func gather(t *testing.T, c prometheus.Collector) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c); err != nil {
		t.Fatal(err)
	}
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			var v float64
			switch {
			case m.GetCounter() != nil:
				v = m.GetCounter().GetValue()
			case m.GetGauge() != nil:
				v = m.GetGauge().GetValue()
			default:
				continue
			}
			key := f.GetName()
			for _, l := range m.GetLabel() {
				key += "{" + l.GetName() + "=" + l.GetValue() + "}"
			}
			out[key] = v
			out[f.GetName()] += v
		}
	}
	return out
}
