package dialog

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/nlu"
	"github.com/switchboard-voice/switchboard/prompts"
)

// llmTurn lets the LLM decide the turn. The model may only emit commands
// that the flow engine executes; every command is checked before any is
// carried out, so an invalid plan changes nothing and the caller falls back
// to the embedded NLU.
func (c *Conversation) llmTurn(ctx context.Context, r *Reply, text string) error {
	t0 := time.Now()
	defer func() { r.Trace.Timings["llm"] = time.Since(t0).Microseconds() }()
	req := nlu.PlanRequest{
		SystemPrompt: c.e.bot.SystemPrompt,
		Persona:      c.e.bot.Persona,
		Language:     c.lang,
		History:      append([]nlu.Message(nil), c.history...),
		Utterance:    text,
		Queues:       c.e.queues(),
		CurrentFlow:  c.flow,
		Slots:        copyMap(c.slots),
	}
	for _, f := range c.e.bot.Flows {
		req.Flows = append(req.Flows, nlu.FlowInfo{Name: f.Name, Description: f.Description, Slots: flowSlots(&f)})
	}
	var pending *prompts.Step
	if c.step != "" {
		pending = c.flowStep(c.flow, c.step)
		if pending != nil && pending.Kind == prompts.StepAsk {
			req.PendingSlot = pending.Slot
		}
	}
	for _, h := range c.e.kb.Search(text, 3) {
		req.Articles = append(req.Articles, nlu.ArticleRef{ID: h.Article.ID, Title: h.Article.Title, Body: h.Article.Body})
	}
	ctx, cancel := context.WithTimeout(ctx, c.e.llmTO)
	defer cancel()
	plan, err := c.e.llm.Plan(ctx, req)
	if err != nil {
		return err
	}
	if err := c.checkPlan(plan, req); err != nil {
		return err
	}
	r.Trace.Source = "llm"
	if len(plan.Commands) == 0 {
		c.say(r, plan.Text, true)
		if pending != nil {
			c.repeatQuestion(r)
		}
		return nil
	}
	c.noMatch = 0
	if plan.Text != "" && !hasSpoken(plan.Commands) {
		c.say(r, plan.Text, true)
	}
	for _, cmd := range plan.Commands {
		if c.done {
			break
		}
		switch cmd.Name {
		case nlu.CmdStartFlow:
			r.Trace.Intent = "flow:" + cmd.Flow
			c.intents = append(c.intents, cmd.Flow)
			c.startFlow(ctx, r, cmd.Flow, text)
		case nlu.CmdSetSlot:
			s := c.flowStep(c.flow, c.step)
			if s != nil && s.Kind == prompts.StepAsk && s.Slot == cmd.Slot {
				if !c.tryAnswer(ctx, r, s, cmd.Value, nlu.Result{}) {
					c.invalid(r, s)
				}
				continue
			}
			if s != nil && s.Kind == prompts.StepConfirm {
				if !c.tryAnswer(ctx, r, s, cmd.Value, nlu.Result{}) {
					c.invalid(r, s)
				}
				continue
			}
			c.slots[cmd.Slot] = cmd.Value
		case nlu.CmdAnswer:
			t := cmd.Text
			if t == "" {
				if a, ok := c.e.kb.ByID(cmd.ArticleID); ok {
					t = FirstParagraph(a.Body)
				}
			}
			c.say(r, t, true)
			if c.step != "" {
				r.Trace.Digression = true
				c.repeatQuestion(r)
			}
		case nlu.CmdHandoff:
			reason := cmd.Reason
			if reason == "" {
				reason = "LLM decided to hand off"
			}
			c.handoff(r, cmd.Queue, reason)
		case nlu.CmdClarify:
			c.say(r, cmd.Text, true)
		}
	}
	return nil
}

// checkPlan rejects commands that name things the bot does not have. The
// adapter checks them too; the engine does not trust any adapter.
func (c *Conversation) checkPlan(plan nlu.Plan, req nlu.PlanRequest) error {
	if len(plan.Commands) == 0 && plan.Text == "" {
		return fmt.Errorf("%w: empty plan", nlu.ErrInvalidToolCall)
	}
	for _, cmd := range plan.Commands {
		switch cmd.Name {
		case nlu.CmdStartFlow:
			if c.e.flows[cmd.Flow] == nil {
				return fmt.Errorf("%w: start_flow: unknown flow %q", nlu.ErrInvalidToolCall, cmd.Flow)
			}
		case nlu.CmdSetSlot:
			if cmd.Slot == "" {
				return fmt.Errorf("%w: set_slot without a slot", nlu.ErrInvalidToolCall)
			}
		case nlu.CmdAnswer:
			if _, ok := c.e.kb.ByID(cmd.ArticleID); !ok && cmd.ArticleID != "" {
				return fmt.Errorf("%w: answer: unknown article %q", nlu.ErrInvalidToolCall, cmd.ArticleID)
			}
			if cmd.Text == "" && cmd.ArticleID == "" {
				return fmt.Errorf("%w: answer without text or article", nlu.ErrInvalidToolCall)
			}
		case nlu.CmdHandoff:
			if cmd.Queue != "" && !contains(req.Queues, cmd.Queue) {
				return fmt.Errorf("%w: handoff: unknown queue %q", nlu.ErrInvalidToolCall, cmd.Queue)
			}
		case nlu.CmdClarify:
			if cmd.Text == "" {
				return fmt.Errorf("%w: clarify without text", nlu.ErrInvalidToolCall)
			}
		default:
			return fmt.Errorf("%w: unknown command %q", nlu.ErrInvalidToolCall, cmd.Name)
		}
	}
	return nil
}

// hasSpoken reports whether a command carries the words to say.
func hasSpoken(cmds []nlu.Command) bool {
	for _, c := range cmds {
		if (c.Name == nlu.CmdAnswer || c.Name == nlu.CmdClarify) && c.Text != "" {
			return true
		}
	}
	return false
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// queues lists the queues the bot hands off to, the default first.
func (e *Engine) queues() []string {
	out := []string{e.bot.Handoff.Queue}
	add := func(q string) {
		if q != "" && !contains(out, q) {
			out = append(out, q)
		}
	}
	for _, in := range e.bot.Intents {
		add(in.Handoff)
	}
	for _, f := range e.bot.Flows {
		for _, s := range f.Steps {
			add(s.Queue)
		}
	}
	return out
}

func flowSlots(f *prompts.Flow) []string {
	var out []string
	for _, s := range f.Steps {
		if s.Kind == prompts.StepAsk && s.Slot != "" {
			out = append(out, s.Slot)
		}
	}
	return out
}
