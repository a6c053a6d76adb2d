package review

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/qa/redact"
	"github.com/switchboard-voice/switchboard/qa/scorecard"
	"github.com/switchboard-voice/switchboard/qa/sentiment"
)

// ErrAgreementSet: an agreement set that cannot be read, or whose answers
// do not fit the scorecards (a card that does not apply, a question left
// unanswered, an answer of the wrong type).
var ErrAgreementSet = errors.New("review: invalid agreement set")

// reviewSuffix ends the name of a call's review file.
const reviewSuffix = ".review.json"

// LabelledCall is one call of an agreement set: the call and a reviewer's
// answers to every question of the scorecards that apply to it.
type LabelledCall struct {
	// Name is the call's file name without ".json".
	Name     string
	Call     qa.Call
	Reviewer string
	// Answers are the reviewer's, per card name, then question ID.
	Answers map[string]map[string]LabelledAnswer
}

// LabelledAnswer is a reviewer's answer as written in a review file: "na"
// (NA), a number (Number) or text (Text: yes, no, an option ID, or the
// answer to a text question), with an optional comment.
type LabelledAnswer struct {
	NA      bool
	Text    string
	Number  *float64
	Comment string
}

// UnmarshalJSON reads "yes", 95, "na" or {"answer": ..., "comment": ...}.
func (a *LabelledAnswer) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '{' {
		var o struct {
			Answer  json.RawMessage `json:"answer"`
			Comment string          `json:"comment"`
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o); err != nil {
			return err
		}
		if len(o.Answer) == 0 || o.Answer[0] == '{' {
			return errors.New(`want {"answer": a string or a number, "comment": "..."}`)
		}
		if err := a.UnmarshalJSON(o.Answer); err != nil {
			return err
		}
		a.Comment = o.Comment
		return nil
	}
	*a = LabelledAnswer{}
	if string(b) == "null" {
		return errors.New("answer null: want a string, a number or an object")
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		switch strings.TrimSpace(s) {
		case "":
			return errors.New("empty answer (\"na\" when the question does not apply)")
		case "na", "NA", "n/a", "N/A":
			a.NA = true
		default:
			a.Text = s
		}
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("answer %s: want a string, a number or an object", b)
	}
	a.Number = &f
	return nil
}

// String prints the answer as written: "na", "yes", "95".
func (a LabelledAnswer) String() string {
	switch {
	case a.NA:
		return "na"
	case a.Number != nil:
		return strconv.FormatFloat(*a.Number, 'f', -1, 64)
	}
	return a.Text
}

// value is the answer to q as a scorecard value.
func (a LabelledAnswer) value(q *scorecard.Question) (scorecard.Value, error) {
	if a.NA {
		return scorecard.Value{Status: scorecard.NotApplicable}, nil
	}
	v := scorecard.Value{Status: scorecard.Answered}
	switch q.Type {
	case scorecard.Number:
		if a.Number == nil {
			return v, fmt.Errorf("a %s question takes a number or \"na\", not %q", q.Type, a.Text)
		}
		v.Number = a.Number
	case scorecard.Text:
		if a.Number != nil {
			return v, fmt.Errorf("a text question takes text, not %v", *a.Number)
		}
		v.Text = a.Text
	default:
		if a.Number != nil {
			return v, fmt.Errorf("a %s question takes an answer's ID, not %v", q.Type, *a.Number)
		}
		v.Choice = a.Text
	}
	return v, nil
}

// reviewFile is a NAME.review.json.
type reviewFile struct {
	Reviewer string                               `json:"reviewer"`
	Answers  map[string]map[string]LabelledAnswer `json:"answers"`
}

