package dialog

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/nlu"
	"github.com/switchboard-voice/switchboard/prompts"
)

// maxStepsPerTurn bounds the steps one turn may run, in case a flow loops
// without waiting for the caller (the linter reports such cycles).
const maxStepsPerTurn = 64

// digressMin is the confidence above which an utterance that does not
// answer the pending question is taken as a new request or an FAQ.
const digressMin = 0.5

// switchMin is the confidence above which an utterance that does not
// answer the pending question abandons the flow for another one: leaving a
// half-done task needs more certainty than answering a side question.
const switchMin = 0.8

// textDigressMin is the same for free-text slots, which accept anything.
const textDigressMin = 0.85

func (c *Conversation) flowStep(flow, id string) *prompts.Step {
	f := c.e.flows[flow]
	if f == nil {
		return nil
	}
	for i := range f.Steps {
		if f.Steps[i].ID == id {
			return &f.Steps[i]
		}
	}
	return nil
}

// startFlow enters a flow: slots the flow asks for are cleared, then
// filled from the utterance that started it where it already says them
// ("block my card ending 4561").
func (c *Conversation) startFlow(ctx context.Context, r *Reply, name, text string) {
	f := c.e.flows[name]
	if f == nil {
		c.say(r, c.e.bot.Fallback, true)
		return
	}
	c.prefilled = map[string]bool{}
	seenType := map[string]bool{}
	for i := range f.Steps {
		s := &f.Steps[i]
		if s.Kind != prompts.StepAsk {
			continue
		}
		delete(c.slots, s.Slot)
		if s.Type == "text" || s.Type == "yesno" || seenType[s.Type] {
			continue
		}
		seenType[s.Type] = true
		if v, ok := c.parseSlot(s, text); ok {
			c.slots[s.Slot] = v
			c.prefilled[s.Slot] = true
		}
	}
	start := f.Start
	if start == "" {
		start = f.Steps[0].ID
	}
	c.flow = name
	c.run(ctx, r, start)
}

// run executes steps from id until one waits for the caller or the flow
// ends.
func (c *Conversation) run(ctx context.Context, r *Reply, id string) {
	for n := 0; ; n++ {
		if id == "" {
			c.flowDone(r)
			return
		}
		if n >= maxStepsPerTurn {
			c.handoff(r, "", fmt.Sprintf("flow %s looped without waiting for the caller", c.flow))
			return
		}
		s := c.flowStep(c.flow, id)
		if s == nil {
			c.handoff(r, "", fmt.Sprintf("flow %s has no step %q", c.flow, id))
			return
		}
		c.step = id
		switch s.Kind {
		case prompts.StepSay:
			c.say(r, c.render(s.Say), interruptible(s))
			id = s.Next
		case prompts.StepAsk:
			if c.prefilled[s.Slot] {
				delete(c.prefilled, s.Slot)
				id = s.Next
				continue
			}
			delete(c.slots, s.Slot)
			c.attempts = 0
			c.say(r, c.render(s.Say), interruptible(s))
			return
		case prompts.StepConfirm:
			c.attempts = 0
			c.say(r, c.render(s.Say), interruptible(s))
			return
		case prompts.StepBranch:
			next := s.Next
			for _, cs := range s.Cases {
				cond, err := prompts.ParseCondition(cs.If)
				if err == nil && cond.Eval(c.slots) {
					next = cs.Next
					break
				}
			}
			id = next
		case prompts.StepWebhook:
			if err := c.webhook(ctx, r, s.Webhook); err != nil {
				c.log.Warn("webhook failed", "flow", c.flow, "step", s.ID, "err", err)
				if s.Webhook.OnError != "" {
					id = s.Webhook.OnError
					continue
				}
				c.handoff(r, "", fmt.Sprintf(phrase(c.lang, "reason_hook"), err))
				return
			}
			id = s.Next
		case prompts.StepAnswer:
			q := c.render(s.Query)
			if q == "" {
				q = c.vars["last_utterance"]
			}
			c.answerFromKB(r, "*", q)
			id = s.Next
		case prompts.StepHandoff:
			if s.Say != "" {
				c.say(r, c.render(s.Say), interruptible(s))
			}
			reason := c.render(s.Reason)
			if reason == "" {
				reason = "flow " + c.flow + " step " + s.ID
			}
			c.handoff(r, s.Queue, reason)
			return
		case prompts.StepEnd:
			c.end(r, c.render(s.Say), s.Outcome)
			return
		default:
			c.handoff(r, "", fmt.Sprintf("flow %s step %s has unknown kind %q", c.flow, s.ID, s.Kind))
			return
		}
	}
}

func (c *Conversation) flowDone(r *Reply) {
	c.flow, c.step = "", ""
	c.say(r, phrase(c.lang, "anything_else"), true)
}

