package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/switchboard-voice/switchboard/internal/rtprio"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/switchboard-voice/switchboard/conversation"
	"github.com/switchboard-voice/switchboard/internal/config"
	"github.com/switchboard-voice/switchboard/internal/demobackend"
	"github.com/switchboard-voice/switchboard/internal/metrics"
	"github.com/switchboard-voice/switchboard/nlu/dialog"
	"github.com/switchboard-voice/switchboard/nlu/openai"
	qaredact "github.com/switchboard-voice/switchboard/qa/redact"
	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/open"
	"github.com/switchboard-voice/switchboard/web"
	"github.com/switchboard-voice/switchboard/web/desk"
	webqa "github.com/switchboard-voice/switchboard/web/qa"
	"github.com/switchboard-voice/switchboard/web/wallboard"
)

func init() {
	register(&command{name: "serve", summary: "run the Switchboard server", run: runServe})
}

func configFlag(fs interface {
	String(name, value, usage string) *string
}) *string {
	return fs.String("config", "", "config file (default: switchboard.yaml if present, else embedded defaults)")
}

// loadConfig reads the named config, or switchboard.yaml when present.
func loadConfig(path string) (config.Config, error) {
	if path == "" {
		if _, err := os.Stat("switchboard.yaml"); err == nil {
			path = "switchboard.yaml"
		}
	}
	return config.Load(path)
}

func newLogger(e *env, cfg config.Config) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.Log.Level))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(e.stderr, opts)
	if cfg.Log.Format == "json" {
		h = slog.NewJSONHandler(e.stderr, opts)
	}
	// No card number or other PII in the logs (qa.redaction).
	if cfg.QA.Redaction.On() {
		if red, err := cfg.QA.Redaction.New(); err == nil {
			h = qaredact.NewHandler(h, red)
		}
	}
	return slog.New(h)
}

// openStore opens the configured store, creating the data folder.
func openStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	if cfg.Database.Driver == "sqlite" {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("data_dir: %w", err)
		}
	}
	return open.Open(ctx, cfg.Database.Driver, cfg.Database.DSN)
}

// recordingDir is where calls are recorded, "" when they are not.
func recordingDir(cfg config.Config) string {
	if cfg.Recording.Enabled {
		return cfg.Recording.Dir
	}
	return ""
}

// voiced reports whether a dialplan route runs bot on calls.
func voiced(cfg config.Config, bot string) bool {
	for _, r := range cfg.Dialplan {
		if r.App == "voicebot" && r.Bot == bot {
			return true
		}
	}
	return false
}

// llmOption returns the dialogue option for LLM mode, or nil when no model
// is configured.
func llmOption(cfg config.Config) (dialog.Option, error) {
	if cfg.LLM.Model == "" {
		return nil, nil
	}
	l, err := openai.New(openai.Config{
		BaseURL: cfg.LLM.BaseURL, APIKey: cfg.LLM.APIKey, Model: cfg.LLM.Model,
		FirstTokenTimeout: cfg.LLM.FirstTokenTimeout, Timeout: cfg.LLM.Timeout,
	})
	if err != nil {
		return nil, fmt.Errorf("llm: %w", err)
	}
	return dialog.WithLLM(l, cfg.LLM.Timeout), nil
}

