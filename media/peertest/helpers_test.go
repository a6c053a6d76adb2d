package peertest

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/apps"
	"github.com/switchboard-voice/switchboard/media/audiotest"
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

// startServer starts a server whose dialplan has routes and then "echo".
func startServer(t *testing.T, routes ...apps.Route) *server {
	t.Helper()
	return startServerWith(t, serverSetup{}, routes...)
}

// serverSetup adjusts the server startServerWith starts.
type serverSetup struct {
	// config, when set, changes the SIP configuration (a trunk, say).
	config func(*sip.Config)
	// log replaces the default logger (warnings to stderr).
	log *slog.Logger
	// opts are passed to sip.NewServer (credentials for the registrar).
	opts []sip.Option
}

// startServerWith is startServer with a setup.
func startServerWith(t *testing.T, setup serverSetup, routes ...apps.Route) *server {
	t.Helper()
	log := setup.log
	if log == nil {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
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
	cfg := sip.Config{
		Listen:     []sip.Listener{{Transport: "udp", Addr: "127.0.0.1:0"}},
		MaxCalls:   100,
		RTPTimeout: 10 * time.Second,
	}
	if setup.config != nil {
		setup.config(&cfg)
	}
	s.sip, err = sip.NewServer(cfg, s.media, dp, log, setup.opts...)
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
	waitFor(t, 10*time.Second, s.ready)
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

// ready checks that the server takes calls: its address is known as soon
// as it is created, but until Serve is up it answers INVITEs with 503. An
// INVITE to a user the dialplan does not route gets 404 once it serves
// (the ACK for it is sent too).
func (s *server) ready() error {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer c.Close()
	me := c.LocalAddr().String()
	id := fmt.Sprintf("ready-%d", time.Now().UnixNano())
	uri := "sip:not-routed@" + s.addr.String()
	common := "Via: SIP/2.0/UDP " + me + ";branch=z9hG4bK" + id + "\r\n" +
		"From: <sip:ready@127.0.0.1>;tag=" + id + "\r\n" +
		"To: <" + uri + ">%s\r\n" +
		"Call-ID: " + id + "\r\nMax-Forwards: 70\r\n"
	body := "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n"
	req := "INVITE " + uri + " SIP/2.0\r\n" + fmt.Sprintf(common, "") +
		"CSeq: 1 INVITE\r\nContact: <sip:ready@" + me + ">\r\nContent-Type: application/sdp\r\n" +
		fmt.Sprintf("Content-Length: %d\r\n\r\n", len(body)) + body
	dst := net.UDPAddrFromAddrPort(s.addr)
	if _, err := c.WriteTo([]byte(req), dst); err != nil {
		return err
	}
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 4096)
	for {
		n, _, err := c.ReadFrom(buf)
		if err != nil {
			return fmt.Errorf("INVITE to not-routed: %w", err)
		}
		res := string(buf[:n])
		line, _, _ := strings.Cut(res, "\r\n")
		if strings.HasPrefix(line, "SIP/2.0 1") {
			continue
		}
		// ACK the final response, with its To tag.
		toTag := ""
		for _, h := range strings.Split(res, "\r\n") {
			if _, tag, ok := strings.Cut(h, ";tag="); ok && (strings.HasPrefix(h, "To:") || strings.HasPrefix(h, "t:")) {
				toTag = ";tag=" + tag
			}
		}
		ack := "ACK " + uri + " SIP/2.0\r\n" + fmt.Sprintf(common, toTag) + "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"
		_, _ = c.WriteTo([]byte(ack), dst)
		if !strings.HasPrefix(line, "SIP/2.0 404") {
			return fmt.Errorf("INVITE to not-routed: %q, want 404 once serving", line)
		}
		return nil
	}
}

// waitIdle waits until the server has no call up and every RTP port pair
// is released.
func (s *server) waitIdle(t *testing.T, d time.Duration) {
	t.Helper()
	waitFor(t, d, func() error {
		if n := s.sip.Calls(); n != 0 {
			return fmt.Errorf("%d calls still up", n)
		}
		if n := s.media.InUse(); n != 0 {
			return fmt.Errorf("%d RTP port pairs still in use", n)
		}
		return nil
	})
}

// peer is a peer program run by a test: it is killed when the test's
// deadline for it passes and, at the latest, when the test ends.
type peer struct {
	name string
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
	err  error
}

// startPeer starts path with args in dir; the process is killed after
// timeout. Its output is collected (see output).
func startPeer(t *testing.T, timeout time.Duration, dir, path string, args ...string) *peer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Dir = dir
	cmd.Stdin = nil
	p := &peer{name: path, cmd: cmd, out: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("start %s: %v", path, err)
	}
	go func() {
		defer close(p.done)
		defer cancel()
		p.err = cmd.Wait()
		if ctx.Err() != nil {
			p.err = fmt.Errorf("%w (killed after %v)", p.err, timeout)
		}
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait waits for the peer to exit and returns its exit error.
func (p *peer) wait() error {
	<-p.done
	return p.err
}

// stop asks the peer to quit (SIGINT), then kills it if it has not exited
// within grace; it returns the exit error.
func (p *peer) stop(grace time.Duration) error {
	select {
	case <-p.done:
		return p.err
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return p.err
}

func (p *peer) output() string { return p.out.String() }

// lockedBuffer collects a subprocess's output.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// capture keeps a copy of the frames a leg received, in order.
type capture struct {
	mu      sync.Mutex
	samples []int16
	rate    int
	frames  int
}

func (c *capture) add(f media.Frame) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.rate == 0 {
		c.rate = f.Rate
	}
	if f.Rate != c.rate {
		return // the leg's rate does not change within a call
	}
	c.samples = append(c.samples, f.Samples...)
	c.frames++
}

// pcm returns a copy of the captured samples and their rate.
func (c *capture) pcm() ([]int16, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.samples), c.rate
}

// tapApp runs app on a leg whose received audio is also copied to c: the
// receiver app attaches is wrapped by one that records first.
func tapApp(app media.Application, c *capture) media.Application {
	return media.ApplicationFunc(func(ctx context.Context, leg media.Leg) error {
		return app.Serve(ctx, tapLeg{Leg: leg, c: c})
	})
}

type tapLeg struct {
	media.Leg
	c *capture
}

func (l tapLeg) Attach(r media.Receiver) {
	if r == nil {
		l.Leg.Attach(nil)
		return
	}
	l.Leg.Attach(tapReceiver{Receiver: r, c: l.c})
}

type tapReceiver struct {
	media.Receiver
	c *capture
}

func (r tapReceiver) WriteFrame(f media.Frame) error {
	r.c.add(f)
	return r.Receiver.WriteFrame(f)
}

// segment is one part of a test signal: a tone (or silence, Freq 0).
type segment struct {
	Freq float64
	Dur  time.Duration
}

// signal returns the concatenated segments at rate, tones at amplitude
// 0.5.
func signal(rate int, segs ...segment) []int16 {
	var pcm []int16
	for _, s := range segs {
		if s.Freq == 0 {
			pcm = append(pcm, audiotest.Silence(rate, s.Dur)...)
		} else {
			pcm = append(pcm, audiotest.Tone(s.Freq, rate, s.Dur, 0.5)...)
		}
	}
	return pcm
}

// writeWAV writes mono PCM16 to a new WAV file.
func writeWAV(t *testing.T, path string, pcm []int16, rate int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := media.NewWAVWriter(f, rate, 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WritePCM(pcm); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// readWAV reads a mono (or the left channel of a stereo) WAV file.
func readWAV(t *testing.T, path string) ([]int16, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	pcm, rate, ch, err := media.ReadWAV(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if ch > 1 {
		mono := make([]int16, len(pcm)/ch)
		for i := range mono {
			mono[i] = pcm[i*ch]
		}
		pcm = mono
	}
	return pcm, rate
}

// toneRun is a stretch of received audio classified as one of the
// expected tones.
type toneRun struct {
	Freq       float64 // the expected tone; 0 silence; -1 something else
	Start, Dur time.Duration
	windows    []int // indexes of the analysis windows
}

// analysisWindow is the length of the windows toneRuns classifies.
const analysisWindow = 50 * time.Millisecond

// toneRuns splits pcm into 50 ms windows, names each by the expected
// frequency its spectral peak is within 3 % of (0 when quieter than
// -40 dBFS, -1 when it matches none), and merges equal neighbours into
// runs.
func toneRuns(pcm []int16, rate int, freqs ...float64) []toneRun {
	n := int(int64(rate) * int64(analysisWindow) / int64(time.Second))
	var runs []toneRun
	for i, k := 0, 0; i+n <= len(pcm); i, k = i+n, k+1 {
		w := pcm[i : i+n]
		class := -1.0
		if audiotest.RMS(w) < 0.01 {
			class = 0
		} else {
			peak := audiotest.PeakFrequency(w, rate)
			for _, f := range freqs {
				if math.Abs(peak-f) <= 0.03*f {
					class = f
				}
			}
		}
		if len(runs) > 0 && runs[len(runs)-1].Freq == class {
			r := &runs[len(runs)-1]
			r.Dur += analysisWindow
			r.windows = append(r.windows, k)
			continue
		}
		runs = append(runs, toneRun{Freq: class, Start: time.Duration(k) * analysisWindow, Dur: analysisWindow, windows: []int{k}})
	}
	return runs
}

// checkTones checks that the tones of want (silences in want are ignored)
// arrived in order in got, each lasting its duration within tol, and with
// a median tone SNR over 100 ms windows of at least minSNR dB. Runs of
// other content shorter than 200 ms (the windows straddling a change of
// tone, a concealed packet) are tolerated; silence is ignored.
func checkTones(t *testing.T, what string, got []int16, rate int, want []segment, tol time.Duration, minSNR float64) {
	t.Helper()
	var freqs []float64
	var tones []segment
	for _, s := range want {
		if s.Freq != 0 {
			freqs = append(freqs, s.Freq)
			tones = append(tones, s)
		}
	}
	runs := toneRuns(got, rate, freqs...)
	var sig []toneRun
	for _, r := range runs {
		switch {
		case r.Freq == 0:
		case r.Freq < 0 && r.Dur < 200*time.Millisecond:
		case len(sig) > 0 && sig[len(sig)-1].Freq == r.Freq:
			// The same tone again after a short glitch: one run.
			last := &sig[len(sig)-1]
			last.Dur = r.Start + r.Dur - last.Start
			last.windows = append(last.windows, r.windows...)
		default:
			sig = append(sig, r)
		}
	}
	describe := func() string {
		var b strings.Builder
		for _, r := range runs {
			fmt.Fprintf(&b, "\n  %v Hz from %v for %v", r.Freq, r.Start, r.Dur)
		}
		return b.String()
	}
	if len(sig) != len(tones) {
		t.Fatalf("%s: %d tone runs, want %d (%v); received %v of audio:%s", what, len(sig), len(tones), tones,
			time.Duration(len(got))*time.Second/time.Duration(rate), describe())
	}
	n := int(int64(rate) * int64(analysisWindow) / int64(time.Second))
	for i, r := range sig {
		w := tones[i]
		if r.Freq != w.Freq {
			t.Errorf("%s: tone %d is %v Hz, want %v Hz:%s", what, i, r.Freq, w.Freq, describe())
			continue
		}
		if d := r.Dur - w.Dur; d > tol || d < -tol {
			t.Errorf("%s: %v Hz tone lasted %v, want %v ± %v:%s", what, w.Freq, r.Dur, w.Dur, tol, describe())
		}
		// SNR over pairs of windows inside the run (not its edges).
		var snrs []float64
		for j := 1; j+2 < len(r.windows); j += 2 {
			a, b := r.windows[j], r.windows[j+1]
			if b != a+1 {
				continue
			}
			snrs = append(snrs, audiotest.ToneSNR(got[a*n:(b+1)*n], rate, w.Freq))
		}
		if len(snrs) == 0 {
			t.Errorf("%s: %v Hz tone too short to measure", what, w.Freq)
			continue
		}
		slices.Sort(snrs)
		med := snrs[len(snrs)/2]
		t.Logf("%s: %v Hz for %v (want %v), median SNR %.1f dB over %d windows (worst %.1f)", what, w.Freq, r.Dur, w.Dur, med, len(snrs), snrs[0])
		if med < minSNR {
			t.Errorf("%s: %v Hz tone median SNR %.1f dB, want at least %.0f dB", what, w.Freq, med, minSNR)
		}
	}
}

func freeUDPPort(t *testing.T) int {
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

// freeSIPPort returns a port free for both UDP and TCP on 127.0.0.1,
// below the kernel's ephemeral range (32768-60999), so that the
// connections other tests open meanwhile cannot take it before the peer
// binds it (baresip listens on both transports).
func freeSIPPort(t *testing.T) int {
	t.Helper()
	for i := 0; i < 200; i++ {
		port := 22000 + rand.IntN(8000)
		u, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		u.Close()
		if err != nil {
			continue
		}
		l.Close()
		return port
	}
	t.Fatal("no free port for SIP in 22000-29999")
	return 0
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

// waitBound waits until a peer has bound UDP port on 127.0.0.1 (we can
// no longer bind it), so that a request sent there is not lost.
func waitBound(t *testing.T, port int, d time.Duration) {
	t.Helper()
	waitFor(t, d, func() error {
		c, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			return nil
		}
		c.Close()
		return fmt.Errorf("nothing bound UDP port %d", port)
	})
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
