package scorecard

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"

	"github.com/switchboard-voice/switchboard/qa"
)

// Evaluator answers cards for calls: rules always, and an LLM for the
// questions that ask for one when an Answerer is given. It is safe for
// concurrent use.
type Evaluator struct {
	answerer Answerer
	log      *slog.Logger
}

// EvaluatorOption configures an Evaluator.
type EvaluatorOption func(*Evaluator)

// WithAnswerer lets questions with an llm section ask a. Without it they
// are answered by their rules.
func WithAnswerer(a Answerer) EvaluatorOption { return func(e *Evaluator) { e.answerer = a } }

// WithLogger logs rejected LLM answers (default: discard).
func WithLogger(l *slog.Logger) EvaluatorOption { return func(e *Evaluator) { e.log = l } }

// NewEvaluator returns an Evaluator.
func NewEvaluator(opts ...EvaluatorOption) *Evaluator {
	e := &Evaluator{log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(e)
	}
	return e
}

var rulesOnly = NewEvaluator()

// Evaluate scores call with card using rules only (see Evaluator.Evaluate).
func Evaluate(ctx context.Context, card *Card, call *qa.Call) (Result, error) {
	return rulesOnly.Evaluate(ctx, card, call)
}

// Evaluate answers every question of card for call and scores the call.
// Questions whose When does not hold are N/A. For each other question the
// LLM answers first when asked for and configured; an answer whose choice
// is not on offer or whose quote is not in the transcript is rejected, and
// the rules answer instead; without rules the question is left for review.
// With rules only the result depends on nothing but card and call.
//
// It returns ErrNotApplicable (wrapped) when the card's AppliesTo does not
// select the call, Problems for a card that does not validate, and ctx's
// error when ctx ends; LLM failures are recorded in the answers, not
// returned.
func (ev *Evaluator) Evaluate(ctx context.Context, card *Card, call *qa.Call) (Result, error) {
	if card == nil || call == nil {
		return Result{}, errors.New("scorecard: Evaluate needs a card and a call")
	}
	prog, err := card.program()
	if err != nil {
		return Result{}, err
	}
	e := newEvalState(call, ev.answerer)
	if prog.applies != nil {
		if ok, note, _ := e.condition(prog.applies); !ok {
			return Result{}, fmt.Errorf("%w: card %s: %s", ErrNotApplicable, card.Name, note)
		}
	}
	res := Result{Card: card.Name, CardVersion: card.Version, CardHash: prog.hash, SessionID: call.SessionID}
	res.Answers = make([]Answer, len(prog.questions))
	for i := range prog.questions {
		if err := ctx.Err(); err != nil {
			return Result{}, fmt.Errorf("scorecard: %w", context.Cause(ctx))
		}
		cq := &prog.questions[i]
		q := cq.q
		a := &res.Answers[i]
		*a = Answer{Question: q.ID, Section: card.Sections[cq.section].ID, Type: q.Type, Critical: q.Critical, Weight: q.Weight}
		if cq.when != nil {
			if ok, note, cev := e.condition(cq.when); !ok {
				a.Auto, a.Source = Value{Status: NotApplicable}, SourceNone
				a.Note = "not applicable: " + note
				a.Evidence = cev
				continue
			}
		}
		if err := e.answer(ctx, card, cq, a); err != nil {
			return Result{}, err
		}
		if a.LLM != nil && !a.LLM.Accepted {
			ev.log.Warn("scorecard: LLM answer rejected", "card", card.Name, "question", q.ID,
				"session_id", call.SessionID, "error", a.LLM.Error, "fallback", a.Source)
		}
	}
	score(card, prog, &res)
	return res, nil
}

// program returns the compiled card, compiling it when it was built in Go
// without Validate.
func (c *Card) program() (*program, error) {
	if c.prog != nil {
		return c.prog, nil
	}
	prog, probs := compile(c, func(path string) Pos { return Pos{Path: path} })
	if len(probs) > 0 {
		return nil, probs
	}
	return prog, nil
}

// Applies reports whether the card's AppliesTo selects call (a card
// without one applies to every call). A card that does not validate
// applies to nothing.
func (c *Card) Applies(call *qa.Call) bool {
	prog, err := c.program()
	if err != nil {
		return false
	}
	if prog.applies == nil {
		return true
	}
	ok, _, _ := newEvalState(call, nil).condition(prog.applies)
	return ok
}

