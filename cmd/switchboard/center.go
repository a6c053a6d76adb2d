package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
	"github.com/switchboard-voice/switchboard/agent"
	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/assist"
	"github.com/switchboard-voice/switchboard/assist/kb"
	kbopenai "github.com/switchboard-voice/switchboard/assist/kb/openai"
	"github.com/switchboard-voice/switchboard/assist/kb/qdrant"
	assistopenai "github.com/switchboard-voice/switchboard/assist/openai"
	"github.com/switchboard-voice/switchboard/conversation"
	"github.com/switchboard-voice/switchboard/events"
	natsbus "github.com/switchboard-voice/switchboard/events/nats"
	"github.com/switchboard-voice/switchboard/internal/config"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/nlu/dialog"
	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/qa/alert"
	qaredact "github.com/switchboard-voice/switchboard/qa/redact"
	"github.com/switchboard-voice/switchboard/qa/sentiment"
	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/tts"
	"github.com/switchboard-voice/switchboard/voicebot"
)

// center is the human side of the server: the events bus between nodes,
// the desktops' hub, the call router, the agent service with its assist,
// and the live QA of every call (sentiment, alerts).
type center struct {
	cfg       config.Config
	log       *slog.Logger
	st        store.Store
	bus       *natsbus.Bus
	hub       *assist.Hub
	router    *acd.Router // nil on nodes that do not run it
	rt        agent.Router
	svc       *agent.Service
	sess      *agent.Sessions
	assistant *assist.Assistant
	red       *qaredact.Redactor
	senti     sentiment.Scorer
	rules     *alert.Rules
	watcher   *alert.Watcher
	webhook   *alert.Webhook
	subs      []events.Subscription
	cancel    context.CancelFunc
	wg        sync.WaitGroup

	// engines gives the bots' engines (their fallback lines).
	engines func(ctx context.Context, bot string) (*dialog.Engine, error)

	mu       sync.Mutex
	monitors map[string]*liveCall // by call ID
	// onCallEnded is told when a call (bot or human part) is over, for
	// scoring.
	onCallEnded func(sessionID string)
}

// liveCall is the live QA of one call.
type liveCall struct {
	m       *alert.Monitor
	session string
	bot     string
	seq     int
	human   bool
}

// deskMsg is a desktop event on the bus.
type deskMsg struct {
	Type string          `json:"t"`
	Data json.RawMessage `json:"d"`
}

// deskSubject is the bus subject of a desktop channel.
func deskSubject(channel string) string { return "desk." + channel }

