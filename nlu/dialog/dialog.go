package dialog

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard-voice/switchboard/nlu"
	"github.com/switchboard-voice/switchboard/nlu/entity"
	"github.com/switchboard-voice/switchboard/prompts"
)

// MaxUtterance is the longest utterance, in runes, the manager reads; the
// rest is cut (a caller does not say 10,000 characters in one turn).
const MaxUtterance = 1000

// Action kinds.
const (
	ActSay     = "say"
	ActHandoff = "handoff"
	ActEnd     = "end"
)

// Action is one thing the bot does at the end of a turn.
type Action struct {
	Kind string `json:"kind"`
	// Text to say (say), or said before handing off / ending.
	Text string `json:"text,omitempty"`
	// Interruptible is false for prompts barge-in must not cut.
	Interruptible bool `json:"interruptible"`
	// Handoff fields.
	Queue   string            `json:"queue,omitempty"`
	Reason  string            `json:"reason,omitempty"`
	Summary string            `json:"summary,omitempty"`
	Slots   map[string]string `json:"slots,omitempty"`
	// Outcome of an end action: "resolved" or "abandoned".
	Outcome string `json:"outcome,omitempty"`
}

// Trace explains a turn: what was understood and how long each stage took.
type Trace struct {
	Intent     string            `json:"intent"`
	Confidence float64           `json:"confidence"`
	Ranked     []nlu.Prediction  `json:"ranked,omitempty"`
	Entities   []entity.Entity   `json:"entities,omitempty"`
	Slots      map[string]string `json:"slots,omitempty"`
	Flow       string            `json:"flow,omitempty"`
	Step       string            `json:"step,omitempty"`
	// Source says who decided: "nlu", "llm", "flow", "rule".
	Source string `json:"source"`
	// LLMError is why LLM mode fell back to the embedded NLU, if it did.
	LLMError string `json:"llm_error,omitempty"`
	// Digression is true when the turn answered a question mid-flow.
	Digression bool `json:"digression,omitempty"`
	// Timings per stage in microseconds: nlu, entities, llm, webhook,
	// flow, total.
	Timings map[string]int64 `json:"timings_us"`
}

// Reply is the bot's side of one turn.
type Reply struct {
	Actions []Action `json:"actions"`
	Trace   Trace    `json:"trace"`
}

// Text joins the reply's spoken text.
func (r Reply) Text() string {
	var parts []string
	for _, a := range r.Actions {
		if a.Text != "" {
			parts = append(parts, a.Text)
		}
	}
	return strings.Join(parts, " ")
}

// Final returns the reply's last action kind: say, handoff or end.
func (r Reply) Final() string {
	if len(r.Actions) == 0 {
		return ActSay
	}
	return r.Actions[len(r.Actions)-1].Kind
}

// Engine serves conversations for one bot version. It is immutable after
// New and safe for concurrent use; each conversation has its own state.
type Engine struct {
	bot        *prompts.Bot
	version    int
	clf        *nlu.Classifier
	ext        *entity.Extractor
	kb         *Knowledge
	llm        nlu.LLM
	llmTO      time.Duration
	hookBase   string
	client     *http.Client
	log        *slog.Logger
	threshold  float64
	intents    map[string]*prompts.Intent
	flows      map[string]*prompts.Flow
	handoffRE  []*regexp.Regexp
	handoffZH  []string
	maxNoMatch int
	lang       string
	// vocab holds every word (and Chinese character) of the examples: an
	// utterance with none of them is out of scope whatever the classifier
	// says, since a linear model gives some intent to anything.
	vocab map[string]bool
}

// Option configures an Engine.
type Option func(*Engine)

// WithLLM turns LLM mode on (when the bot enables it) with a per-turn
// timeout for the whole plan (the first-token timeout is the LLM's own).
func WithLLM(l nlu.LLM, timeout time.Duration) Option {
	return func(e *Engine) { e.llm, e.llmTO = l, timeout }
}

// WithWebhookBase resolves webhook URLs that start with "/".
func WithWebhookBase(url string) Option {
	return func(e *Engine) { e.hookBase = strings.TrimRight(url, "/") }
}

// WithHTTPClient sets the client for webhooks.
func WithHTTPClient(c *http.Client) Option { return func(e *Engine) { e.client = c } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(e *Engine) { e.log = l } }

// WithVersion records which published version the engine serves.
func WithVersion(v int) Option { return func(e *Engine) { e.version = v } }