// Select returns the cards that apply to call, in order: the cards to
// evaluate when a call ends.
func Select(cards []*Card, call *qa.Call) []*Card {
	var out []*Card
	for _, c := range cards {
		if c.Applies(call) {
			out = append(out, c)
		}
	}
	return out
}

// evalState is one evaluation: the indexed transcript and what has been
// computed from it.
type evalState struct {
	tr       *transcript
	answerer Answerer
	metrics  map[string]metricValue
	found    map[*matcher][]match
	gapList  []gapInfo
	gapsDone bool
}

func newEvalState(call *qa.Call, a Answerer) *evalState {
	return &evalState{tr: newTranscript(call), answerer: a, metrics: map[string]metricValue{}, found: map[*matcher][]match{}}
}

// answer fills a's automatic answer.
func (e *evalState) answer(ctx context.Context, card *Card, cq *cquestion, a *Answer) error {
	q := cq.q
	var rejected string
	if q.LLM != nil && e.answerer != nil {
		v, ev, att, ok, err := e.askLLM(ctx, card, cq)
		if err != nil {
			return err
		}
		a.LLM = att
		if ok {
			a.Auto, a.Source, a.Evidence = v, SourceLLM, ev
			a.Note = "LLM: " + noteOf(ev)
			return nil
		}
		rejected = "LLM answer rejected (" + att.Error + ")"
	}
	a.Source = SourceRule
	switch {
	case q.Type == YesNo && cq.rule != nil:
		holds, ev := e.rule(cq.rule)
		a.Auto = Value{Status: Answered, Choice: No}
		if holds {
			a.Auto.Choice = Yes
		}
		a.Evidence = ev
	case q.Type == Choice && len(cq.choose) > 0:
		a.Auto = Value{Status: Unanswered}
		for _, ch := range cq.choose {
			holds, ev := e.rule(ch.rule)
			if holds {
				a.Auto = Value{Status: Answered, Choice: ch.option}
				a.Evidence = ev
				break
			}
			a.Evidence = appendCapped(a.Evidence, ev)
		}
		if a.Auto.Status == Unanswered && q.Otherwise != "" {
			a.Auto = Value{Status: Answered, Choice: q.Otherwise}
		}
	case q.Type == Number && cq.metric != nil:
		v := e.metric(cq.metric)
		a.Evidence = v.evidence(cq.metric.Name)
		if v.ok {
			x := v.value
			a.Auto = Value{Status: Answered, Number: &x}
		} else {
			a.Auto = Value{Status: NotApplicable}
		}
	default:
		a.Auto, a.Source = Value{Status: Unanswered}, SourceNone
		a.Note = joinNotes(rejected, "no rule answers this question: left for review")
		return nil
	}
	if a.Auto.Status == Unanswered {
		a.Source = SourceNone
		a.Note = joinNotes(rejected, "no choose rule held and no otherwise: left for review")
		return nil
	}
	a.Note = joinNotes(rejected, noteOf(a.Evidence))
	return nil
}

func joinNotes(notes ...string) string {
	var out []string
	for _, n := range notes {
		if n != "" {
			out = append(out, n)
		}
	}
	return strings.Join(out, "; ")
}

// noteOf sums evidence up: its first notes.
func noteOf(ev []Evidence) string {
	const most = 3
	var notes []string
	for _, x := range ev {
		if x.Note == "" || slices.Contains(notes, x.Note) {
			continue
		}
		if len(notes) == most {
			notes = append(notes, "…")
			break
		}
		notes = append(notes, x.Note)
	}
	return strings.Join(notes, "; ")
}

// maxAnswerEvidence bounds an answer's evidence.
const maxAnswerEvidence = 20

func appendCapped(dst, src []Evidence) []Evidence {
	for _, x := range src {
		if len(dst) >= maxAnswerEvidence {
			break
		}
		dst = append(dst, x)
	}
	return dst
}

