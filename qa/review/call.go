package review

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/switchboard-voice/switchboard/prompts"
	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/store"
)

// CallFor builds the qa.Call of a stored session, as QA scores it:
//
//   - turns in the order they were stored, with their store Seq; Start and
//     End from the voice timings "offset" and "duration" (microseconds in
//     the call's recording). A turn without an offset (text sessions, the
//     greeting) is placed by its time from the session's start; a turn
//     without a duration (bot turns: the store keeps when the reply
//     started, not how long it played) ends after the time it takes to
//     say its text (EstimateSpeech), cut at the next turn's start;
//   - a bot turn is Failed when one of its replies is the bot's fallback,
//     a step's reprompt, or the dialogue's "Sorry, I didn't catch that"
//     (matched against the bot version that served the session); the
//     caller turn it answered then has no intent;
//   - Prompt names the first flow step (by step ID) whose message the bot
//     turn played, else "<step>.reprompt", "greeting", "fallback",
//     "goodbye", "handoff" or "didnt_catch";
//   - Intents are the caller turns' intents (not "oos", not failed),
//     without repeats; Slots the slots the bot turns report, the latest
//     value of each;
//   - Sentiment of each turn as stored (unscored turns have none).
//
// Holds are the turns stored with the action "hold" (by the agent
// service: their offset and duration); they are not utterances. What
// the store does not keep is missing: word timings (qa.Turn.Words) and
// how long each bot reply played. The text is not redacted: Score redacts it.
func (s *Service) CallFor(ctx context.Context, sessionID string) (qa.Call, error) {
	sess, err := s.st.Session(ctx, sessionID)
	if err != nil {
		return qa.Call{}, err
	}
	turns, err := s.st.Turns(ctx, sessionID)
	if err != nil {
		return qa.Call{}, err
	}
	bp, err := s.botDefinition(ctx, sess.Bot, sess.BotVersion)
	if err != nil {
		return qa.Call{}, err
	}
	return buildCall(sess, turns, bp), nil
}

// buildCall is CallFor on loaded records.
func buildCall(sess store.Session, turns []store.Turn, bp *botPrompts) qa.Call {
	c := qa.Call{
		SessionID: sess.ID, CallID: sess.CallID, Bot: sess.Bot, Agent: sess.AgentID,
		Queue: sess.Queue, Channel: sess.Channel, Language: sess.Language, StartedAt: sess.StartedAt,
		Outcome: string(sess.Outcome), HandoffReason: sess.HandoffReason,
		Turns: make([]qa.Turn, 0, len(turns)),
	}
	if c.Queue == "" {
		c.Queue = sess.HandoffQueue
	}
	var spoken []store.Turn
	for _, t := range turns {
		if t.Action == "hold" && t.Text == "" {
			off, dur := t.Timings["offset"], t.Timings["duration"]
			c.Holds = append(c.Holds, qa.Span{Start: time.Duration(off) * time.Microsecond, End: time.Duration(off+dur) * time.Microsecond})
			continue
		}
		spoken = append(spoken, t)
	}
	turns = spoken
	known := make([]bool, len(turns)) // the turn's End is known
	for i, t := range turns {
		qt := qa.Turn{Seq: t.Seq, Speaker: qa.Speaker(t.Speaker), Text: t.Text, Intent: t.Intent}
		if off, ok := t.Timings["offset"]; ok {
			qt.Start = time.Duration(off) * time.Microsecond
		} else if !t.At.IsZero() && !sess.StartedAt.IsZero() {
			qt.Start = max(0, t.At.Sub(sess.StartedAt))
		}
		qt.End = qt.Start
		if d, ok := t.Timings["duration"]; ok && d > 0 {
			qt.End = qt.Start + time.Duration(d)*time.Microsecond
			known[i] = true
		}
		if t.SentimentLabel != "" {
			qt.Sentiment = qa.Sentiment{Score: t.Sentiment, Label: qa.Label(t.SentimentLabel)}
		}
		if qt.Speaker == qa.Bot {
			texts, slots := botActions(t)
			for k, v := range slots {
				if c.Slots == nil {
					c.Slots = map[string]string{}
				}
				c.Slots[k] = v
			}
			qt.Prompt, qt.Failed = bp.match(texts, sess.Language)
			qt.Intent = ""
		}
		c.Turns = append(c.Turns, qt)
	}
	// Ends not stored: the time the text takes to say, cut where the next
	// turn starts.
	for i := range c.Turns {
		if known[i] {
			continue
		}
		t := &c.Turns[i]
		t.End = t.Start + EstimateSpeech(t.Text)
		for j := i + 1; j < len(c.Turns); j++ {
			if next := c.Turns[j].Start; next > t.Start {
				t.End = min(t.End, next)
				break
			}
		}
	}
	// A caller turn the bot failed on has no intent.
	seen := map[string]bool{}
	for i := range c.Turns {
		t := &c.Turns[i]
		if t.Speaker != qa.Caller {
			continue
		}
		if next := nextBot(c.Turns, i); next != nil && next.Failed || t.Intent == "oos" {
			t.Intent = ""
		}
		if t.Intent != "" && !seen[t.Intent] {
			seen[t.Intent] = true
			c.Intents = append(c.Intents, t.Intent)
		}
	}
	c.Duration = callDuration(sess, c.Turns)
	return c
}