func startCenter(ctx context.Context, cfg config.Config, st store.Store, reg *conversation.Registry, sp *speech, log *slog.Logger) (*center, error) {
	c := &center{cfg: cfg, log: log, st: st, monitors: map[string]*liveCall{}, engines: reg.Engine}
	cctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	c.cancel = cancel
	ok := false
	defer func() {
		if !ok {
			c.close()
		}
	}()
	var err error
	c.bus, err = natsbus.Open(ctx, natsbus.Config{URL: cfg.Events.URL, Listen: cfg.Events.Listen, Token: cfg.Events.Token,
		Name: cfg.Events.Node, Logger: log.With("component", "events")})
	if err != nil {
		return nil, fmt.Errorf("events: %w", err)
	}
	if u := c.bus.ClientURL(); u != "" {
		log.Info("events: embedded NATS listening for other nodes", "url", u)
	}
	c.hub = assist.NewHub(assist.WithHubLogger(log.With("component", "desk")))
	// Desktop events from every node (this one included) reach the
	// desktops connected here.
	sub, err := c.bus.Subscribe("desk.>", func(m events.Msg) {
		var d deskMsg
		if json.Unmarshal(m.Data, &d) != nil {
			return
		}
		_, _ = c.hub.Publish(strings.TrimPrefix(m.Subject, "desk."), d.Type, d.Data)
	})
	if err != nil {
		return nil, err
	}
	c.subs = append(c.subs, sub)

	if c.red, err = cfg.QA.Redaction.New(); err != nil {
		return nil, fmt.Errorf("qa.redaction: %w", err)
	}
	if c.senti, err = newSentiment(cfg); err != nil {
		return nil, err
	}
	if cfg.Alerts.On() {
		if c.rules, err = alert.Compile(cfg.Alerts); err != nil {
			return nil, fmt.Errorf("alerts: %w", err)
		}
		if len(cfg.Alerts.Webhooks) > 0 {
			if c.webhook, err = alert.NewWebhook(cfg.Alerts.Webhooks, alert.WithLogger(log.With("component", "alert-webhook"))); err != nil {
				return nil, fmt.Errorf("alerts.webhooks: %w", err)
			}
		}
		c.watcher = alert.NewWatcher(250 * time.Millisecond)
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			c.watcher.Run(cctx)
		}()
	}

	if cfg.ACD.RouterHere() {
		c.router, err = acd.New(cfg.ACD.Config, acd.WithLogger(log.With("component", "acd")))
		if err != nil {
			return nil, fmt.Errorf("acd: %w", err)
		}
		c.rt = agent.Local(c.router)
		rs, err := agent.ServeRouter(c.bus, c.router)
		if err != nil {
			return nil, err
		}
		c.subs = append(c.subs, rs)
	} else {
		c.rt = agent.Remote(c.bus)
		log.Info("acd: the router runs on another node; reaching it over the events bus")
	}
	var summarizer agent.Summarizer
	c.assistant, summarizer, err = newAssistant(cfg, reg, log)
	if err != nil {
		return nil, err
	}
	music, err := loadMusic(cfg.Desk.Music)
	if err != nil {
		return nil, err
	}
	users := map[string]config.DeskUser{}
	for _, u := range cfg.Desk.Users {
		users[u.Login] = u
	}
	c.sess = agent.NewSessions(cfg.Desk.Secret)
	c.svc, err = agent.New(agent.Config{
		Router: c.rt, Events: c.router, Bus: c.bus, Recent: c.hub.Recent, Store: st, Publisher: agent.PublisherFunc(c.publish), Speech: agentSpeech{sp},
		Suggester: c.assistant, Summarizer: summarizer, Observer: c, Sentiment: c.sentiment, Redact: c.redactText(),
		Passwords: func(login string) (string, string, bool, bool) {
			u, ok := users[login]
			id := u.Agent
			if u.Supervisor && id == "" {
				id = u.Login
			}
			return id, u.Password, u.Supervisor, ok
		},
		Lookup:   lookupCaller(cfg),
		MediaURL: cfg.Desk.MediaURL, Node: cfg.Events.Node, Music: music, Dispositions: cfg.Desk.Dispositions,
		Logger: log.With("component", "agent"),
	})
	if err != nil {
		return nil, err
	}
	if err := c.svc.LoadStored(ctx); err != nil {
		log.Warn("stored agents and queues not loaded", "err", err)
	}
	ok = true
	return c, nil
}

// redactText is the masking of transcript text, nil when redaction is off.
func (c *center) redactText() func(string) string {
	if !c.cfg.QA.Redaction.On() {
		return nil
	}
	return c.red.String
}

// publish sends a desktop event over the bus to every node's hub.
func (c *center) publish(channel, typ string, data any) {
	raw, err := json.Marshal(data)
	if err != nil {
		c.log.Warn("desk event not encoded", "type", typ, "err", err)
		return
	}
	msg, _ := json.Marshal(deskMsg{Type: typ, Data: raw})
	if err := c.bus.Publish(deskSubject(channel), msg); err != nil {
		c.log.Warn("desk event not published", "type", typ, "err", err)
	}
}

// routes are the HTTP handlers of the desktops and wallboards.
func (c *center) routes() map[string]http.Handler {
	h := c.svc.Handler(c.hub, c.sess)
	out := map[string]http.Handler{}
	for _, r := range agent.Routes {
		out[r] = h
	}
	return out
}