// rule evaluates r and returns whether it holds and why.
func (e *evalState) rule(r *crule) (bool, []Evidence) {
	call := e.tr.call
	switch r.kind {
	case kindSaid, kindNotSaid:
		return e.phrase(r.phrase, r.kind == kindSaid)
	case kindPlayed:
		return e.played(r.played)
	case kindSlot:
		holds := true
		var ev []Evidence
		for _, s := range r.names {
			if strings.TrimSpace(call.Slots[s]) != "" {
				ev = append(ev, Evidence{Kind: EvidenceSlot, Pattern: s, Note: fmt.Sprintf("slot %s collected", s)})
			} else {
				holds = false
				ev = append(ev, Evidence{Kind: EvidenceSlot, Pattern: s, Note: fmt.Sprintf("slot %s not collected", s)})
			}
		}
		return holds, ev
	case kindIntent:
		return e.intent(r.names)
	case kindOutcome:
		ev := []Evidence{{Kind: EvidenceOutcome, Text: call.Outcome, Note: outcomeNote(call.Outcome)}}
		return slices.Contains(r.names, call.Outcome), ev
	case kindMetric:
		return e.metricRule(r.metric)
	case kindAny:
		var all []Evidence
		for _, s := range r.subs {
			holds, ev := e.rule(s)
			if holds {
				return true, ev
			}
			all = appendCapped(all, ev)
		}
		return false, all
	case kindAll:
		var all []Evidence
		for _, s := range r.subs {
			holds, ev := e.rule(s)
			if !holds {
				return false, ev
			}
			all = appendCapped(all, ev)
		}
		return true, all
	case kindNot:
		holds, ev := e.rule(r.subs[0])
		return !holds, ev
	}
	return false, nil
}

func outcomeNote(o string) string {
	if o == "" {
		return "the call has no outcome"
	}
	return "the call ended " + strings.ReplaceAll(o, "_", " ")
}

func (e *evalState) metricRule(m *Metric) (bool, []Evidence) {
	v := e.metric(m)
	ev := v.evidence(m.Name)
	if !v.ok {
		ev[0].Note += " (undefined, so the rule does not hold)"
		return false, ev
	}
	holds := (m.Min == nil || v.value >= *m.Min) && (m.Max == nil || v.value <= *m.Max)
	var bounds []string
	if m.Min != nil {
		bounds = append(bounds, "≥ "+fmtNum(*m.Min))
	}
	if m.Max != nil {
		bounds = append(bounds, "≤ "+fmtNum(*m.Max))
	}
	verdict := "holds"
	if !holds {
		verdict = "fails"
	}
	ev[0].Note = fmt.Sprintf("%s (%s = %s, %s: %s)", ev[0].Note, m.Name, fmtNum(v.value), strings.Join(bounds, " and "), verdict)
	return holds, ev
}

// matches returns m's matches in the call (cached).
func (e *evalState) matches(m *matcher) []match {
	if ms, ok := e.found[m]; ok {
		return ms
	}
	ms := m.find(e.tr)
	e.found[m] = ms
	return ms
}

func (e *evalState) phrase(p *cphraseRule, said bool) (bool, []Evidence) {
	tr := e.tr
	var near, notNear []match
	if p.near != nil {
		near = e.matches(p.near.m)
	}
	if p.notNear != nil {
		notNear = e.matches(p.notNear.m)
	}
	var (
		kept     []match
		partners []match
	)
	for _, m := range e.matches(p.m) {
		if !p.win.contains(tr, m.at) {
			continue
		}
		var partner match
		if p.near != nil {
			o, ok := p.near.near(tr, m, near)
			if !ok {
				continue
			}
			partner = o
		}
		if p.notNear != nil {
			if _, ok := p.notNear.near(tr, m, notNear); ok {
				continue
			}
		}
		kept = append(kept, m)
		partners = append(partners, partner)
	}
	holds := len(kept) >= p.minCount
	if !said {
		holds = len(kept) == 0
	}
	if len(kept) == 0 {
		return holds, []Evidence{{Kind: EvidenceAbsent, Note: fmt.Sprintf("%s never said %s%s", p.who, p.what, p.where())}}
	}
	var ev []Evidence
	for i, m := range kept {
		if i == maxEvidence {
			break
		}
		t := tr.turns[m.turn].t
		at := m.at
		words := tr.said(m.turn, m.a, m.b)
		note := fmt.Sprintf("%s said %q at %s (turn %d)", t.Speaker, words, clock(at.Start), t.Seq)
		if p.near != nil {
			o := partners[i]
			note += fmt.Sprintf(", near %q (turn %d)", tr.said(o.turn, o.a, o.b), tr.turns[o.turn].t.Seq)
		}
		ev = append(ev, Evidence{Kind: EvidencePhrase, Seq: t.Seq, Speaker: t.Speaker, Pattern: m.pattern, Text: words, Span: &at, Note: note})
	}
	if said && !holds {
		ev[0].Note += fmt.Sprintf(" (%d times, %d needed)", len(kept), p.minCount)
	}
	return holds, ev
}

