package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"regexp"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/apps"
	"github.com/switchboard-voice/switchboard/media/audiotest"
	"github.com/switchboard-voice/switchboard/media/rtpio"
	"github.com/switchboard-voice/switchboard/media/rtpmedia"
	"github.com/switchboard-voice/switchboard/media/sip"
)

// Port ranges of the RTP pools on 127.0.0.1: the in-process server's and
// the generator's (5000 pairs each; ports held by others are skipped).
const (
	serverMinPort, serverMaxPort       = 20000, 29999
	generatorMinPort, generatorMaxPort = 30000, 39999
)

// Config configures a run. Zero fields take the defaults in brackets.
type Config struct {
	// Target is the SIP host:port (UDP) to call; empty starts an
	// in-process echo server on 127.0.0.1 and calls it.
	Target string
	// To is the number or user called ["echo"]; the in-process server
	// routes "echo" to apps.Echo and answers anything else with 404.
	To string
	// Calls is how many concurrent calls to place [1].
	Calls int
	// Rate is the ramp in calls per second [50].
	Rate float64
	// Duration is how long all calls stay up together, after the ramp,
	// before they hang up [30s].
	Duration time.Duration
	// Codec offered, "PCMU" or "PCMA" ["PCMU"].
	Codec string
	// ToneHz is the frequency of the tone each call plays [1000].
	ToneHz float64
	// SetupTimeout bounds each call's set-up [10s].
	SetupTimeout time.Duration
	// CPUProfile, when set, receives a CPU profile of the steady state.
	CPUProfile io.Writer
	// Trace, when set, receives an execution trace (runtime/trace) of
	// the first seconds of the steady state [TraceFor: 3s]: where the
	// clock workers waited, for go tool trace.
	Trace    io.Writer
	TraceFor time.Duration
	// Logger for both SIP sides (discarded if nil; per-call Info logs
	// would cost more than the calls).
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.To == "" {
		c.To = "echo"
	}
	if c.Calls == 0 {
		c.Calls = 1
	}
	if c.Rate == 0 {
		c.Rate = 50
	}
	if c.Duration == 0 {
		c.Duration = 30 * time.Second
	}
	if c.Codec == "" {
		c.Codec = "PCMU"
	}
	if c.ToneHz == 0 {
		c.ToneHz = 1000
	}
	if c.SetupTimeout == 0 {
		c.SetupTimeout = 10 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Validate checks the configuration and names the bad field.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Calls < 1:
		return fmt.Errorf("loadgen: calls: %d is not positive", c.Calls)
	case c.Calls > serverMaxPort-serverMinPort:
		return fmt.Errorf("loadgen: calls: %d is more than the RTP port range allows", c.Calls)
	case c.Rate <= 0:
		return fmt.Errorf("loadgen: rate: %v is not positive", c.Rate)
	case c.Duration < 0:
		return fmt.Errorf("loadgen: duration: %v is negative", c.Duration)
	case c.ToneHz <= 0 || c.ToneHz >= 4000:
		return fmt.Errorf("loadgen: tone: %v Hz is outside 0-4000", c.ToneHz)
	}
	if !strings.EqualFold(c.Codec, "PCMU") && !strings.EqualFold(c.Codec, "PCMA") {
		return fmt.Errorf("loadgen: codec: %q is not PCMU or PCMA", c.Codec)
	}
	if c.Target != "" {
		if _, err := netip.ParseAddrPort(c.Target); err != nil {
			return fmt.Errorf("loadgen: target: %w", err)
		}
	}
	return nil
}

var loopback = netip.MustParseAddr("127.0.0.1")

// side is a SIP server with its media, serving until stop.
type side struct {
	srv  *sip.Server
	rec  *recorder
	stop context.CancelFunc
	done chan struct{}
}

// start runs a SIP server on 127.0.0.1 with rtpmedia ports in
// [minPort, maxPort]; its goroutines carry the pprof label side=label.
func start(ctx context.Context, label string, cfg sip.Config, router sip.Router, minPort, maxPort int, log *slog.Logger) (*side, error) {
	m, err := rtpmedia.New(rtpmedia.Config{IP: loopback, MinPort: minPort, MaxPort: maxPort, Logger: log})
	if err != nil {
		return nil, err
	}
	rec := &recorder{Media: m}
	cfg.Listen = []sip.Listener{{Transport: "udp", Addr: "127.0.0.1:0"}}
	srv, err := sip.NewServer(cfg, rec, router, log)
	if err != nil {
		return nil, err
	}
	sctx, stop := context.WithCancel(ctx)
	s := &side{srv: srv, rec: rec, stop: stop, done: make(chan struct{})}
	go pprof.Do(sctx, pprof.Labels("side", label), func(ctx context.Context) {
		defer close(s.done)
		if err := srv.Serve(ctx); err != nil {
			log.Error("loadgen: SIP server", "side", label, "err", err)
		}
	})
	return s, nil
}