// queueApp is the `queue` dialplan application.
func (c *center) queueApp(queue string) media.Application {
	return media.ApplicationFunc(func(ctx context.Context, leg media.Leg) error {
		return c.svc.Serve(ctx, agent.Caller{Leg: leg, Queue: queue, CallerID: leg.Info().From})
	})
}

// hasQueue reports whether the router has a queue.
func (c *center) hasQueue(id string) bool {
	for _, q := range c.rt.Config().Queues {
		if q.ID == id {
			return true
		}
	}
	return false
}

// handoff puts a voicebot's caller into the handoff's queue, with what
// the bot learned. It returns when the call is over.
func (c *center) handoff(ctx context.Context, leg media.Leg, sessionID string, a dialog.Action) error {
	in := agent.Caller{Leg: leg, Queue: a.Queue, SessionID: sessionID, Reason: a.Reason, Summary: a.Summary, Slots: c.red.Slots(a.Slots)}
	if ses, err := c.st.Session(ctx, sessionID); err == nil {
		in.Bot, in.BotVersion, in.CallerID, in.Language, in.CallStart = ses.Bot, ses.BotVersion, ses.CallerID, ses.Language, ses.StartedAt
	}
	c.mu.Lock()
	if lc := c.monitors[leg.Info().ID]; lc != nil {
		lc.human = true // the human part goes on watching the same call
	}
	c.mu.Unlock()
	return c.svc.Serve(ctx, in)
}

func (c *center) close() {
	if c.svc != nil {
		_ = c.svc.Close()
	}
	if c.router != nil {
		_ = c.router.Close()
	}
	if c.cancel != nil {
		c.cancel()
	}
	c.wg.Wait()
	if c.webhook != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = c.webhook.Close(ctx)
		cancel()
	}
	for _, s := range c.subs {
		_ = s.Unsubscribe()
	}
	if c.bus != nil {
		_ = c.bus.Close()
	}
}

// sentiment scores one utterance for the live transcript.
func (c *center) sentiment(ctx context.Context, text, lang string) *float64 {
	if c.senti == nil {
		return nil
	}
	s, err := c.senti.Score(ctx, text, lang)
	if err != nil || !s.Scored() {
		return nil
	}
	return &s.Score
}

func newSentiment(cfg config.Config) (sentiment.Scorer, error) {
	var opts []sentiment.Option
	if cfg.QA.Sentiment.VADERLexicon != "" {
		opts = append(opts, sentiment.WithVADER(cfg.QA.Sentiment.VADERLexicon))
	}
	if cfg.QA.Sentiment.Lexicon != "" {
		opts = append(opts, sentiment.WithLexicon(cfg.QA.Sentiment.Lexicon))
	}
	s, err := sentiment.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("qa.sentiment: %w", err)
	}
	return s, nil
}