// LoadAgreementSet reads an agreement set: in dir, every NAME.json is a
// qa.Call (as it marshals: offsets in nanoseconds) and NAME.review.json
// holds a reviewer's answers to it:
//
//	{"reviewer": "ana", "answers": {"agent-calls": {
//	    "greeting_with_name": "yes",
//	    "hold_time": {"answer": 95, "comment": "dead air after 'please hold'"},
//	    "empathy": "na"}}}
//
// Unknown fields are errors. Calls are returned in name order. Errors wrap
// ErrAgreementSet and name the file; all of them are reported at once.
func LoadAgreementSet(dir string) ([]LabelledCall, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrAgreementSet, err)
	}
	var (
		out   []LabelledCall
		errs  []error
		names = map[string]bool{}
		ids   = map[string]string{}
	)
	bad := func(file string, err error) {
		errs = append(errs, fmt.Errorf("%w: %s: %w", ErrAgreementSet, filepath.Join(dir, file), err))
	}
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".json") || strings.HasSuffix(n, reviewSuffix) {
			continue
		}
		name := strings.TrimSuffix(n, ".json")
		names[name] = true
		lc := LabelledCall{Name: name}
		if err := decodeStrict(filepath.Join(dir, n), &lc.Call); err != nil {
			bad(n, err)
			continue
		}
		if err := checkCall(&lc.Call); err != nil {
			bad(n, err)
			continue
		}
		if prev, ok := ids[lc.Call.SessionID]; ok {
			bad(n, fmt.Errorf("session_id %q is also %s's", lc.Call.SessionID, prev))
			continue
		}
		ids[lc.Call.SessionID] = n
		var rf reviewFile
		if err := decodeStrict(filepath.Join(dir, name+reviewSuffix), &rf); err != nil {
			bad(name+reviewSuffix, err)
			continue
		}
		if len(rf.Answers) == 0 {
			bad(name+reviewSuffix, errors.New("no answers"))
			continue
		}
		lc.Reviewer, lc.Answers = rf.Reviewer, rf.Answers
		out = append(out, lc)
	}
	for _, e := range entries {
		if n := e.Name(); strings.HasSuffix(n, reviewSuffix) && !names[strings.TrimSuffix(n, reviewSuffix)] {
			bad(n, fmt.Errorf("no call %s.json beside it", strings.TrimSuffix(n, reviewSuffix)))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %s: no calls (NAME.json with NAME%s)", ErrAgreementSet, dir, reviewSuffix)
	}
	return out, nil
}

// decodeStrict reads one JSON value from path into v, refusing unknown
// fields and trailing data.
func decodeStrict(path string, v any) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			line := 1 + bytes.Count(data[:min(int(se.Offset), len(data))], []byte("\n"))
			return fmt.Errorf("line %d: %w", line, err)
		}
		return err
	}
	if dec.More() {
		return errors.New("more than one JSON value")
	}
	return nil
}

// checkCall rejects calls QA could not have been given.
func checkCall(c *qa.Call) error {
	if c.SessionID == "" {
		return errors.New("no session_id")
	}
	if len(c.Turns) == 0 {
		return errors.New("no turns")
	}
	for i, t := range c.Turns {
		switch t.Speaker {
		case qa.Caller, qa.Bot, qa.Agent:
		default:
			return fmt.Errorf("turn %d: speaker %q (want caller, bot or agent)", i+1, t.Speaker)
		}
		if t.Start < 0 || t.End < t.Start {
			return fmt.Errorf("turn %d: start %v, end %v", i+1, t.Start, t.End)
		}
	}
	for i, h := range c.Holds {
		if h.Start < 0 || h.End < h.Start {
			return fmt.Errorf("hold %d: start %v, end %v", i+1, h.Start, h.End)
		}
	}
	return nil
}

// AgreementConfig is how MeasureAgreement scores the calls. Cards is
// required.
type AgreementConfig struct {
	// Cards are the scorecards; each call is scored with those that apply
	// (scorecard.Select), and must have answers to exactly those.
	Cards []*scorecard.Card
	// Evaluator answers the cards (default: rules only).
	Evaluator *scorecard.Evaluator
	// Sentiment scores turns without a score, as Service.Score does (nil:
	// turns keep what they carry).
	Sentiment sentiment.Scorer
	// Redactor masks personal data before scoring, as Service.Score does
	// (nil: not masked).
	Redactor *redact.Redactor
}

// AgreementReport is how often the automatic answers agree with the
// reviewer's on an agreement set, per question, card, language and
// overall, and what that does to the calls' scores.
//
// An answer agrees when it is the reviewer's: the same yes/no or option,
// N/A both, or, for number questions, a number that earns the same points
// (the same band); Exact counts numbers that agree within 0.5% too (as
// scorecard.Agreement does). Text questions are not measured.
type AgreementReport struct {
	Calls   int   `json:"calls"`
	Overall Tally `json:"overall"`
	// Languages are the totals per call language.
	Languages map[string]Tally `json:"languages"`
	// Cards are per card name.
	Cards map[string]*CardAgreement `json:"cards"`
	// Scores are per call and card.
	Scores []CallScore `json:"scores"`
	// Disagreements lists every answer where the rule and the reviewer
	// differ, in call order.
	Disagreements []Disagreement `json:"disagreements"`
}