func (s *side) close() {
	s.stop()
	<-s.done
}

// Run places the calls, waits until they have all ended and returns the
// figures. It fails only when it cannot start; failed calls are counted.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, err
	}
	cfg = cfg.withDefaults()
	codec := strings.ToUpper(cfg.Codec)
	res := Result{
		Target: cfg.Target, Codec: codec, Calls: cfg.Calls,
		RateCPS: cfg.Rate, DurationS: cfg.Duration.Seconds(),
	}

	var server *side
	if cfg.Target == "" {
		dp, err := apps.NewDialplan([]apps.Route{{To: "echo", Name: "echo", App: apps.Echo(cfg.Logger, nil)}})
		if err != nil {
			return res, err
		}
		server, err = start(ctx, "server", sip.Config{}, dp, serverMinPort, serverMaxPort, cfg.Logger)
		if err != nil {
			return res, fmt.Errorf("loadgen: server: %w", err)
		}
		defer server.close()
		ap, _ := server.srv.Addr("udp")
		cfg.Target, res.Target, res.InProcess = ap.String(), ap.String(), true
	}
	noRoute := sip.RouterFunc(func(from, to string) (media.Application, bool) { return nil, false })
	gen, err := start(ctx, "generator", sip.Config{
		Trunk:  &sip.Trunk{Host: cfg.Target},
		Codecs: []string{codec},
	}, noRoute, generatorMinPort, generatorMaxPort, cfg.Logger)
	if err != nil {
		return res, fmt.Errorf("loadgen: generator: %w", err)
	}
	defer gen.close()

	// One tone, long enough for the longest call, shared read-only.
	ramp := time.Duration(float64(cfg.Calls-1) / cfg.Rate * float64(time.Second))
	tone := audiotest.Tone(cfg.ToneHz, media.Rate8k, ramp+cfg.Duration+time.Second, 0.3)

	runtime.GC()
	var ms0 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	g0 := runtime.NumGoroutine()

	begin := time.Now()
	wd := startWatchdog(begin)
	rampEnd := begin.Add(ramp)
	stopAt := rampEnd.Add(cfg.Duration)
	calls := make([]*caller, cfg.Calls)
	var settled atomic.Int64
	var wg sync.WaitGroup
	callCtx, cancelCalls := context.WithCancel(ctx)
	defer cancelCalls()
	var up atomic.Int64 // calls answered and not yet ended
	rampDone := make(chan struct{})
	go pprof.Do(callCtx, pprof.Labels("side", "generator"), func(ctx context.Context) {
		defer close(rampDone)
		for i := range calls {
			sleepUntil(ctx, begin.Add(time.Duration(float64(i)/cfg.Rate*float64(time.Second))))
			if ctx.Err() != nil {
				return // the calls not placed count as canceled
			}
			c := &caller{tone: tone, toneHz: cfg.ToneHz, stopAt: stopAt, settled: &settled, up: &up}
			calls[i] = c
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.run(ctx, gen.srv, cfg.To, cfg.SetupTimeout)
			}()
		}
	})

	// Wait until every call is up or failed (bounded by the steady end).
	for settled.Load() < int64(cfg.Calls) && time.Now().Before(stopAt) {
		select {
		case <-ctx.Done():
		case <-time.After(20 * time.Millisecond):
		}
		if ctx.Err() != nil {
			break
		}
	}
	settle := min(time.Second, cfg.Duration/5)
	winStart := later(time.Now(), rampEnd).Add(settle)
	winEnd := stopAt.Add(-min(500*time.Millisecond, cfg.Duration/10))
	if winEnd.Sub(winStart) >= 100*time.Millisecond && ctx.Err() == nil {
		sleepUntil(ctx, winStart)
		cpu0, wait0, steal0, t0 := cpuTime(), runqueueWait(), stealTime(), time.Now()
		gen0, srv0 := gen.rec.mark(), mark{}
		if server != nil {
			srv0 = server.rec.mark()
		}
		profiling := cfg.CPUProfile != nil && pprof.StartCPUProfile(cfg.CPUProfile) == nil
		if cfg.Trace != nil && trace.Start(cfg.Trace) == nil {
			d := cfg.TraceFor
			if d <= 0 {
				d = 3 * time.Second
			}
			sleepUntil(ctx, time.Now().Add(min(d, time.Until(winEnd))))
			trace.Stop()
		}
		sleepUntil(ctx, winEnd)
		cpu1, wait1, steal1, t1 := cpuTime(), runqueueWait(), stealTime(), time.Now()
		if profiling {
			pprof.StopCPUProfile()
		}
		g1, live := runtime.NumGoroutine(), up.Load()
		res.Generator = gen.rec.summary()
		res.Generator.Steady = window(gen0, gen.rec.mark())
		if server != nil {
			res.Server = server.rec.summary()
			res.Server.Steady = window(srv0, server.rec.mark())
		}
		runtime.GC()
		var ms1 runtime.MemStats
		runtime.ReadMemStats(&ms1)
		if live > 0 {
			win := t1.Sub(t0).Seconds()
			cpu := (cpu1 - cpu0).Seconds()
			res.SteadyS = win
			res.CPUCores = cpu / win
			res.RunqueueWaitMsPerS = float64((wait1 - wait0).Microseconds()) / 1000 / win
			res.StealMsPerS = float64((steal1 - steal0).Microseconds()) / 1000 / win
			res.CPUPerCall = cpu * 1000 / win / float64(live)
			res.HeapPerCallKB = (float64(ms1.HeapInuse) - float64(ms0.HeapInuse)) / 1024 / float64(live)
			res.GoroutinesPerCall = float64(g1-g0) / float64(live)
		}
	}

	// Wait for the hang-ups, bounded: cancel what is left after a grace.
	<-rampDone
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Until(stopAt) + cfg.SetupTimeout + 10*time.Second):
		cancelCalls()
		<-done
	}
	if res.Generator == nil { // no steady window: media figures at the end
		res.Generator = gen.rec.summary()
		if server != nil {
			res.Server = server.rec.summary()
		}
	}
	var worst time.Duration
	res.StallList, res.Stalls, worst = wd.close()
	res.StallMaxMs = ms(worst)
	summarize(&res, calls)
	if res.InProcess {
		res.Note = "cpu, heap and goroutines are the whole process: server and generator, one rtpio leg each per call " +
			"(the server's share is a third to a half; split a --cpuprofile with -tagfocus=side=server)"
	} else {
		res.Note = "generator only: process and media figures are the calling side's"
	}
	return res, nil
}