// newAssistant builds the suggestions: knowledge retrieval with the
// configured embedder and vector store, and LLM replies when configured;
// and the after-call summaries (the LLM's when configured, extractive
// otherwise, and on its errors).
func newAssistant(cfg config.Config, reg *conversation.Registry, log *slog.Logger) (*assist.Assistant, agent.Summarizer, error) {
	var kbOpts []kb.Option
	if cfg.Assist.Embedder == "openai" {
		e, err := kbopenai.New(kbopenai.Config{BaseURL: cfg.Assist.Embedding.BaseURL, APIKey: cfg.Assist.Embedding.APIKey,
			Model: cfg.Assist.Embedding.Model, Dimensions: cfg.Assist.Embedding.Dimensions, Timeout: cfg.Assist.Embedding.Timeout})
		if err != nil {
			return nil, nil, fmt.Errorf("assist.embedding: %w", err)
		}
		kbOpts = append(kbOpts, kb.WithEmbedder(e))
	}
	if cfg.Assist.VectorStore == "qdrant" {
		q, err := qdrant.New(qdrant.Config{Addr: cfg.Assist.Qdrant.Addr, APIKey: cfg.Assist.Qdrant.APIKey, TLS: cfg.Assist.Qdrant.TLS, Timeout: cfg.Assist.Qdrant.Timeout})
		if err != nil {
			return nil, nil, fmt.Errorf("assist.qdrant: %w", err)
		}
		kbOpts = append(kbOpts, kb.WithStore(q))
	}
	kbOpts = append(kbOpts, kb.WithLogger(log.With("component", "kb")))
	opts := []assist.AssistantOption{assist.WithTopK(cfg.Assist.TopK), assist.WithAssistantLogger(log.With("component", "assist")),
		assist.WithIndexes(func() (*kb.Index, error) { return kb.NewIndex(kbOpts...) })}
	var sum agent.Summarizer
	if cfg.AssistReply() {
		r, err := assistopenai.New(assistopenai.Config{BaseURL: cfg.LLM.BaseURL, APIKey: cfg.LLM.APIKey, Model: cfg.LLM.Model})
		if err != nil {
			return nil, nil, fmt.Errorf("assist.reply: %w", err)
		}
		opts = append(opts, assist.WithReplier(r))
		sum = r
	}
	a := assist.NewAssistant(reg.Engine, opts...)
	if sum == nil {
		sum = a
	}
	return a, sum, nil
}

// lookupCaller is the caller-lookup webhook (desk.lookup), nil without
// one.
func lookupCaller(cfg config.Config) func(ctx context.Context, callerID string) (agent.CustomerInfo, error) {
	u := cfg.Desk.Lookup
	if u == "" {
		return nil
	}
	if strings.HasPrefix(u, "/") {
		u = strings.TrimSuffix(cfg.Webhooks.BaseURL, "/") + u
	}
	client := &http.Client{Timeout: 2 * time.Second}
	return func(ctx context.Context, callerID string) (agent.CustomerInfo, error) {
		body, _ := json.Marshal(map[string]string{"caller_id": callerID})
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(string(body)))
		if err != nil {
			return agent.CustomerInfo{}, err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return agent.CustomerInfo{}, fmt.Errorf("desk.lookup: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return agent.CustomerInfo{}, fmt.Errorf("desk.lookup: %s", resp.Status)
		}
		var raw struct {
			Attributes map[string]any  `json:"attributes"`
			Tickets    []assist.Ticket `json:"tickets"`
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&raw); err != nil {
			return agent.CustomerInfo{}, fmt.Errorf("desk.lookup: reply is not the expected JSON: %w", err)
		}
		info := agent.CustomerInfo{Attributes: map[string]string{}, Tickets: raw.Tickets}
		for k, v := range raw.Attributes {
			switch v := v.(type) {
			case string:
				info.Attributes[k] = v
			case nil:
			default:
				b, _ := json.Marshal(v)
				info.Attributes[k] = string(b)
			}
		}
		return info, nil
	}
}

// loadMusic reads the music on hold (8 kHz mono WAV), nil for the
// default tune.
func loadMusic(path string) ([]int16, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("desk.music: %w", err)
	}
	defer f.Close()
	pcm, rate, ch, err := media.ReadWAV(f)
	if err != nil {
		return nil, fmt.Errorf("desk.music %s: %w", path, err)
	}
	if ch != 1 {
		return nil, fmt.Errorf("desk.music %s: %d channels, want mono", path, ch)
	}
	if rate != media.Rate8k {
		rs, err := media.NewResampler(rate, media.Rate8k)
		if err != nil {
			return nil, fmt.Errorf("desk.music %s: %w", path, err)
		}
		pcm = rs.Resample(nil, pcm)
	}
	return pcm, nil
}

// agentSpeech gives agent calls the bot's speech providers, or the
// generic model when no bot came before the agent.
type agentSpeech struct{ sp *speech }