// WithClassifier reuses an already trained classifier.
func WithClassifier(c *nlu.Classifier) Option { return func(e *Engine) { e.clf = c } }

// New builds an engine: it lints the bot, trains the classifier on the
// bot's examples and indexes its knowledge base.
func New(bot *prompts.Bot, opts ...Option) (*Engine, error) {
	if ps := prompts.Lint(bot); len(ps) > 0 {
		return nil, fmt.Errorf("bot %s: %w", bot.Name, ps)
	}
	e := &Engine{
		bot:     bot,
		client:  &http.Client{},
		log:     slog.New(slog.DiscardHandler),
		intents: map[string]*prompts.Intent{},
		flows:   map[string]*prompts.Flow{},
		lang:    bot.Languages[0],
		llmTO:   5 * time.Second,
	}
	for _, o := range opts {
		o(e)
	}
	for i := range bot.Intents {
		e.intents[bot.Intents[i].Name] = &bot.Intents[i]
	}
	for i := range bot.Flows {
		e.flows[bot.Flows[i].Name] = &bot.Flows[i]
	}
	var xopts []entity.Option
	for _, et := range bot.Entities {
		if len(et.Values) > 0 {
			xopts = append(xopts, entity.WithList(et.Name, et.Values))
		}
		if et.Pattern != "" {
			xopts = append(xopts, entity.WithPattern(et.Name, et.Pattern))
		}
	}
	ext, err := entity.New(xopts...)
	if err != nil {
		return nil, fmt.Errorf("bot %s: entities: %w", bot.Name, err)
	}
	e.ext = ext
	if e.clf == nil {
		clf, err := TrainClassifier(bot)
		if err != nil {
			return nil, err
		}
		e.clf = clf
	}
	e.threshold = e.clf.Threshold()
	e.vocab = map[string]bool{}
	for _, in := range bot.Intents {
		if in.Name == "oos" {
			continue
		}
		for _, x := range in.Examples {
			for _, t := range tokens(x) {
				e.vocab[t] = true
			}
		}
	}
	e.kb = NewKnowledge(bot.Knowledge)
	for _, p := range append([]string{}, bot.Handoff.Phrases...) {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" {
			continue
		}
		if hasHan(p) {
			e.handoffZH = append(e.handoffZH, p)
		} else {
			e.handoffRE = append(e.handoffRE, regexp.MustCompile(`\b`+regexp.QuoteMeta(p)+`\b`))
		}
	}
	e.maxNoMatch = bot.Handoff.MaxNoMatch
	if e.maxNoMatch == 0 {
		e.maxNoMatch = 3
	}
	return e, nil
}

// TrainClassifier trains the embedded classifier on a bot's examples.
func TrainClassifier(bot *prompts.Bot) (*nlu.Classifier, error) {
	var ex []nlu.Example
	for _, in := range bot.Intents {
		for _, t := range in.Examples {
			ex = append(ex, nlu.Example{Text: t, Intent: in.Name})
		}
	}
	var opts []nlu.Option
	if bot.NLU.Threshold > 0 {
		opts = append(opts, nlu.WithThreshold(bot.NLU.Threshold))
	}
	clf, err := nlu.Train(ex, opts...)
	if err != nil {
		return nil, fmt.Errorf("bot %s: train classifier: %w", bot.Name, err)
	}
	return clf, nil
}

// Bot returns the bot definition the engine serves.
func (e *Engine) Bot() *prompts.Bot { return e.bot }

// Version returns the published version served (0 for a draft).
func (e *Engine) Version() int { return e.version }

// Knowledge returns the engine's knowledge index.
func (e *Engine) Knowledge() *Knowledge { return e.kb }

// Classifier returns the engine's trained classifier.
func (e *Engine) Classifier() *nlu.Classifier { return e.clf }

