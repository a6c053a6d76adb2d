package scorecard

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
)

// CheckOverride reports whether o fits the card: its question exists and
// its value is an answer of the question's type (yes/no, one of the
// options, a finite number, text) or N/A. Errors wrap ErrInvalid.
func (c *Card) CheckOverride(o Override) error {
	q, _ := c.question(o.Question)
	if q == nil {
		return fmt.Errorf("%w: override: card %s has no question %q", ErrInvalid, c.Name, o.Question)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: override of %s: %s", ErrInvalid, q.ID, fmt.Sprintf(format, args...))
	}
	v := o.Value
	switch v.Status {
	case NotApplicable:
		if v.Choice != "" || v.Number != nil || v.Text != "" {
			return bad("an N/A answer carries no value")
		}
		return nil
	case Answered:
	default:
		return bad("status %q: a reviewer answers (%q) or marks N/A (%q)", v.Status, Answered, NotApplicable)
	}
	switch q.Type {
	case YesNo:
		if v.Choice != Yes && v.Choice != No {
			return bad("want choice %q or %q, got %q", Yes, No, v.Choice)
		}
	case Choice:
		var ids []string
		for _, opt := range q.Options {
			if opt.ID == v.Choice {
				return nil
			}
			ids = append(ids, opt.ID)
		}
		return bad("choice %q is not one of %s", v.Choice, strings.Join(ids, ", "))
	case Number:
		if v.Number == nil || math.IsNaN(*v.Number) || math.IsInf(*v.Number, 0) {
			return bad("want a number")
		}
	case Text:
		if strings.TrimSpace(v.Text) == "" {
			return bad("want text")
		}
	}
	if q.Type != Choice && q.Type != YesNo && v.Choice != "" {
		return bad("a %s question takes no choice", q.Type)
	}
	return nil
}

// Rescore applies overrides to a result of card and scores it again. The
// overrides are the whole set for the result: answers without one lose
// any they had. The automatic answers and their evidence are kept. It is a
// pure function: res is not changed.
//
// Errors wrap ErrCardMismatch when res was produced by another card (or
// version), ErrInvalid when an override does not fit its question or two
// name the same question.
func Rescore(card *Card, res Result, overrides []Override) (Result, error) {
	prog, err := card.program()
	if err != nil {
		return Result{}, err
	}
	if res.CardHash != prog.hash || len(res.Answers) != len(prog.questions) {
		return Result{}, fmt.Errorf("%w: result of card %s (hash %.12s), rescored with card %s (hash %.12s)",
			ErrCardMismatch, res.Card, res.CardHash, card.Name, prog.hash)
	}
	index := map[string]int{}
	for i := range prog.questions {
		if res.Answers[i].Question != prog.questions[i].q.ID {
			return Result{}, fmt.Errorf("%w: answer %d is for question %q, the card's is %q", ErrCardMismatch, i, res.Answers[i].Question, prog.questions[i].q.ID)
		}
		index[prog.questions[i].q.ID] = i
	}
	out := res
	out.Answers = make([]Answer, len(res.Answers))
	copy(out.Answers, res.Answers)
	for i := range out.Answers {
		out.Answers[i].Override = nil
	}
	var errs []error
	for _, o := range overrides {
		if err := card.CheckOverride(o); err != nil {
			errs = append(errs, err)
			continue
		}
		a := &out.Answers[index[o.Question]]
		if a.Override != nil {
			errs = append(errs, fmt.Errorf("%w: two overrides of question %s", ErrInvalid, o.Question))
			continue
		}
		o := o
		a.Override = &o
	}
	if len(errs) > 0 {
		return Result{}, errors.Join(errs...)
	}
	score(card, prog, &out)
	return out, nil
}