// Tally counts measured answers: N reviewed (with an automatic answer or
// N/A), Agreed of them (numbers by band), and ExactAgreed (numbers within
// 0.5%).
type Tally struct {
	N           int     `json:"n"`
	Agreed      int     `json:"agreed"`
	Rate        float64 `json:"rate"`
	ExactAgreed int     `json:"exact_agreed"`
	ExactRate   float64 `json:"exact_rate"`
}

func (t *Tally) add(o Tally) {
	t.N += o.N
	t.Agreed += o.Agreed
	t.ExactAgreed += o.ExactAgreed
	t.rates()
}

func (t *Tally) rates() {
	if t.N > 0 {
		t.Rate = float64(t.Agreed) / float64(t.N)
		t.ExactRate = float64(t.ExactAgreed) / float64(t.N)
	}
}

// CardAgreement is one card's figures.
type CardAgreement struct {
	// Calls the card scored.
	Calls int `json:"calls"`
	Tally
	// Questions per question ID; Order lists them in the card's order.
	Questions map[string]*QuestionFigures `json:"questions"`
	Order     []string                    `json:"-"`
	// PassAgreed counts the calls that pass (or fail) both by the
	// automatic answers and by the reviewer's; CriticalAgreed those where
	// both fail a critical question or neither does.
	PassAgreed     int `json:"pass_agreed"`
	CriticalAgreed int `json:"critical_agreed"`
	// ScoreDiff is the mean absolute difference of the two scores, in
	// points of 100.
	ScoreDiff float64 `json:"score_mean_abs_diff"`
}

// QuestionFigures is one question's agreement.
type QuestionFigures struct {
	Type scorecard.Type `json:"type"`
	Text string         `json:"text"`
	// Measured is false for text questions: their N counts the reviewer's
	// answers, nothing is compared.
	Measured bool `json:"measured"`
	Tally
	// Unanswered counts reviewed answers the evaluator left unanswered
	// (not in N).
	Unanswered int `json:"unanswered,omitempty"`
	// Confusion (yes/no and choice questions): automatic answer, then
	// reviewer's answer ("na" for N/A), then count.
	Confusion map[string]map[string]int `json:"confusion,omitempty"`
}

// CallScore compares one call's score by the automatic answers and by the
// reviewer's.
type CallScore struct {
	Call     string `json:"call"`
	Card     string `json:"card"`
	Language string `json:"language,omitempty"`
	// Auto and Reviewer are the scores (0 to 100).
	Auto     float64 `json:"auto"`
	Reviewer float64 `json:"reviewer"`
	// AutoPassed and ReviewerPassed: nil when the card has no pass score.
	AutoPassed     *bool    `json:"auto_passed,omitempty"`
	ReviewerPassed *bool    `json:"reviewer_passed,omitempty"`
	AutoCritical   []string `json:"auto_critical,omitempty"`
	// ReviewerCritical are the critical questions the reviewer failed.
	ReviewerCritical []string `json:"reviewer_critical,omitempty"`
	// Disagreed counts the measured answers that differ.
	Disagreed int `json:"disagreed"`
}

// Disagreement is one answer where the automatic answer is not the
// reviewer's.
type Disagreement struct {
	Call     string `json:"call"`
	Card     string `json:"card"`
	Question string `json:"question"`
	Auto     string `json:"auto"`
	Reviewer string `json:"reviewer"`
	// SameBand: a number question whose numbers differ in the same band
	// (counted as agreeing).
	SameBand bool `json:"same_band,omitempty"`
	// Note is the automatic answer's note (its evidence in a line);
	// Comment the reviewer's.
	Note    string `json:"note,omitempty"`
	Comment string `json:"comment,omitempty"`
}