func hasHan(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// Info describes the caller of a new conversation.
type Info struct {
	SessionID string
	// CallID of a voice call (SIP Call-ID, WebRTC leg ID), "" for text.
	CallID   string
	CallerID string
	Language string // "" for the bot's default
	Channel  string
}

// Start begins a conversation and returns the greeting.
func (e *Engine) Start(info Info) (*Conversation, Reply) {
	lang := info.Language
	if lang == "" {
		lang = e.lang
	}
	c := &Conversation{
		e:    e,
		info: info,
		lang: lang,
		vars: map[string]string{
			"caller_id":  info.CallerID,
			"bot":        e.bot.Name,
			"session_id": info.SessionID,
			"language":   lang,
			"today":      time.Now().Format("2006-01-02"),
		},
		slots: map[string]string{},
		log:   e.log.With("session_id", info.SessionID, "bot", e.bot.Name),
	}
	r := Reply{Trace: Trace{Source: "rule", Timings: map[string]int64{}}}
	c.say(&r, e.bot.Greeting, true)
	c.history = append(c.history, nlu.Message{Role: "assistant", Content: e.bot.Greeting})
	return c, r
}

// Conversation is the state of one conversation: the flow it is in, the
// slots collected, counters for handoff rules. It is not safe for
// concurrent use: a conversation has one turn at a time.
type Conversation struct {
	e    *Engine
	info Info
	lang string
	vars map[string]string
	// slots collected so far, across flows.
	slots map[string]string
	// flow and step the engine waits in ("" when idle).
	flow, step string
	// prefilled marks slots filled from the utterance that started the
	// flow: their ask steps are skipped once.
	prefilled map[string]bool
	// attempts at the current ask or confirm step.
	attempts int
	// noMatch counts consecutive turns not understood.
	noMatch int
	// intents seen, for the summary.
	intents []string
	history []nlu.Message
	done    bool
	outcome string
	log     *slog.Logger
}

// Done reports whether the conversation has ended or been handed off.
func (c *Conversation) Done() bool { return c.done }

// Outcome is "resolved", "handed_off" or "abandoned" once Done.
func (c *Conversation) Outcome() string { return c.outcome }

// Slots returns a copy of the slots collected so far.
func (c *Conversation) Slots() map[string]string { return copyMap(c.slots) }

// Language returns the conversation's language.
func (c *Conversation) Language() string { return c.lang }

// Where returns the flow and step the conversation waits in.
func (c *Conversation) Where() (flow, step string) { return c.flow, c.step }

// Errors a turn can report.
var (
	// ErrEnded: the conversation has already ended.
	ErrEnded = errors.New("dialog: conversation has ended")
)

// Turn runs one caller utterance through the manager and returns the bot's
// reply. It never fails for bad input: an empty, overlong or malformed
// utterance gets a spoken reply. Only a turn after the end is an error.
func (c *Conversation) Turn(ctx context.Context, text string) (Reply, error) {
	if c.done {
		return Reply{}, ErrEnded
	}
	start := time.Now()
	r := Reply{Trace: Trace{Timings: map[string]int64{}}}
	text = cleanUtterance(text)
	tooLong := utf8.RuneCountInString(text) > MaxUtterance
	if tooLong {
		text = string([]rune(text)[:MaxUtterance])
	}
	c.vars["last_utterance"] = text
	c.turn(ctx, &r, text, tooLong)
	c.history = append(c.history, nlu.Message{Role: "user", Content: text})
	if t := r.Text(); t != "" {
		c.history = append(c.history, nlu.Message{Role: "assistant", Content: t})
	}
	if len(c.history) > 40 {
		c.history = c.history[len(c.history)-40:]
	}
	r.Trace.Flow, r.Trace.Step = c.flow, c.step
	r.Trace.Slots = copyMap(c.slots)
	r.Trace.Timings["total"] = time.Since(start).Microseconds()
	if len(r.Actions) == 0 {
		// Never leave the caller without a reply.
		c.say(&r, phrase(c.lang, "didnt_catch"), true)
	}
	c.log.Debug("turn", "intent", r.Trace.Intent, "confidence", r.Trace.Confidence,
		"source", r.Trace.Source, "flow", c.flow, "step", c.step, "action", r.Final())
	return r, nil
}

// cleanUtterance makes any input safe to process: valid UTF-8, no control
// characters, single spaces.
func cleanUtterance(s string) string {
	s = strings.ToValidUTF8(s, " ")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func (c *Conversation) turn(ctx context.Context, r *Reply, text string, tooLong bool) {
	if text == "" {
		r.Trace.Source = "rule"
		c.noInput(r)
		return
	}
	if c.asksForHuman(text) {
		r.Trace.Source = "rule"
		r.Trace.Intent = "handoff_request"
		r.Trace.Confidence = 1
		c.handoff(r, "", phrase(c.lang, "reason_asked"))
		return
	}
	if c.e.llm != nil && c.e.bot.LLM.Enabled && !tooLong {
		if err := c.llmTurn(ctx, r, text); err == nil {
			return
		} else {
			r.Trace.LLMError = err.Error()
			c.log.Warn("llm turn failed, falling back to embedded NLU", "err", err)
			r.Actions = nil
		}
	}
	r.Trace.Source = "nlu"
	t0 := time.Now()
	res := c.e.clf.Classify(text)
	r.Trace.Timings["nlu"] = time.Since(t0).Microseconds()
	if !c.e.knows(text) {
		res.OOS, res.Intent = true, nlu.OOS
	}
	r.Trace.Intent, r.Trace.Confidence, r.Trace.Ranked = res.Intent, res.Confidence, res.Ranked
	t0 = time.Now()
	r.Trace.Entities = c.e.ext.Extract(text, time.Now())
	r.Trace.Timings["entities"] = time.Since(t0).Microseconds()
	if tooLong && c.step == "" {
		c.noMatch++
		if c.noMatch >= c.e.maxNoMatch {
			c.handoff(r, "", fmt.Sprintf(phrase(c.lang, "reason_nomatch"), c.noMatch))
			return
		}
		c.say(r, phrase(c.lang, "too_long"), true)
		return
	}
	t0 = time.Now()
	defer func() { r.Trace.Timings["flow"] = time.Since(t0).Microseconds() - r.Trace.Timings["webhook"] }()
	if c.step != "" {
		c.inFlow(ctx, r, text, res)
		return
	}
	c.topLevel(ctx, r, text, res)
}

// knows reports whether text shares a word with the bot's examples.
func (e *Engine) knows(text string) bool {
	for _, t := range tokens(text) {
		if e.vocab[t] {
			return true
		}
	}
	return false
}

func (c *Conversation) asksForHuman(text string) bool {
	low := strings.ToLower(text)
	for _, p := range c.e.handoffZH {
		if strings.Contains(low, p) {
			return true
		}
	}
	for _, re := range c.e.handoffRE {
		if re.MatchString(low) {
			return true
		}
	}
	return false
}

// understood reports whether a classification is confident and in scope.
func (c *Conversation) understood(res nlu.Result) bool {
	return !res.OOS && res.Intent != nlu.OOS && res.Confidence >= c.e.threshold
}

func (c *Conversation) noInput(r *Reply) {
	c.noMatch++
	if c.noMatch >= c.e.maxNoMatch {
		c.handoff(r, "", fmt.Sprintf(phrase(c.lang, "reason_nomatch"), c.noMatch))
		return
	}
	c.say(r, phrase(c.lang, "didnt_catch"), true)
	if c.step != "" {
		c.repeatQuestion(r)
	}
}

// topLevel handles an utterance when no flow is waiting.
func (c *Conversation) topLevel(ctx context.Context, r *Reply, text string, res nlu.Result) {
	if !c.understood(res) {
		c.noMatch++
		if c.noMatch >= c.e.maxNoMatch {
			c.handoff(r, "", fmt.Sprintf(phrase(c.lang, "reason_nomatch"), c.noMatch))
			return
		}
		c.say(r, c.e.bot.Fallback, true)
		return
	}
	c.noMatch = 0
	c.doIntent(ctx, r, text, res.Intent)
}

// doIntent carries out what an intent says: answer, knowledge, handoff or
// flow.
func (c *Conversation) doIntent(ctx context.Context, r *Reply, text, name string) {
	in := c.e.intents[name]
	if in == nil {
		c.say(r, c.e.bot.Fallback, true)
		return
	}
	c.intents = append(c.intents, name)
	if in.Answer != "" {
		c.say(r, c.render(in.Answer), true)
	}
	if in.Knowledge != "" {
		c.answerFromKB(r, in.Knowledge, text)
	}
	switch {
	case in.Handoff != "":
		c.handoff(r, in.Handoff, "intent "+name)
	case in.Flow != "":
		c.startFlow(ctx, r, in.Flow, text)
	case in.Answer != "" || in.Knowledge != "":
		// A plain answer: the caller may want something else.
	}
}

func (c *Conversation) answerFromKB(r *Reply, tag, query string) bool {
	var art prompts.Article
	var ok bool
	if tag == "*" || tag == "" {
		if hits := c.e.kb.Search(query, 1); len(hits) > 0 {
			art, ok = hits[0].Article, true
		}
	} else {
		art, ok = c.e.kb.Tagged(tag, query)
	}
	if !ok {
		c.say(r, phrase(c.lang, "not_found"), true)
		return false
	}
	c.say(r, FirstParagraph(art.Body), true)
	return true
}

func (c *Conversation) render(tpl string) string {
	vars := copyMap(c.vars)
	for k, v := range c.slots {
		vars[k] = v
	}
	return prompts.Render(tpl, vars)
}

func (c *Conversation) say(r *Reply, text string, interruptible bool) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	r.Actions = append(r.Actions, Action{Kind: ActSay, Text: text, Interruptible: interruptible})
}

// handoff ends the bot's part: the caller goes to a human queue with what
// the bot learned.
func (c *Conversation) handoff(r *Reply, queue, reason string) {
	if queue == "" {
		queue = c.e.bot.Handoff.Queue
	}
	msg := c.e.bot.Handoff.Message
	if msg == "" {
		msg = phrase(c.lang, "handoff")
	}
	r.Actions = append(r.Actions, Action{
		Kind: ActHandoff, Text: c.render(msg), Interruptible: true,
		Queue: queue, Reason: reason, Summary: c.summary(reason), Slots: copyMap(c.slots),
	})
	c.done, c.outcome = true, "handed_off"
	c.flow, c.step = "", ""
}

func (c *Conversation) end(r *Reply, text, outcome string) {
	if outcome == "" {
		outcome = "resolved"
	}
	if text == "" {
		text = c.e.bot.Goodbye
	}
	if text == "" {
		text = phrase(c.lang, "goodbye")
	}
	r.Actions = append(r.Actions, Action{Kind: ActEnd, Text: c.render(text), Interruptible: true, Outcome: outcome})
	c.done, c.outcome = true, outcome
	c.flow, c.step = "", ""
}

// summary is an extractive summary for the agent who takes a handoff, in
// the conversation's language.
func (c *Conversation) summary(reason string) string {
	var b strings.Builder
	p := func(key string, arg any) { fmt.Fprintf(&b, phrase(c.lang, key), arg) }
	if c.info.CallerID != "" {
		p("sum_caller", c.info.CallerID)
	}
	if len(c.intents) > 0 {
		p("sum_asked", strings.Join(uniq(c.intents), ", "))
	}
	if len(c.slots) > 0 {
		keys := sortedKeys(c.slots)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + c.slots[k]
		}
		p("sum_collected", strings.Join(parts, ", "))
	}
	var last []string
	for i := len(c.history) - 1; i >= 0 && len(last) < 2; i-- {
		if c.history[i].Role == "user" {
			last = append([]string{c.history[i].Content}, last...)
		}
	}
	if v := c.vars["last_utterance"]; v != "" && (len(last) == 0 || last[len(last)-1] != v) {
		last = append(last, v)
	}
	if len(last) > 0 {
		p("sum_said", strings.Join(last, " / "))
	}
	p("sum_reason", reason)
	return b.String()
}

