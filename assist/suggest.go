package assist

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/assist/kb"
	"github.com/switchboard-voice/switchboard/nlu/dialog"
	"github.com/switchboard-voice/switchboard/prompts"
)

// SuggestRequest is what the assistant gets after each caller utterance:
// the call's bot and handoff, the transcript so far (the newest caller
// utterance last) and the checklist steps the agent ticked.
type SuggestRequest struct {
	CallID     string
	Bot        string
	Language   string
	Handoff    Handoff
	Transcript []Segment
	Utterance  string
	Done       map[string]bool
}

// SummaryRequest is a call to summarise after it ends.
type SummaryRequest struct {
	Bot        string
	Language   string
	Handoff    Handoff
	Transcript []Segment
}

// Replier writes a reply the agent can read out, grounded in the articles
// (an LLM; see assist/openai).
type Replier interface {
	Reply(ctx context.Context, r ReplyRequest) (string, error)
}

// ReplyRequest is what a Replier answers.
type ReplyRequest struct {
	Language   string
	Utterance  string
	Transcript []Segment
	Articles   []Article
}

// Engines gives a bot's active dialogue engine (conversation.Registry).
type Engines func(ctx context.Context, bot string) (*dialog.Engine, error)

// Assistant suggests, for each caller utterance: knowledge articles
// (hybrid retrieval over the bot's knowledge base), the next steps of the
// flow that matches what the caller wants (a checklist, with what the bot
// already collected ticked), and, with a Replier, a reply to read out.
type Assistant struct {
	engines Engines
	newIdx  func() (*kb.Index, error)
	replier Replier
	topK    int
	log     *slog.Logger

	mu  sync.Mutex
	idx map[string]*kb.Index // by bot
}

// AssistantOption configures an Assistant.
type AssistantOption func(*Assistant)

// WithReplier adds suggested replies.
func WithReplier(r Replier) AssistantOption { return func(a *Assistant) { a.replier = r } }

// WithTopK sets how many articles are suggested (default 3).
func WithTopK(k int) AssistantOption { return func(a *Assistant) { a.topK = k } }

// WithIndexes sets how each bot's knowledge index is made (default
// kb.NewIndex with its embedded defaults).
func WithIndexes(fn func() (*kb.Index, error)) AssistantOption {
	return func(a *Assistant) { a.newIdx = fn }
}

// WithAssistantLogger sets the logger.
func WithAssistantLogger(l *slog.Logger) AssistantOption { return func(a *Assistant) { a.log = l } }

// NewAssistant returns an assistant over the bots' active versions.
func NewAssistant(engines Engines, opts ...AssistantOption) *Assistant {
	a := &Assistant{engines: engines, topK: 3, log: slog.New(slog.DiscardHandler), idx: map[string]*kb.Index{},
		newIdx: func() (*kb.Index, error) { return kb.NewIndex() }}
	for _, o := range opts {
		o(a)
	}
	return a
}

// index returns the bot's knowledge index, loaded with the engine's
// version (reloaded when a new version becomes active).
func (a *Assistant) index(ctx context.Context, e *dialog.Engine) (*kb.Index, error) {
	b := e.Bot()
	a.mu.Lock()
	ix := a.idx[b.Name]
	if ix == nil {
		var err error
		if ix, err = a.newIdx(); err != nil {
			a.mu.Unlock()
			return nil, err
		}
		a.idx[b.Name] = ix
	}
	a.mu.Unlock()
	if _, v, ok := ix.Loaded(); !ok || v != e.Version() {
		if err := ix.Load(ctx, b, e.Version()); err != nil {
			return nil, err
		}
	}
	return ix, nil
}

// Prepare loads a bot's knowledge index ahead of its first call.
func (a *Assistant) Prepare(ctx context.Context, bot string) error {
	e, err := a.engines(ctx, bot)
	if err != nil {
		return err
	}
	_, err = a.index(ctx, e)
	return err
}