// QuestionAgreement is how often reviewers agreed with the automatic
// answers of one question.
type QuestionAgreement struct {
	Card     string `json:"card"`
	Question string `json:"question"`
	// Reviewed counts the answers with an override, Agreed those where
	// the override matched the automatic answer. Unanswered counts
	// reviewed answers that had no automatic answer (not in Reviewed).
	Reviewed   int `json:"reviewed"`
	Agreed     int `json:"agreed"`
	Unanswered int `json:"unanswered"`
	// Rate is Agreed / Reviewed (0 when nothing was reviewed).
	Rate float64 `json:"rate"`
	// BySource splits Reviewed and Agreed by who answered automatically
	// ("rule", "llm").
	BySource map[Source]SourceAgreement `json:"by_source,omitempty"`
	// Confusion counts the reviewed answers of yes/no and choice
	// questions by automatic answer, then reviewer's answer: yes, no or
	// an option ID, "na" for N/A. Confusion["yes"]["no"] is how often the
	// rule said yes where the reviewer said no.
	Confusion map[string]map[string]int `json:"confusion,omitempty"`
	// SameBand counts, for number questions, the reviewed answers whose
	// override earns the same points as the automatic answer (the same
	// band, or both N/A) though the numbers may differ; BandRate is
	// SameBand / Reviewed.
	SameBand int     `json:"same_band,omitempty"`
	BandRate float64 `json:"band_rate,omitempty"`
}

// SourceAgreement is agreement for answers of one source.
type SourceAgreement struct {
	Reviewed int     `json:"reviewed"`
	Agreed   int     `json:"agreed"`
	Rate     float64 `json:"rate"`
}

// Agreement returns, per card and question, the share of reviewed answers
// where the automatic answer matched the reviewer's. Text questions are
// left out. Numbers agree within 0.5% (or 0.01); SameBand counts those
// that earn the same points. Sorted by card, then question ID.
func Agreement(results []Result) []QuestionAgreement {
	type key struct{ card, question string }
	acc := map[key]*QuestionAgreement{}
	for _, r := range results {
		for _, a := range r.Answers {
			if a.Override == nil || a.Type == Text {
				continue
			}
			k := key{r.Card, a.Question}
			qa := acc[k]
			if qa == nil {
				qa = &QuestionAgreement{Card: r.Card, Question: a.Question, BySource: map[Source]SourceAgreement{}}
				acc[k] = qa
			}
			if a.Auto.Status == Unanswered {
				qa.Unanswered++
				continue
			}
			agreed := sameValue(a.Auto, a.Override.Value)
			qa.Reviewed++
			switch a.Type {
			case YesNo, Choice:
				auto, human := confusionKey(a.Auto), confusionKey(a.Override.Value)
				if qa.Confusion == nil {
					qa.Confusion = map[string]map[string]int{}
				}
				if qa.Confusion[auto] == nil {
					qa.Confusion[auto] = map[string]int{}
				}
				qa.Confusion[auto][human]++
			case Number:
				if a.Auto.Status == a.Override.Value.Status && a.AutoPoints == a.Points {
					qa.SameBand++
				}
			}
			s := qa.BySource[a.Source]
			s.Reviewed++
			if agreed {
				qa.Agreed++
				s.Agreed++
			}
			s.Rate = float64(s.Agreed) / float64(s.Reviewed)
			qa.BySource[a.Source] = s
		}
	}
	out := make([]QuestionAgreement, 0, len(acc))
	for _, qa := range acc {
		if qa.Reviewed > 0 {
			qa.Rate = float64(qa.Agreed) / float64(qa.Reviewed)
			qa.BandRate = float64(qa.SameBand) / float64(qa.Reviewed)
		}
		if len(qa.BySource) == 0 {
			qa.BySource = nil
		}
		out = append(out, *qa)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Card != out[j].Card {
			return out[i].Card < out[j].Card
		}
		return out[i].Question < out[j].Question
	})
	return out
}

// confusionKey names a yes/no or choice answer in Confusion.
func confusionKey(v Value) string {
	if v.Status == NotApplicable {
		return "na"
	}
	return v.Choice
}

// sameValue reports whether two answers agree.
func sameValue(a, b Value) bool {
	if a.Status != b.Status {
		return false
	}
	if a.Status != Answered {
		return true
	}
	if a.Number != nil || b.Number != nil {
		if a.Number == nil || b.Number == nil {
			return false
		}
		x, y := *a.Number, *b.Number
		return math.Abs(x-y) <= math.Max(0.01, 0.005*math.Max(math.Abs(x), math.Abs(y)))
	}
	return a.Choice == b.Choice
}