// MeasureAgreement scores every call of set with the cards that apply
// (after masking and scoring sentiment as configured), applies the
// reviewer's answers as overrides (scorecard.Rescore) and measures how
// often the automatic answers agree with them (scorecard.Agreement).
//
// Every card that applies must be answered, every question of it (N/A
// included), and nothing else: errors wrap ErrAgreementSet, name the call,
// card and question, and are all reported at once.
func MeasureAgreement(ctx context.Context, set []LabelledCall, cfg AgreementConfig) (AgreementReport, error) {
	if len(cfg.Cards) == 0 {
		return AgreementReport{}, fmt.Errorf("%w: no scorecards", ErrAgreementSet)
	}
	ev := cfg.Evaluator
	if ev == nil {
		ev = scorecard.NewEvaluator()
	}
	rep := AgreementReport{Calls: len(set), Languages: map[string]Tally{}, Cards: map[string]*CardAgreement{}}
	byName := map[string]*scorecard.Card{}
	for _, c := range cfg.Cards {
		byName[c.Name] = c
	}
	var (
		results []scorecard.Result
		lang    = map[string]string{} // session → language
		errs    []error
	)
	for _, lc := range set {
		call := lc.Call
		call.Turns = slices.Clone(call.Turns)
		if cfg.Redactor != nil {
			call = cfg.Redactor.Call(call).Call
		}
		if cfg.Sentiment != nil {
			if err := sentiment.ScoreTurns(ctx, cfg.Sentiment, call.Language, call.Turns); err != nil {
				return AgreementReport{}, fmt.Errorf("review: agreement: call %s: sentiment: %w", lc.Name, err)
			}
		}
		bad := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("%w: call %s: %s", ErrAgreementSet, lc.Name, fmt.Sprintf(format, args...)))
		}
		selected := scorecard.Select(cfg.Cards, &call)
		for name := range lc.Answers {
			if byName[name] == nil {
				bad("answers for card %q, which is not among the scorecards", name)
			} else if !slices.Contains(selected, byName[name]) {
				bad("answers for card %s, which does not apply to the call", name)
			}
		}
		for _, card := range selected {
			answers, ok := lc.Answers[card.Name]
			if !ok {
				bad("card %s applies to the call but has no answers", card.Name)
				continue
			}
			overrides, err := labelledOverrides(card, answers, lc.Reviewer)
			if err != nil {
				bad("card %s: %v", card.Name, err)
				continue
			}
			auto, err := ev.Evaluate(ctx, card, &call)
			if err != nil {
				return AgreementReport{}, fmt.Errorf("review: agreement: call %s, card %s: %w", lc.Name, card.Name, err)
			}
			res, err := scorecard.Rescore(card, auto, overrides)
			if err != nil {
				bad("card %s: %v", card.Name, err)
				continue
			}
			results = append(results, res)
			lang[res.SessionID] = call.Language
			cs := callScore(lc.Name, call.Language, auto, res)
			for _, d := range disagreements(lc.Name, res) {
				if !d.SameBand {
					cs.Disagreed++
				}
				rep.Disagreements = append(rep.Disagreements, d)
			}
			rep.Scores = append(rep.Scores, cs)
		}
	}
	if len(errs) > 0 {
		return AgreementReport{}, errors.Join(errs...)
	}
	tallyCards(&rep, cfg.Cards, results)
	tallyLanguages(&rep, results, lang)
	return rep, nil
}

// labelledOverrides turns a reviewer's answers to card into overrides,
// one per question, each checked against its question.
func labelledOverrides(card *scorecard.Card, answers map[string]LabelledAnswer, reviewer string) ([]scorecard.Override, error) {
	var (
		out  []scorecard.Override
		errs []string
		seen = map[string]bool{}
	)
	for _, s := range card.Sections {
		for i := range s.Questions {
			q := &s.Questions[i]
			seen[q.ID] = true
			a, ok := answers[q.ID]
			if !ok {
				errs = append(errs, fmt.Sprintf("question %s has no answer (\"na\" when it does not apply)", q.ID))
				continue
			}
			v, err := a.value(q)
			if err != nil {
				errs = append(errs, fmt.Sprintf("question %s: %v", q.ID, err))
				continue
			}
			o := scorecard.Override{Question: q.ID, Value: v, Comment: a.Comment, Reviewer: reviewer}
			if err := card.CheckOverride(o); err != nil {
				errs = append(errs, err.Error())
				continue
			}
			out = append(out, o)
		}
	}
	for id := range answers {
		if !seen[id] {
			errs = append(errs, fmt.Sprintf("no question %q on the card", id))
		}
	}
	if len(errs) > 0 {
		sort.Strings(errs)
		return nil, errors.New(strings.Join(errs, "; "))
	}
	return out, nil
}

func callScore(name, lang string, auto, reviewed scorecard.Result) CallScore {
	return CallScore{Call: name, Card: auto.Card, Language: lang, Auto: auto.Score, Reviewer: reviewed.Score,
		AutoPassed: auto.Passed, ReviewerPassed: reviewed.Passed, AutoCritical: auto.Critical, ReviewerCritical: reviewed.Critical}
}