// Suggest computes the suggestions for the request's utterance.
func (a *Assistant) Suggest(ctx context.Context, req SuggestRequest) (Suggestions, error) {
	out := Suggestions{CallID: req.CallID, For: req.Utterance}
	if req.Bot == "" {
		return out, nil
	}
	e, err := a.engines(ctx, req.Bot)
	if err != nil {
		return out, err
	}
	query := req.Utterance
	if len([]rune(query)) < 12 {
		// "yes", "it's the card": too little; add the caller's previous
		// words.
		query = recentCaller(req.Transcript, 2) + " " + query
	}
	if ix, err := a.index(ctx, e); err != nil {
		a.log.Warn("knowledge index", "bot", req.Bot, "err", err)
	} else if hits, err := ix.Search(ctx, query, a.topK); err != nil {
		a.log.Warn("knowledge search", "bot", req.Bot, "err", err)
	} else {
		byID := map[string]prompts.Article{}
		for _, art := range e.Bot().Knowledge {
			byID[art.ID] = art
		}
		for _, h := range hits {
			out.Articles = append(out.Articles, Article{ID: h.ArticleID, Title: h.Title, Snippet: h.Snippet, Body: byID[h.ArticleID].Body, Score: h.Score})
		}
	}
	out.Flow, out.Steps = a.steps(e, req)
	if a.replier != nil && len(out.Articles) > 0 {
		rctx, cancel := context.WithTimeout(ctx, 4*time.Second)
		reply, err := a.replier.Reply(rctx, ReplyRequest{Language: req.Language, Utterance: req.Utterance, Transcript: req.Transcript, Articles: out.Articles})
		cancel()
		if err != nil {
			a.log.Warn("suggested reply", "err", err)
		} else {
			out.Reply = reply
		}
	}
	return out, nil
}

// recentCaller joins the caller's last n final utterances.
func recentCaller(segs []Segment, n int) string {
	var parts []string
	for i := len(segs) - 1; i >= 0 && len(parts) < n; i-- {
		if segs[i].Speaker == "caller" && segs[i].Final {
			parts = append([]string{segs[i].Text}, parts...)
		}
	}
	return strings.Join(parts, " ")
}

// steps picks the flow the caller's words (else the bot's handoff) point
// to and lists its steps as a checklist.
func (a *Assistant) steps(e *dialog.Engine, req SuggestRequest) (string, []Step) {
	b := e.Bot()
	flowOf := func(intent string) string {
		for _, in := range b.Intents {
			if in.Name == intent {
				return in.Flow
			}
		}
		return ""
	}
	flow := ""
	if clf := e.Classifier(); clf != nil {
		if r := clf.Classify(req.Utterance); !r.OOS && r.Confidence >= 0.5 {
			flow = flowOf(r.Intent)
		}
	}
	for i := len(req.Handoff.Intents) - 1; flow == "" && i >= 0; i-- {
		flow = flowOf(req.Handoff.Intents[i])
	}
	if flow == "" {
		return "", nil
	}
	var f *prompts.Flow
	for i := range b.Flows {
		if b.Flows[i].Name == flow {
			f = &b.Flows[i]
		}
	}
	if f == nil {
		return "", nil
	}
	var out []Step
	for _, s := range f.Steps {
		text := stepText(s, req.Language)
		if text == "" {
			continue
		}
		id := f.Name + "." + s.ID
		done := req.Done[id]
		if s.Slot != "" && req.Handoff.Slots[s.Slot] != "" {
			done = true
			text += " (" + req.Handoff.Slots[s.Slot] + ")"
		}
		out = append(out, Step{ID: id, Text: text, Done: done})
	}
	return f.Name, out
}

// stepText says what an agent does for a flow step.
func stepText(s prompts.Step, lang string) string {
	zh := strings.HasPrefix(lang, "zh")
	say := strings.TrimSpace(s.Say)
	pick := func(en, cn string) string {
		if zh {
			return cn
		}
		return en
	}
	switch s.Kind {
	case prompts.StepAsk:
		if s.Slot != "" {
			return fmt.Sprintf(pick("Ask for %s", "询问%s"), strings.ReplaceAll(s.Slot, "_", " "))
		}
		return say
	case prompts.StepConfirm:
		return pick("Confirm: ", "确认：") + say
	case prompts.StepWebhook:
		name := s.ID
		if s.Webhook != nil && s.Webhook.URL != "" {
			name = s.Webhook.URL
		}
		return fmt.Sprintf(pick("Do it in the system (%s)", "在系统中处理（%s）"), name)
	case prompts.StepAnswer:
		return pick("Explain from the knowledge base", "根据知识库解答")
	case prompts.StepHandoff:
		return ""
	case prompts.StepEnd:
		return pick("Confirm everything is resolved and close", "确认问题已解决并结束通话")
	}
	return ""
}

// Summarize writes the after-call summary without an LLM (see
// ExtractiveSummary).
func (a *Assistant) Summarize(ctx context.Context, req SummaryRequest) (string, error) {
	return ExtractiveSummary(req.Handoff, req.Transcript), nil
}