// summarize fills the call counts, set-up times and media totals.
func summarize(res *Result, calls []*caller) {
	var setups []time.Duration
	for _, c := range calls {
		if c == nil {
			res.Failed++
			addFailure(res, "canceled", nil)
			continue
		}
		if c.answered.Load() {
			setups = append(setups, c.setup)
		}
		switch {
		case !c.answered.Load():
			res.Failed++
			addFailure(res, classify(c.err), c.err)
		case c.dropped:
			res.Failed++
			addFailure(res, "dropped", c.err)
		default:
			res.Completed++
		}
		if c.echoOK() {
			res.EchoOK++
		}
	}
	res.SetupP50Ms = ms(quantile(setups, 0.5))
	res.SetupP99Ms = ms(quantile(setups, 0.99))
	res.SetupMaxMs = ms(quantile(setups, 1))
	var frames, concealed uint64
	for _, s := range []*Side{res.Server, res.Generator} {
		if s == nil {
			continue
		}
		frames += s.FramesOut
		concealed += s.Concealed
		res.LostPackets += s.LostPackets
	}
	if frames > 0 {
		res.LateFramesPct = 100 * float64(concealed) / float64(frames)
	}
	jit := res.Generator
	if res.Server != nil {
		jit = res.Server
	}
	if jit == nil {
		return
	}
	res.LegsSendJitterP99Ms = jit.SendJitterP99Ms
	if w := jit.Steady; w != nil {
		res.SendJitterP50Ms, res.SendJitterP99Ms, res.SendJitterP999Ms, res.SendJitterMaxMs = w.SendP50Ms, w.SendP99Ms, w.SendP999Ms, w.SendMaxMs
	} else { // no steady window: whole calls
		res.SendJitterP50Ms, res.SendJitterP99Ms, res.SendJitterMaxMs = jit.SendJitterP50Ms, jit.SendJitterP99Ms, jit.SendJitterMaxMs
	}
	var wf, wc uint64
	for _, s := range []*Side{res.Server, res.Generator} {
		if s != nil && s.Steady != nil {
			wf += s.Steady.FramesOut
			wc += s.Steady.Concealed
		}
	}
	if wf > 0 {
		res.SteadyLateFramesPct = 100 * float64(wc) / float64(wf)
	}
}

func addFailure(res *Result, class string, err error) {
	if res.Failures == nil {
		res.Failures = map[string]int{}
	}
	res.Failures[class]++
	if err != nil && res.FirstError == "" {
		res.FirstError = err.Error()
	}
}

var statusRE = regexp.MustCompile(`: (\d{3}) `)

// classify names a failed set-up by its SIP status, or timeout / error.
func classify(err error) string {
	switch {
	case err == nil:
		return "error"
	case errors.Is(err, sip.ErrRejected):
		if m := statusRE.FindAllStringSubmatch(err.Error(), -1); len(m) > 0 {
			return m[len(m)-1][1]
		}
		return "rejected"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, rtpio.ErrPoolExhausted):
		return "no_ports"
	}
	return "error"
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func sleepUntil(ctx context.Context, t time.Time) {
	if d := time.Until(t); d > 0 {
		select {
		case <-ctx.Done():
		case <-time.After(d):
		}
	}
}