// nextBot returns the bot turn answering turn i (the next bot turn before
// the next caller turn), or nil.
func nextBot(turns []qa.Turn, i int) *qa.Turn {
	for j := i + 1; j < len(turns); j++ {
		switch turns[j].Speaker {
		case qa.Bot:
			return &turns[j]
		case qa.Caller:
			return nil
		}
	}
	return nil
}

// callDuration is from the start of the session to the end of the call
// (CallEndedAt), else of the session (EndedAt), and at least to the end of
// the last turn.
func callDuration(sess store.Session, turns []qa.Turn) time.Duration {
	var d time.Duration
	switch {
	case !sess.CallEndedAt.IsZero():
		d = sess.CallEndedAt.Sub(sess.StartedAt)
	case !sess.EndedAt.IsZero():
		d = sess.EndedAt.Sub(sess.StartedAt)
	}
	for _, t := range turns {
		d = max(d, t.End)
	}
	return max(d, 0)
}

// EstimateSpeech is how long text takes to say at a call-centre pace: 0.4 s
// a word of Latin script (a digit counts as a word), 0.25 s a Han
// character, at least half a second for any text.
func EstimateSpeech(text string) time.Duration {
	if strings.TrimSpace(text) == "" {
		return 0
	}
	var d time.Duration
	inWord := false
	for _, r := range text {
		switch {
		case unicode.Is(unicode.Han, r):
			d += 250 * time.Millisecond
			inWord = false
		case unicode.IsDigit(r):
			d += 400 * time.Millisecond
			inWord = false
		case unicode.IsLetter(r):
			if !inWord {
				d += 400 * time.Millisecond
			}
			inWord = true
		default:
			inWord = false
		}
	}
	return max(d, 500*time.Millisecond)
}

// botActions returns the texts of a stored bot turn's say actions (its
// whole text when the turn does not list them) and the slots it reports.
func botActions(t store.Turn) ([]string, map[string]string) {
	var ents struct {
		Slots   map[string]string `json:"slots"`
		Actions []struct {
			Kind string `json:"kind"`
			Text string `json:"text"`
		} `json:"actions"`
	}
	if len(t.Entities) > 0 {
		_ = json.Unmarshal(t.Entities, &ents) // other shapes: no slots, text as a whole
	}
	var texts []string
	for _, a := range ents.Actions {
		if strings.TrimSpace(a.Text) != "" {
			texts = append(texts, a.Text)
		}
	}
	if len(texts) == 0 && t.Text != "" {
		texts = []string{t.Text}
	}
	return texts, ents.Slots
}