// disagreements lists the answers of a reviewed result that differ from
// the automatic ones (text questions aside).
func disagreements(name string, res scorecard.Result) []Disagreement {
	var out []Disagreement
	for _, a := range res.Answers {
		if a.Override == nil || a.Type == scorecard.Text {
			continue
		}
		one := scorecard.Agreement([]scorecard.Result{{Card: res.Card, Answers: []scorecard.Answer{a}}})
		if len(one) == 1 && one[0].Agreed == 1 {
			continue
		}
		d := Disagreement{Call: name, Card: res.Card, Question: a.Question, Auto: valueString(a.Auto),
			Reviewer: valueString(a.Override.Value), Note: a.Note, Comment: a.Override.Comment}
		d.SameBand = len(one) == 1 && one[0].SameBand == 1
		out = append(out, d)
	}
	return out
}

// valueString prints an answer: "yes", "full", "95", "na", "unanswered".
func valueString(v scorecard.Value) string {
	switch {
	case v.Status != scorecard.Answered:
		return string(v.Status)
	case v.Number != nil:
		return strconv.FormatFloat(math.Round(*v.Number*1000)/1000, 'f', -1, 64)
	case v.Text != "":
		return v.Text
	}
	return v.Choice
}

// tallyCards fills rep.Cards and rep.Overall.
func tallyCards(rep *AgreementReport, cards []*scorecard.Card, results []scorecard.Result) {
	ag := scorecard.Agreement(results)
	for _, card := range cards {
		ca := &CardAgreement{Questions: map[string]*QuestionFigures{}}
		for _, s := range card.Sections {
			for _, q := range s.Questions {
				ca.Order = append(ca.Order, q.ID)
				ca.Questions[q.ID] = &QuestionFigures{Type: q.Type, Text: q.Text, Measured: q.Type != scorecard.Text}
			}
		}
		for _, r := range results {
			if r.Card != card.Name {
				continue
			}
			ca.Calls++
			for _, a := range r.Answers {
				if a.Type == scorecard.Text && a.Override != nil {
					ca.Questions[a.Question].N++
				}
			}
		}
		if ca.Calls == 0 {
			continue
		}
		for _, qa := range ag {
			qf := ca.Questions[qa.Question]
			if qa.Card != card.Name || qf == nil {
				continue
			}
			qf.Tally = questionTally(qa, qf.Type == scorecard.Number)
			qf.Unanswered, qf.Confusion = qa.Unanswered, qa.Confusion
			ca.add(qf.Tally)
		}
		rep.Cards[card.Name] = ca
		rep.Overall.add(ca.Tally)
	}
	for _, cs := range rep.Scores {
		ca := rep.Cards[cs.Card]
		if (cs.AutoPassed == nil && cs.ReviewerPassed == nil) ||
			(cs.AutoPassed != nil && cs.ReviewerPassed != nil && *cs.AutoPassed == *cs.ReviewerPassed) {
			ca.PassAgreed++
		}
		if (len(cs.AutoCritical) > 0) == (len(cs.ReviewerCritical) > 0) {
			ca.CriticalAgreed++
		}
		ca.ScoreDiff += math.Abs(cs.Auto - cs.Reviewer)
	}
	for _, ca := range rep.Cards {
		if ca.Calls > 0 {
			ca.ScoreDiff = math.Round(100*ca.ScoreDiff/float64(ca.Calls)) / 100
		}
	}
}

// questionTally is a question's tally: numbers agree by band.
func questionTally(qa scorecard.QuestionAgreement, number bool) Tally {
	t := Tally{N: qa.Reviewed, Agreed: qa.Agreed, ExactAgreed: qa.Agreed}
	if number {
		t.Agreed = qa.SameBand
	}
	t.rates()
	return t
}

// tallyLanguages fills rep.Languages, numbers by band as in the cards.
func tallyLanguages(rep *AgreementReport, results []scorecard.Result, lang map[string]string) {
	byLang := map[string][]scorecard.Result{}
	number := map[[2]string]bool{} // card, question
	for _, r := range results {
		l := lang[r.SessionID]
		if l == "" {
			l = "unknown"
		}
		byLang[l] = append(byLang[l], r)
		for _, a := range r.Answers {
			number[[2]string{r.Card, a.Question}] = a.Type == scorecard.Number
		}
	}
	for l, rs := range byLang {
		var t Tally
		for _, qa := range scorecard.Agreement(rs) {
			t.add(questionTally(qa, number[[2]string{qa.Card, qa.Question}]))
		}
		rep.Languages[l] = t
	}
}