// where describes a phrase rule's window and proximity for notes.
func (p *cphraseRule) where() string {
	var s string
	switch {
	case p.win.first > 0:
		s = " in the first " + length(p.win.first)
	case p.win.last > 0:
		s = " in the last " + length(p.win.last)
	}
	for _, x := range []struct {
		p    *proximity
		word string
	}{{p.near, "near"}, {p.notNear, "away from"}} {
		if x.p == nil {
			continue
		}
		if x.p.words > 0 {
			s += fmt.Sprintf(" (%s other phrases, %d words)", x.word, x.p.words)
		} else {
			s += fmt.Sprintf(" (%s other phrases, %s)", x.word, length(x.p.within))
		}
	}
	return s
}

func (e *evalState) played(r *PlayedRule) (bool, []Evidence) {
	tr := e.tr
	win := window{first: r.WithinFirst.D(), last: r.WithinLast.D()}
	for _, i := range tr.order {
		t := tr.turns[i].t
		if t.Prompt == "" || !slices.Contains(r.Prompts, t.Prompt) {
			continue
		}
		at := qa.Span{Start: t.Start, End: turnEnd(t)}
		if !win.contains(tr, at) {
			continue
		}
		return true, []Evidence{{Kind: EvidencePrompt, Seq: t.Seq, Speaker: t.Speaker, Pattern: t.Prompt, Text: cut(t.Text, 200), Span: &at,
			Note: fmt.Sprintf("%s played prompt %s at %s (turn %d)", t.Speaker, t.Prompt, clock(t.Start), t.Seq)}}
	}
	where := ""
	switch {
	case win.first > 0:
		where = " in the first " + length(win.first)
	case win.last > 0:
		where = " in the last " + length(win.last)
	}
	return false, []Evidence{{Kind: EvidenceAbsent, Pattern: strings.Join(r.Prompts, ", "),
		Note: fmt.Sprintf("prompt %s never played%s", strings.Join(r.Prompts, " or "), where)}}
}

func (e *evalState) intent(names []string) (bool, []Evidence) {
	for _, i := range e.tr.order {
		t := e.tr.turns[i].t
		if t.Intent != "" && slices.Contains(names, t.Intent) {
			at := qa.Span{Start: t.Start, End: turnEnd(t)}
			return true, []Evidence{{Kind: EvidenceIntent, Seq: t.Seq, Speaker: t.Speaker, Pattern: t.Intent, Text: cut(t.Text, 200), Span: &at,
				Note: fmt.Sprintf("intent %s matched at %s (turn %d)", t.Intent, clock(t.Start), t.Seq)}}
		}
	}
	for _, in := range e.tr.call.Intents {
		if slices.Contains(names, in) {
			return true, []Evidence{{Kind: EvidenceIntent, Pattern: in, Note: fmt.Sprintf("intent %s matched", in)}}
		}
	}
	return false, []Evidence{{Kind: EvidenceIntent, Pattern: strings.Join(names, ", "),
		Note: fmt.Sprintf("intent %s not matched", strings.Join(names, " or "))}}
}

// hasAgent reports whether an agent took part.
func (e *evalState) hasAgent() bool {
	if e.tr.call.Agent != "" {
		return true
	}
	for i := range e.tr.call.Turns {
		if e.tr.call.Turns[i].Speaker == qa.Agent {
			return true
		}
	}
	return false
}