// Expectation is what the conversation waits for from the caller: the
// answer to an ask or confirm step, or anything (Kind "").
type Expectation struct {
	// Kind is "ask", "confirm" or "" (open question).
	Kind string `json:"kind,omitempty"`
	// Slot and Type of an ask step ("yesno" for confirm).
	Slot string `json:"slot,omitempty"`
	Type string `json:"type,omitempty"`
	// Length is the exact number of digits a digits slot wants (0: any).
	Length int `json:"length,omitempty"`
	// Values are the allowed values (custom entity types, validate.values).
	Values []string `json:"values,omitempty"`
}

// Expecting says what the conversation waits for, so a voice channel can
// pick a recognition grammar, accept keypad digits and judge whether a
// partial answer is complete.
func (c *Conversation) Expecting() Expectation {
	if c.step == "" {
		return Expectation{}
	}
	s := c.flowStep(c.flow, c.step)
	if s == nil {
		return Expectation{}
	}
	switch s.Kind {
	case prompts.StepConfirm:
		return Expectation{Kind: "confirm", Type: "yesno"}
	case prompts.StepAsk:
		x := Expectation{Kind: "ask", Slot: s.Slot, Type: s.Type}
		if v := s.Validate; v != nil {
			x.Length = v.Length
			x.Values = append(x.Values, v.Values...)
		}
		for _, et := range c.e.bot.Entities {
			if et.Name != s.Type {
				continue
			}
			for val, syn := range et.Values {
				x.Values = append(x.Values, val)
				x.Values = append(x.Values, syn...)
			}
		}
		sort.Strings(x.Values)
		return x
	}
	return Expectation{}
}