func (a agentSpeech) Recognizer(ctx context.Context, bot string, version int, lang string) (asr.Recognizer, error) {
	if bot == agent.NoBot {
		bot = ""
	}
	return a.sp.Recognizer(ctx, bot, version, lang)
}

func (a agentSpeech) Synthesizer(ctx context.Context, bot, lang string) (tts.Synthesizer, error) {
	if bot == agent.NoBot {
		bot = ""
	}
	return a.sp.Synthesizer(ctx, bot, lang)
}

// --- live QA: alert monitors for bot and human calls ---

// monitor returns the call's live QA, making it.
func (c *center) monitor(callID, sessionID, bot string) *liveCall {
	if c.rules == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	lc := c.monitors[callID]
	if lc == nil {
		m := alert.NewMonitor(c.rules, alert.Call{SessionID: sessionID, CallID: callID, Bot: bot},
			alert.WithSink(alert.SinkFunc(c.raise)), alert.WithRedact(c.red.String))
		lc = &liveCall{m: m, session: sessionID, bot: bot}
		c.monitors[callID] = lc
		c.watcher.Add(m)
	}
	return lc
}

// endMonitor ends a call's live QA.
func (c *center) endMonitor(callID string) {
	c.mu.Lock()
	lc := c.monitors[callID]
	delete(c.monitors, callID)
	c.mu.Unlock()
	if lc != nil {
		lc.m.End()
		c.watcher.Remove(lc.m)
	}
}

// raise delivers an alert: stored, on the wallboard and the agent's
// desktop, and to the webhooks. It runs on the call's goroutine and does
// not block (the store write and the webhook are queued).
func (c *center) raise(a alert.Alert) {
	raw, _ := json.Marshal(a)
	raw, _ = c.red.JSON(raw)
	c.publish(agent.Supervisors, "alert", json.RawMessage(raw))
	if a.Agent != "" {
		c.publish(agent.AgentChannel(a.Agent), "alert", json.RawMessage(raw))
	}
	if c.webhook != nil {
		c.webhook.Publish(a)
	}
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := c.st.SaveAlert(ctx, store.Alert{ID: a.ID, SessionID: a.SessionID, CallID: a.CallID, Rule: a.Rule, Kind: string(a.Kind),
			Severity: string(a.Severity), At: a.At, Payload: raw})
		if err != nil {
			c.log.Warn("alert not stored", "rule", a.Rule, "err", err)
		}
	}()
}

// voiceEvent feeds a voicebot call's events to its live QA.
func (c *center) voiceEvent(e voicebot.Event) {
	if c.rules == nil || e.CallID == "" {
		return
	}
	lc := c.monitor(e.CallID, e.SessionID, c.botOf(e.SessionID))
	if lc == nil {
		return
	}
	switch e.Kind {
	case "speech_start":
		lc.m.SpeechStart(qa.Caller)
	case "speech_end":
		lc.m.SpeechStop(qa.Caller)
	case "prompt":
		lc.m.SpeechStart(qa.Bot)
		c.mu.Lock()
		lc.seq++
		seq := lc.seq
		c.mu.Unlock()
		lc.m.Turn(qa.Turn{Seq: seq, Speaker: qa.Bot, Text: e.Text, Failed: c.isFallback(lc.bot, e.Text)})
	case "prompt_done":
		lc.m.SpeechStop(qa.Bot)
	case "final":
		c.mu.Lock()
		lc.seq++
		seq := lc.seq
		c.mu.Unlock()
		t := qa.Turn{Seq: seq, Speaker: qa.Caller, Text: e.Text}
		if s := c.sentiment(context.Background(), e.Text, ""); s != nil {
			t.Sentiment = qa.Sentiment{Score: *s, Label: qa.Label(sentiment.LabelOf(*s))}
		}
		lc.m.Turn(t)
	}
}

