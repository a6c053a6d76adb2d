package review

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/qa/scorecard"
	"github.com/switchboard-voice/switchboard/store"
)

// Comments on a call are kept as overrides of a reserved scorecard name
// that no card can have ('#' is not allowed in card names): the store
// lists them per session, oldest first, like overrides, and keeps them as
// long as the session. They never enter a result or the agreement.
const (
	CommentCard     = "#comments"
	commentQuestion = "#call"
	commentAnswer   = "comment"
)

// Limits on reviewers' text.
const (
	MaxCommentRunes  = 4000
	MaxReviewerRunes = 200
)

// OverrideRequest is a reviewer's answer to one question of a call's
// result.
type OverrideRequest struct {
	SessionID string
	Scorecard string
	Question  string
	// Answer as the store keeps it: "yes" or "no", an option ID, a
	// number ("42.5"), free text, or "n/a" (any type).
	Answer   string
	Comment  string
	Reviewer string
}

// Override records a reviewer's answer beside the automatic one, scores
// the call again with every override of the card (the newest of each
// question) and saves the result; the session's score follows when the
// card is its primary one. It returns the rescored result.
//
// Errors: ErrInvalid (no reviewer, text too long), ErrNoResult (the call
// was not scored with the card), scorecard.ErrInvalid (an answer that does
// not fit the question: an unknown question or option, not a number...),
// store.ErrNotFound (unknown session).
func (s *Service) Override(ctx context.Context, req OverrideRequest) (scorecard.Result, error) {
	if err := checkReviewer(req.Reviewer); err != nil {
		return scorecard.Result{}, err
	}
	if err := runeLimit("comment", req.Comment, MaxCommentRunes); err != nil {
		return scorecard.Result{}, err
	}
	if _, err := s.st.Session(ctx, req.SessionID); err != nil {
		return scorecard.Result{}, err
	}
	s.overrideMu.Lock()
	defer s.overrideMu.Unlock()
	card, res, err := s.result(ctx, req.SessionID, req.Scorecard)
	if err != nil {
		return scorecard.Result{}, err
	}
	q := findQuestion(card, req.Question)
	if q == nil {
		return scorecard.Result{}, fmt.Errorf("%w: card %s has no question %q", scorecard.ErrInvalid, card.Name, req.Question)
	}
	v, err := decodeAnswer(q, req.Answer)
	if err != nil {
		return scorecard.Result{}, err
	}
	v.Text = s.mask(v.Text)
	ov := scorecard.Override{Question: q.ID, Value: v, Comment: s.mask(req.Comment), Reviewer: req.Reviewer, At: s.now()}
	if err := card.CheckOverride(ov); err != nil {
		return scorecard.Result{}, err
	}
	auto := ""
	for _, a := range res.Answers {
		if a.Question == q.ID {
			auto = encodeAnswer(a.Auto)
		}
	}
	if _, err := s.st.AddOverride(ctx, store.QAOverride{
		SessionID: req.SessionID, Scorecard: card.Name, QuestionID: q.ID, Answer: encodeAnswer(v),
		Auto: auto, Comment: ov.Comment, Reviewer: req.Reviewer, At: ov.At,
	}); err != nil {
		return scorecard.Result{}, err
	}
	stored, err := s.st.Overrides(ctx, req.SessionID, card.Name)
	if err != nil {
		return scorecard.Result{}, err
	}
	ovs, _ := fitOverrides(card, stored)
	out, err := scorecard.Rescore(card, res, ovs)
	if err != nil {
		return scorecard.Result{}, err
	}
	if err := s.saveResult(ctx, card, out); err != nil {
		return scorecard.Result{}, err
	}
	score, err := s.PrimaryScore(ctx, req.SessionID)
	if err != nil {
		return out, err
	}
	if score != nil {
		if err := s.st.SetSessionSummary(ctx, req.SessionID, store.SessionSummary{Score: score}); err != nil {
			return out, err
		}
	}
	return out, nil
}