// dialogPhrases are what the dialogue manager (nlu/dialog) says of its
// own; "didnt_catch" marks a turn it did not understand.
var dialogPhrases = []struct {
	name   string
	failed bool
	text   []string
}{
	{"didnt_catch", true, []string{"Sorry, I didn't catch that.", "抱歉，我没有听清楚。"}},
	{"handoff", false, []string{"Let me put you through to a colleague who can help.", "正在为您转接人工客服，请稍候。"}},
	{"goodbye", false, []string{"Thank you for calling. Goodbye!", "感谢您的来电，再见！"}},
}

// botPrompts recognises the prompts of one bot version in what its turns
// said.
type botPrompts struct {
	prompts []promptPattern
}

type promptPattern struct {
	name   string
	failed bool
	// step is a flow step's message (preferred as the turn's Prompt).
	step bool
	re   *regexp.Regexp
}

var templateVar = regexp.MustCompile(`\{\{\s*[A-Za-z_][A-Za-z0-9_.]*\s*\}\}`)

// templatePattern turns a prompt template into a regexp matching what it
// renders to, whatever the variables' values.
func templatePattern(tpl string) *regexp.Regexp {
	tpl = strings.Join(strings.Fields(tpl), " ")
	if tpl == "" {
		return nil
	}
	var b strings.Builder
	b.WriteString(`^`)
	last := 0
	for _, loc := range templateVar.FindAllStringIndex(tpl, -1) {
		b.WriteString(regexp.QuoteMeta(tpl[last:loc[0]]))
		b.WriteString(`.*?`)
		last = loc[1]
	}
	b.WriteString(regexp.QuoteMeta(tpl[last:]))
	b.WriteString(`$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil
	}
	return re
}

func newBotPrompts(b *prompts.Bot) *botPrompts {
	bp := &botPrompts{}
	add := func(name, tpl string, failed, step bool) {
		if re := templatePattern(tpl); re != nil {
			bp.prompts = append(bp.prompts, promptPattern{name: name, failed: failed, step: step, re: re})
		}
	}
	for _, f := range b.Flows {
		for _, st := range f.Steps {
			add(st.ID, st.Say, false, true)
			add(st.ID+".reprompt", st.Reprompt, true, false)
		}
	}
	add("greeting", b.Greeting, false, false)
	add("fallback", b.Fallback, true, false)
	add("goodbye", b.Goodbye, false, false)
	add("handoff", b.Handoff.Message, false, false)
	return bp
}

// match names the prompt a bot turn played and reports whether the turn
// did not understand the caller. bp may be nil (the bot is unknown): only
// the dialogue's own phrases are recognised then.
func (bp *botPrompts) match(texts []string, lang string) (prompt string, failed bool) {
	var other string
	for _, text := range texts {
		text = strings.Join(strings.Fields(text), " ")
		for _, dp := range dialogPhrases {
			for _, p := range dp.text {
				if text == p {
					failed = failed || dp.failed
					if other == "" {
						other = dp.name
					}
				}
			}
		}
		if bp == nil {
			continue
		}
		for _, p := range bp.prompts {
			if !p.re.MatchString(text) {
				continue
			}
			failed = failed || p.failed
			if p.step && prompt == "" {
				prompt = p.name
			} else if !p.step && other == "" {
				other = p.name
			}
			break
		}
	}
	if prompt == "" {
		prompt = other
	}
	return prompt, failed
}

// sortedKeys returns m's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range maps.Keys(m) {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// runeLimit checks a free text's length.
func runeLimit(what, text string, limit int) error {
	if n := utf8.RuneCountInString(text); n > limit {
		return fmt.Errorf("%w: %s is %d characters; the limit is %d", ErrInvalid, what, n, limit)
	}
	return nil
}