// condition evaluates c; when it does not hold, note says which part
// failed.
func (e *evalState) condition(c *ccond) (bool, string, []Evidence) {
	call := e.tr.call
	fail := func(note string) (bool, string, []Evidence) {
		return false, note, []Evidence{{Kind: EvidenceCondition, Note: note}}
	}
	for _, f := range []struct {
		what, value string
		list        []string
		eq          func(a, b string) bool
	}{
		{"bot", call.Bot, c.c.Bots, nil},
		{"queue", call.Queue, c.c.Queues, nil},
		{"channel", call.Channel, c.c.Channels, nil},
		{"language", call.Language, c.c.Languages, sameLanguage},
		{"outcome", call.Outcome, c.c.Outcomes, nil},
	} {
		if f.list == nil {
			continue
		}
		eq := f.eq
		if eq == nil {
			eq = func(a, b string) bool { return a == b }
		}
		if !slices.ContainsFunc(f.list, func(x string) bool { return eq(x, f.value) }) {
			return fail(fmt.Sprintf("%s is %q, not %s", f.what, f.value, strings.Join(f.list, " or ")))
		}
	}
	if c.c.Intents != nil {
		got := e.intents()
		if !slices.ContainsFunc(got, func(x string) bool { return slices.Contains(c.c.Intents, x) }) {
			return fail(fmt.Sprintf("no intent %s matched", strings.Join(c.c.Intents, " or ")))
		}
	}
	for _, s := range c.c.Slots {
		if strings.TrimSpace(call.Slots[s]) == "" {
			return fail(fmt.Sprintf("slot %s not collected", s))
		}
	}
	if c.c.HasAgent != nil && *c.c.HasAgent != e.hasAgent() {
		if *c.c.HasAgent {
			return fail("no agent took part")
		}
		return fail("an agent took part")
	}
	if c.rule != nil {
		holds, ev := e.rule(c.rule)
		if !holds {
			note := "condition does not hold: " + noteOf(ev)
			return false, note, append([]Evidence{{Kind: EvidenceCondition, Note: note}}, ev...)
		}
	}
	return true, "", nil
}

// sameLanguage compares language tags by their primary subtag ("zh-CN"
// is "zh").
func sameLanguage(a, b string) bool {
	p := func(s string) string {
		s = strings.ToLower(s)
		if i := strings.IndexAny(s, "-_"); i >= 0 {
			s = s[:i]
		}
		return s
	}
	return p(a) == p(b)
}

// fraction is the share of its weight an answer earns, and whether it
// counts in the score.
func (cq *cquestion) fraction(v Value) (float64, bool) {
	if v.Status != Answered || !cq.q.Type.Scored() {
		return 0, false
	}
	switch cq.q.Type {
	case YesNo:
		switch v.Choice {
		case Yes:
			return 1, true
		case No:
			return 0, true
		}
	case Choice:
		for _, o := range cq.q.Options {
			if o.ID == v.Choice {
				return o.Points / cq.maxPts, true
			}
		}
	case Number:
		if v.Number == nil {
			return 0, false
		}
		for _, b := range cq.q.Bands {
			if b.Contains(*v.Number) {
				return b.Points / cq.maxPts, true
			}
		}
		return 0, true
	}
	return 0, false
}

// score fills the points, section scores and total of res from its
// answers (the effective ones: overrides applied).
func score(card *Card, prog *program, res *Result) {
	type acc struct{ pts, max float64 }
	secs := make([]acc, len(card.Sections))
	res.NeedsReview, res.CriticalFailed, res.Critical = false, false, nil
	for i := range res.Answers {
		a := &res.Answers[i]
		cq := &prog.questions[i]
		autoFrac, _ := cq.fraction(a.Auto)
		a.AutoPoints = round2(autoFrac * a.Weight)
		eff := a.Effective()
		frac, counted := cq.fraction(eff)
		a.Counted = counted
		a.Points = round2(frac * a.Weight)
		a.CriticalFailed = a.Critical && counted && frac == 0
		if a.CriticalFailed {
			res.CriticalFailed = true
			res.Critical = append(res.Critical, a.Question)
		}
		if eff.Status == Unanswered && cq.q.Type.Scored() {
			res.NeedsReview = true
		}
		if counted {
			secs[cq.section].pts += frac * a.Weight
			secs[cq.section].max += a.Weight
		}
	}
	res.Sections = make([]SectionResult, len(card.Sections))
	var total, weights float64
	for si, s := range card.Sections {
		sr := SectionResult{ID: s.ID, Title: s.Title, Weight: s.Weight, Points: round2(secs[si].pts), MaxPoints: round2(secs[si].max)}
		if secs[si].max > 0 {
			sr.Score = 100 * secs[si].pts / secs[si].max
			if s.Weight > 0 {
				total += sr.Score * s.Weight
				weights += s.Weight
			}
		} else {
			sr.NA = true
		}
		sr.Score = round2(sr.Score)
		res.Sections[si] = sr
	}
	res.NA = weights == 0
	res.Uncapped = 0
	if !res.NA {
		res.Uncapped = round2(total / weights)
	}
	res.Score = res.Uncapped
	if res.CriticalFailed {
		res.Score = 0
	}
	res.Passed = nil
	if card.PassScore > 0 && !res.NA {
		p := res.Score >= card.PassScore
		res.Passed = &p
	}
}

func round2(f float64) float64 { return math.Round(f*100) / 100 }