func runServe(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "serve", "", `
Run the Switchboard server: the HTTP API (/v1), /metrics, /healthz and
/readyz, and the demo backend under /demo. With no config file it runs on
embedded defaults: SQLite under ./data, bots from ./bots.`)
	cfgPath := configFlag(fs)
	listen := fs.String("listen", "", "override http.listen")
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if *listen != "" {
		os.Setenv("SWITCHBOARD_HTTP_LISTEN", *listen)
	}
	cfg, err := loadConfig(*cfgPath)
	if err != nil {
		return err
	}
	log := newLogger(e, cfg)
	if p := cfg.RealtimePriority; p > 0 {
		if n, err := rtprio.Enable(p); err != nil {
			log.Error("realtime_priority not applied: the media path runs under normal scheduling", "priority", p, "err", err)
		} else {
			log.Info("real-time scheduling on", "policy", "SCHED_RR", "priority", p, "threads", n)
		}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	opts := []dialog.Option{dialog.WithWebhookBase(cfg.Webhooks.BaseURL), dialog.WithLogger(log)}
	if o, err := llmOption(cfg); err != nil {
		return err
	} else if o != nil {
		opts = append(opts, o)
	}
	reg := conversation.NewRegistry(st, log, opts...)
	mgr := conversation.New(reg, st, log)
	m := metrics.New(func() float64 { return float64(mgr.Count()) })
	mgr.OnTurn = func(bot string, r dialog.Reply) {
		m.Turns.WithLabelValues(bot, r.Final(), r.Trace.Source).Inc()
		m.TurnSeconds.WithLabelValues(bot).Observe(float64(r.Trace.Timings["total"]) / 1e6)
		if r.Trace.LLMError != "" {
			m.LLMFallbacks.WithLabelValues(bot).Inc()
		}
	}
	var loaded atomic.Bool
	sp := newSpeech(cfg.Speech, reg, log.With("component", "speech"))
	defer sp.Close()
	// A newly active bot version gets its speech model and prompts ready
	// before its first call (bots loaded at start-up are prepared below).
	var started atomic.Bool
	reg.OnActivate(func(bot string, version int) {
		if !started.Load() || !voiced(cfg, bot) {
			return
		}
		t0 := time.Now()
		if err := sp.Prepare(ctx, bot); err != nil {
			log.Warn("bot speech not prepared", "bot", bot, "version", version, "err", err)
			return
		}
		log.Info("bot speech ready", "bot", bot, "version", version, "took", time.Since(t0).Round(time.Millisecond))
	})
	vc := &voice{conv: mgr, speech: sp}
	if e.voiceHooks != nil {
		e.voiceHooks(vc)
	}
	// Human agents, assist and live QA.
	cen, err := startCenter(ctx, cfg, st, reg, sp, log)
	if err != nil {
		return err
	}
	defer cen.close()
	vc.center = cen
	// Stored turns: PII masked, caller turns scored for sentiment.
	if cfg.QA.Redaction.On() {
		mgr.Redactor = cen.red
	}
	mgr.Sentiment = func(text, lang string) (float64, string, bool) {
		s, err := cen.senti.Score(context.Background(), text, lang)
		if err != nil || !s.Scored() {
			return 0, "", false
		}
		return s.Score, string(s.Label), true
	}
	rv, err := newReview(cfg, st, cfg.QALLM())
	if err != nil {
		return fmt.Errorf("qa: %w", err)
	}
	if cfg.QA.Scorecards != "" {
		loaded, err := rv.LoadDir(ctx, cfg.QA.Scorecards)
		if err != nil {
			return fmt.Errorf("qa.scorecards: %w", err)
		}
		for _, l := range loaded {
			log.Info("scorecard ready", "scorecard", l.Name, "version", l.Version, "published", l.Published)
		}
	}
	var scoring sync.WaitGroup
	defer scoring.Wait()
	if cfg.QAEnabled() {
		cen.onCallEnded = func(sessionID string) {
			scoring.Add(1)
			go func() {
				defer scoring.Done()
				// Let the last turns and the recording be written.
				time.Sleep(time.Second)
				sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
				defer cancel()
				if err := rv.Score(sctx, sessionID); err != nil {
					log.Warn("call not scored", "session", sessionID, "err", err)
				}
			}()
		}
	}
	tel, err := startTelephony(ctx, cfg, m, vc, log)
	if err != nil {
		return err
	}
	defer tel.stop()
	extra := tel.routes
	for p, h := range cen.routes() {
		extra[p] = h
	}
	deskPage, wallPage := desk.Handler(), wallboard.Handler()
	if len(cfg.Desk.MediaOrigins) > 0 {
		deskPage = desk.Handler(desk.WithMediaOrigins(cfg.Desk.MediaOrigins...))
		wallPage = wallboard.Handler(wallboard.WithMediaOrigins(cfg.Desk.MediaOrigins...))
	}
	for _, p := range []string{"/agent", "/agent/"} {
		extra[p] = deskPage
	}
	for _, p := range []string{"/supervisor", "/supervisor/"} {
		extra[p] = wallPage
	}
	qah := webqa.Handler(rv, webqa.WithLogger(log.With("component", "qa")))
	for _, p := range []string{"/qa", "/qa/", "/v1/qa/"} {
		extra[p] = qah
	}
	if cfg.DemoBackendEnabled() {
		extra["/demo/"] = http.StripPrefix("/demo", demobackend.New(log.With("component", "demo-backend")))
	}
	api := web.New(web.Config{
		Registry: reg, Sessions: mgr, Store: st, Metrics: m, Logger: log, Extra: extra, RecordingDir: recordingDir(cfg),
		Ready: func() error {
			if !loaded.Load() {
				return errors.New("loading bots")
			}
			return nil
		},
	})
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http.listen: %w", err)
	}
	srv := &http.Server{Handler: api, ReadHeaderTimeout: 10 * time.Second, BaseContext: func(net.Listener) context.Context { return context.WithoutCancel(ctx) }}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	base := "http://" + ln.Addr().String()
	log.Info("listening", "url", base, "database", cfg.Database.Driver)

	var names []string
	for _, dir := range cfg.Bots.Dirs {
		b, err := reg.LoadDir(ctx, dir)
		if err != nil {
			log.Error("bot not loaded", "dir", dir, "err", err)
			continue
		}
		v := 0
		if cfg.PublishOnStart() {
			if v, _, err = reg.PublishIfChanged(ctx, b.Name); err != nil {
				log.Error("bot not published", "bot", b.Name, "err", err)
			}
		}
		// Train now so the first caller does not wait.
		t0 := time.Now()
		if _, err := reg.Engine(ctx, b.Name); err != nil {
			log.Error("bot engine failed", "bot", b.Name, "err", err)
			continue
		}
		if voiced(cfg, b.Name) {
			t1 := time.Now()
			if err := sp.Prepare(ctx, b.Name); err != nil {
				log.Warn("bot speech not prepared", "bot", b.Name, "err", err)
			}
			log.Info("bot speech ready", "bot", b.Name, "took", time.Since(t1).Round(time.Millisecond))
		}
		log.Info("bot ready", "bot", b.Name, "version", v, "train", time.Since(t0).Round(time.Millisecond))
		names = append(names, b.Name)
	}
	loaded.Store(true)
	started.Store(true)
	fmt.Fprintf(e.stdout, "switchboard %s serving on %s\n  API:     %s/v1/bots\n  health:  %s/healthz  %s/readyz\n  metrics: %s/metrics\n  bots:    %s\n",
		version, base, base, base, base, base, strings.Join(names, ", "))
	if tel.rtc != nil {
		fmt.Fprintf(e.stdout, "  phone:   %s/phone (browser softphone; call \"echo\")\n", base)
	}
	fmt.Fprintf(e.stdout, "  agents:  %s/agent   supervisors: %s/supervisor   QA: %s/qa\n", base, base, base)
	if len(cfg.Desk.Users) > 0 && cfg.Desk.Users[0].Password == "demo" {
		fmt.Fprintf(e.stdout, "           demo logins: ana, bo, li (agents), sam (supervisor); password demo\n")
	}
	for tr, a := range tel.SIPAddrs {
		fmt.Fprintf(e.stdout, "  sip:     sip:echo@%s;transport=%s\n", a, tr)
	}
	for _, r := range cfg.Dialplan {
		if r.App != "voicebot" {
			continue
		}
		// The first alternative of the route's pattern is a number to dial.
		num := strings.Split(r.To, "|")[0]
		fmt.Fprintf(e.stdout, "  bot:     %s: %s/phone?to=%s", r.Bot, base, num)
		for tr, a := range tel.SIPAddrs {
			if tr == "udp" {
				fmt.Fprintf(e.stdout, "  or sip:%s@%s", num, a)
			}
		}
		fmt.Fprintln(e.stdout)
	}

	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining requests and flushing sessions")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.HTTP.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(sctx)
	if left := mgr.Flush(sctx); left > 0 {
		log.Warn("sessions with unwritten turns at shutdown", "count", left)
	}
	return err
}