func interruptible(s *prompts.Step) bool { return s.Interruptible == nil || *s.Interruptible }

// inFlow handles an utterance while a flow waits at an ask or confirm step.
func (c *Conversation) inFlow(ctx context.Context, r *Reply, text string, res nlu.Result) {
	s := c.flowStep(c.flow, c.step)
	if s == nil {
		c.flow, c.step = "", ""
		c.topLevel(ctx, r, text, res)
		return
	}
	if c.tryAnswer(ctx, r, s, text, res) {
		return
	}
	// Not an answer: a question on the side, or a new request?
	if c.understood(res) && res.Confidence >= digressMin {
		in := c.e.intents[res.Intent]
		switch {
		case in == nil:
		case in.Flow == "" && in.Handoff == "":
			r.Trace.Digression = true
			c.doIntent(ctx, r, text, res.Intent)
			c.say(r, phrase(c.lang, "back_to"), true)
			c.repeatQuestion(r)
			return
		case in.Flow != c.flow && (res.Confidence >= switchMin || in.Handoff != ""):
			c.flow, c.step = "", ""
			c.doIntent(ctx, r, text, res.Intent)
			return
		}
	}
	c.invalid(r, s)
}

// tryAnswer takes text as the answer to the pending step; it reports
// whether it was one.
func (c *Conversation) tryAnswer(ctx context.Context, r *Reply, s *prompts.Step, text string, res nlu.Result) bool {
	switch s.Kind {
	case prompts.StepAsk:
		if s.Type == "text" && c.understood(res) && res.Confidence >= textDigressMin {
			return false
		}
		v, ok := c.parseSlot(s, text)
		if !ok {
			return false
		}
		c.slots[s.Slot] = v
		c.attempts, c.noMatch = 0, 0
		c.run(ctx, r, s.Next)
		return true
	case prompts.StepConfirm:
		yn, ok := c.e.ext.Parse("yesno", text, time.Now())
		if !ok {
			return false
		}
		c.attempts, c.noMatch = 0, 0
		if yn.Value == "yes" {
			c.run(ctx, r, s.Yes)
		} else {
			c.run(ctx, r, s.No)
		}
		return true
	}
	return false
}

// invalid counts a failed attempt at the pending step: reprompt, or take
// on_fail / hand off when attempts run out.
func (c *Conversation) invalid(r *Reply, s *prompts.Step) {
	c.attempts++
	max := s.MaxAttempts
	if max == 0 {
		max = 3
	}
	if c.attempts >= max {
		c.attempts = 0
		if s.OnFail != "" {
			c.run(context.Background(), r, s.OnFail)
			return
		}
		what := s.Slot
		if what == "" {
			what = "confirmation " + s.ID
		}
		c.handoff(r, "", fmt.Sprintf(phrase(c.lang, "reason_slot"), what, max))
		return
	}
	if s.Reprompt != "" {
		c.say(r, c.render(s.Reprompt), interruptible(s))
		return
	}
	c.say(r, phrase(c.lang, "didnt_catch"), true)
	c.repeatQuestion(r)
}

func (c *Conversation) repeatQuestion(r *Reply) {
	if s := c.flowStep(c.flow, c.step); s != nil && s.Say != "" {
		c.say(r, c.render(s.Say), interruptible(s))
	}
}

// parseSlot reads a slot value of the step's type from text and validates
// it.
func (c *Conversation) parseSlot(s *prompts.Step, text string) (string, bool) {
	var val string
	var num float64
	hasNum := false
	if s.Type == "text" {
		val = strings.TrimSpace(text)
		if val == "" {
			return "", false
		}
	} else {
		ent, ok := c.e.ext.Parse(s.Type, text, time.Now())
		if !ok {
			return "", false
		}
		val, num = ent.Value, ent.Num
		hasNum = s.Type == "number" || s.Type == "money"
		if !hasNum {
			if f, err := strconv.ParseFloat(val, 64); err == nil {
				num, hasNum = f, true
			}
		}
	}
	v := s.Validate
	if v == nil {
		return val, true
	}
	if v.Length > 0 && len([]rune(val)) != v.Length {
		return "", false
	}
	if v.Pattern != "" {
		re, err := regexp.Compile("^(?:" + v.Pattern + ")$")
		if err != nil || !re.MatchString(val) {
			return "", false
		}
	}
	if v.Min != nil && (!hasNum || num < *v.Min) {
		return "", false
	}
	if v.Max != nil && (!hasNum || num > *v.Max) {
		return "", false
	}
	if len(v.Values) > 0 {
		found := false
		for _, a := range v.Values {
			if strings.EqualFold(a, val) {
				found = true
			}
		}
		if !found {
			return "", false
		}
	}
	return val, true
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