// result returns a call's stored result of a card and the card version
// that produced it.
func (s *Service) result(ctx context.Context, sessionID, name string) (*scorecard.Card, scorecard.Result, error) {
	results, err := s.st.QAResults(ctx, sessionID)
	if err != nil {
		return nil, scorecard.Result{}, err
	}
	for _, r := range results {
		if r.Scorecard != name {
			continue
		}
		card, err := s.card(ctx, name, r.Version)
		if err != nil {
			return nil, scorecard.Result{}, err
		}
		var res scorecard.Result
		if err := json.Unmarshal(r.Result, &res); err != nil {
			return nil, scorecard.Result{}, fmt.Errorf("review: stored result of %s on %s: %w", name, sessionID, err)
		}
		return card, res, nil
	}
	return nil, scorecard.Result{}, fmt.Errorf("%w: session %s, scorecard %q", ErrNoResult, sessionID, name)
}

// Results returns a call's results, decoded, by scorecard name.
func (s *Service) Results(ctx context.Context, sessionID string) ([]scorecard.Result, error) {
	stored, err := s.st.QAResults(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	out := make([]scorecard.Result, 0, len(stored))
	for _, r := range stored {
		var res scorecard.Result
		if err := json.Unmarshal(r.Result, &res); err != nil {
			return nil, fmt.Errorf("review: stored result of %s on %s: %w", r.Scorecard, sessionID, err)
		}
		res.CardVersion = r.Version
		out = append(out, res)
	}
	return out, nil
}

// Overrides returns a call's overrides (every card, oldest first), the
// comments left out.
func (s *Service) Overrides(ctx context.Context, sessionID string) ([]store.QAOverride, error) {
	all, err := s.st.Overrides(ctx, sessionID, "")
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, o := range all {
		if o.Scorecard != CommentCard {
			out = append(out, o)
		}
	}
	return out, nil
}

// Comment is a reviewer's note on a call.
type Comment struct {
	ID       int64     `json:"id"`
	Text     string    `json:"text"`
	Reviewer string    `json:"reviewer"`
	At       time.Time `json:"at"`
}

// AddComment stores a reviewer's comment on a call (personal data masked).
func (s *Service) AddComment(ctx context.Context, sessionID, reviewer, text string) (Comment, error) {
	if err := checkReviewer(reviewer); err != nil {
		return Comment{}, err
	}
	if strings.TrimSpace(text) == "" {
		return Comment{}, fmt.Errorf("%w: the comment is empty", ErrInvalid)
	}
	if err := runeLimit("comment", text, MaxCommentRunes); err != nil {
		return Comment{}, err
	}
	o, err := s.st.AddOverride(ctx, store.QAOverride{
		SessionID: sessionID, Scorecard: CommentCard, QuestionID: commentQuestion, Answer: commentAnswer,
		Comment: s.mask(strings.TrimSpace(text)), Reviewer: reviewer, At: s.now(),
	})
	if err != nil {
		return Comment{}, err
	}
	return Comment{ID: o.ID, Text: o.Comment, Reviewer: o.Reviewer, At: o.At}, nil
}

// Comments lists a call's comments, oldest first.
func (s *Service) Comments(ctx context.Context, sessionID string) ([]Comment, error) {
	os, err := s.st.Overrides(ctx, sessionID, CommentCard)
	if err != nil {
		return nil, err
	}
	out := make([]Comment, 0, len(os))
	for _, o := range os {
		out = append(out, Comment{ID: o.ID, Text: o.Comment, Reviewer: o.Reviewer, At: o.At})
	}
	return out, nil
}

func checkReviewer(r string) error {
	if strings.TrimSpace(r) == "" {
		return fmt.Errorf("%w: reviewer is required", ErrInvalid)
	}
	return runeLimit("reviewer", r, MaxReviewerRunes)
}

// StaleOverride is a reviewer's answer that no longer fits the card
// version a call is scored with (the question was removed, an option
// renamed, the type changed); it is kept in the store but not applied.
type StaleOverride struct {
	SessionID string `json:"session_id"`
	Scorecard string `json:"scorecard"`
	Question  string `json:"question"`
	Answer    string `json:"answer"`
	Reviewer  string `json:"reviewer"`
	Reason    string `json:"reason"`
}

// fitOverrides turns a card's stored overrides (oldest first) into the
// newest override of each question, and lists those that do not fit the
// card.
func fitOverrides(card *scorecard.Card, stored []store.QAOverride) ([]scorecard.Override, []StaleOverride) {
	newest := map[string]store.QAOverride{}
	var order []string
	for _, o := range stored {
		if _, ok := newest[o.QuestionID]; !ok {
			order = append(order, o.QuestionID)
		}
		newest[o.QuestionID] = o
	}
	var out []scorecard.Override
	var stale []StaleOverride
	for _, id := range order {
		o := newest[id]
		ov := scorecard.Override{Question: o.QuestionID, Comment: o.Comment, Reviewer: o.Reviewer, At: o.At}
		err := fmt.Errorf("%w: card %s v%d has no question %q", scorecard.ErrInvalid, card.Name, card.Version, o.QuestionID)
		if q := findQuestion(card, o.QuestionID); q != nil {
			if ov.Value, err = decodeAnswer(q, o.Answer); err == nil {
				err = card.CheckOverride(ov)
			}
		}
		if err != nil {
			stale = append(stale, StaleOverride{SessionID: o.SessionID, Scorecard: o.Scorecard, Question: o.QuestionID,
				Answer: o.Answer, Reviewer: o.Reviewer, Reason: strings.TrimPrefix(err.Error(), scorecard.ErrInvalid.Error()+": ")})
			continue
		}
		out = append(out, ov)
	}
	return out, stale
}

// findQuestion returns a card's question, or nil.
func findQuestion(card *scorecard.Card, id string) *scorecard.Question {
	for i := range card.Sections {
		for j := range card.Sections[i].Questions {
			if q := &card.Sections[i].Questions[j]; q.ID == id {
				return q
			}
		}
	}
	return nil
}

// decodeAnswer reads an answer as stored (see OverrideRequest.Answer) for
// a question.
func decodeAnswer(q *scorecard.Question, answer string) (scorecard.Value, error) {
	a := strings.TrimSpace(answer)
	if a == "" {
		return scorecard.Value{}, fmt.Errorf("%w: the answer to %s is empty", scorecard.ErrInvalid, q.ID)
	}
	if strings.EqualFold(a, scorecard.NAChoice) {
		return scorecard.Value{Status: scorecard.NotApplicable}, nil
	}
	v := scorecard.Value{Status: scorecard.Answered}
	switch q.Type {
	case scorecard.YesNo:
		v.Choice = strings.ToLower(a)
	case scorecard.Number:
		n, err := strconv.ParseFloat(a, 64)
		if err != nil || math.IsNaN(n) || math.IsInf(n, 0) {
			return v, fmt.Errorf("%w: the answer to %s must be a number, got %q", scorecard.ErrInvalid, q.ID, a)
		}
		v.Number = &n
	case scorecard.Text:
		v.Text = a
	default:
		v.Choice = a
	}
	return v, nil
}

// encodeAnswer writes an answer as the store keeps it ("" when
// unanswered).
func encodeAnswer(v scorecard.Value) string {
	switch {
	case v.Status == scorecard.NotApplicable:
		return scorecard.NAChoice
	case v.Status != scorecard.Answered:
		return ""
	case v.Number != nil:
		return strconv.FormatFloat(*v.Number, 'f', -1, 64)
	case v.Text != "":
		return v.Text
	}
	return v.Choice
}