// voiceEnd ends a voicebot call's live QA unless an agent has it now.
func (c *center) voiceEnd(s voicebot.CallStats) {
	c.mu.Lock()
	lc := c.monitors[s.CallID]
	human := lc != nil && lc.human
	c.mu.Unlock()
	if !human {
		c.endMonitor(s.CallID)
		if c.onCallEnded != nil && s.SessionID != "" {
			c.onCallEnded(s.SessionID)
		}
	}
}

func (c *center) botOf(sessionID string) string {
	if sessionID == "" {
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s, err := c.st.Session(ctx, sessionID)
	if err != nil {
		return ""
	}
	return s.Bot
}

// isFallback reports whether a bot prompt is its "not understood" line.
func (c *center) isFallback(bot, text string) bool {
	if bot == "" || text == "" {
		return false
	}
	e, err := c.svcEngine(bot)
	if err != nil {
		return false
	}
	fb := strings.TrimSpace(e.Bot().Fallback)
	return fb != "" && strings.Contains(text, fb)
}

func (c *center) svcEngine(bot string) (*dialog.Engine, error) {
	if c.engines == nil {
		return nil, errors.New("no registry")
	}
	return c.engines(context.Background(), bot)
}

// CallStarted implements agent.Observer.
func (c *center) CallStarted(ci agent.CallInfo) {
	lc := c.monitorFor(ci)
	if lc != nil {
		lc.m.SetAgent(ci.AgentID, ci.Queue)
	}
}

func (c *center) monitorFor(ci agent.CallInfo) *liveCall {
	c.mu.Lock()
	// A handoff keeps the voicebot's monitor, by the caller's leg ID;
	// find it through the session.
	for _, lc := range c.monitors {
		if lc.human && lc.m != nil && lc.sessionID() == ci.SessionID {
			c.monitors[ci.CallID] = lc
			c.mu.Unlock()
			return lc
		}
	}
	c.mu.Unlock()
	lc := c.monitor(ci.CallID, ci.SessionID, ci.Bot)
	if lc != nil {
		c.mu.Lock()
		lc.human = true
		c.mu.Unlock()
	}
	return lc
}

func (lc *liveCall) sessionID() string { return lc.session }

// Segment implements agent.Observer.
func (c *center) Segment(ci agent.CallInfo, s assist.Segment, senti *float64) {
	lc := c.monitorFor(ci)
	if lc == nil {
		return
	}
	speaker := qa.Caller
	if s.Speaker != "caller" {
		speaker = qa.Agent
	}
	c.mu.Lock()
	lc.seq++
	seq := lc.seq
	c.mu.Unlock()
	t := qa.Turn{Seq: seq, Speaker: speaker, Text: s.Text, Start: s.Start, End: s.End}
	if senti != nil {
		t.Sentiment = qa.Sentiment{Score: *senti, Label: qa.Label(sentiment.LabelOf(*senti))}
	}
	lc.m.Turn(t)
}

// Activity implements agent.Observer.
func (c *center) Activity(ci agent.CallInfo, speaker string, on bool) {
	lc := c.monitorFor(ci)
	if lc == nil {
		return
	}
	who := qa.Caller
	if speaker != "caller" {
		who = qa.Agent
	}
	if on {
		lc.m.SpeechStart(who)
	} else {
		lc.m.SpeechStop(who)
	}
}

// Hold implements agent.Observer.
func (c *center) Hold(ci agent.CallInfo, on bool) {
	if lc := c.monitorFor(ci); lc != nil {
		lc.m.Hold(on)
	}
}

// CallEnded implements agent.Observer.
func (c *center) CallEnded(ci agent.CallInfo) {
	c.mu.Lock()
	lc := c.monitors[ci.CallID]
	var keys []string
	for k, v := range c.monitors {
		if v == lc {
			keys = append(keys, k)
		}
	}
	c.mu.Unlock()
	for _, k := range keys {
		c.endMonitor(k)
	}
	if c.onCallEnded != nil {
		c.onCallEnded(ci.SessionID)
	}
}
