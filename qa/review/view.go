package review

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/qa/scorecard"
	"github.com/switchboard-voice/switchboard/qa/sentiment"
	"github.com/switchboard-voice/switchboard/store"
)

// CallRow is a call in a search result, as reviewers see it: personal
// data (the caller's number, the handoff reason's) masked.
type CallRow struct {
	ID            string    `json:"id"`
	Bot           string    `json:"bot,omitempty"`
	BotVersion    int       `json:"bot_version,omitempty"`
	Channel       string    `json:"channel,omitempty"`
	CallerID      string    `json:"caller_id,omitempty"`
	Language      string    `json:"language,omitempty"`
	StartedAt     time.Time `json:"started_at"`
	EndedAt       time.Time `json:"ended_at,omitzero"`
	CallEndedAt   time.Time `json:"call_ended_at,omitzero"`
	Outcome       string    `json:"outcome,omitempty"`
	HandoffQueue  string    `json:"handoff_queue,omitempty"`
	HandoffReason string    `json:"handoff_reason,omitempty"`
	Queue         string    `json:"queue,omitempty"`
	Agent         string    `json:"agent,omitempty"`
	CallID        string    `json:"call_id,omitempty"`
	// Duration in seconds, from the start to the call's (or session's)
	// end; 0 while open.
	Duration  float64  `json:"duration"`
	Score     *float64 `json:"score"`
	Sentiment *float64 `json:"sentiment"`
	Alerts    int      `json:"alerts"`
	Turns     int      `json:"turns"`
}

func (s *Service) row(x store.Session) CallRow {
	r := CallRow{
		ID: x.ID, Bot: x.Bot, BotVersion: x.BotVersion, Channel: x.Channel, CallerID: s.mask(x.CallerID),
		Language: x.Language, StartedAt: x.StartedAt, EndedAt: x.EndedAt, CallEndedAt: x.CallEndedAt,
		Outcome: string(x.Outcome), HandoffQueue: x.HandoffQueue, HandoffReason: s.mask(x.HandoffReason),
		Queue: x.Queue, Agent: x.AgentID, CallID: x.CallID, Score: x.Score, Sentiment: x.Sentiment,
	}
	end := x.CallEndedAt
	if end.IsZero() {
		end = x.EndedAt
	}
	if !end.IsZero() {
		r.Duration = round2(end.Sub(x.StartedAt).Seconds())
	}
	return r
}

// SearchPage is a page of a call search.
type SearchPage struct {
	Rows   []CallRow `json:"calls"`
	Total  int       `json:"total"`
	Offset int       `json:"offset"`
	Limit  int       `json:"limit"`
}

// Search finds calls for review (store.QAStore.SearchSessions); ErrInvalid
// from the store for a bad query.
func (s *Service) Search(ctx context.Context, q store.SessionQuery) (SearchPage, error) {
	page, err := s.st.SearchSessions(ctx, q)
	if err != nil {
		return SearchPage{}, err
	}
	limit := q.Limit
	if limit == 0 {
		limit = 50
	}
	out := SearchPage{Rows: make([]CallRow, 0, len(page.Rows)), Total: page.Total, Offset: q.Offset, Limit: min(limit, 500)}
	for _, r := range page.Rows {
		row := s.row(r.Session)
		row.Alerts, row.Turns = r.Alerts, r.Turns
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

// CallView is everything the console shows of one call, personal data
// masked: the session, its turns (masked text, placed in the recording),
// the sentiment timeline, the QA results with their evidence and the
// cards that produced them, the overrides, comments, alerts and wrap-ups.
type CallView struct {
	Session   CallRow            `json:"session"`
	Turns     []qa.Turn          `json:"turns"`
	Intents   []string           `json:"intents,omitempty"`
	Slots     map[string]string  `json:"slots,omitempty"`
	Sentiment sentiment.Summary  `json:"sentiment"`
	Results   []scorecard.Result `json:"results"`
	Cards     []*scorecard.Card  `json:"cards"`
	Overrides []OverrideView     `json:"overrides"`
	Comments  []Comment          `json:"comments"`
	Alerts    []AlertView        `json:"alerts"`
	Wrapups   []WrapupView       `json:"wrapups"`
	// Recording: the call has a recording to play.
	Recording bool `json:"recording"`
}

// OverrideView is a reviewer's answer, as stored (see
// OverrideRequest.Answer for the answers' form).
type OverrideView struct {
	ID        int64     `json:"id"`
	Scorecard string    `json:"scorecard"`
	Question  string    `json:"question"`
	Answer    string    `json:"answer"`
	Auto      string    `json:"auto"`
	Comment   string    `json:"comment,omitempty"`
	Reviewer  string    `json:"reviewer"`
	At        time.Time `json:"at"`
}

// AlertView is an alert raised on the call.
type AlertView struct {
	ID       string          `json:"id"`
	Rule     string          `json:"rule,omitempty"`
	Kind     string          `json:"kind"`
	Severity string          `json:"severity,omitempty"`
	At       time.Time       `json:"at"`
	Payload  json.RawMessage `json:"payload,omitempty"`
}

// WrapupView is an agent's wrap-up of the call.
type WrapupView struct {
	Agent       string    `json:"agent"`
	Disposition string    `json:"disposition,omitempty"`
	Notes       string    `json:"notes,omitempty"`
	Summary     string    `json:"summary,omitempty"`
	HandleTime  float64   `json:"handle_time"`
	At          time.Time `json:"at"`
}

// Call returns a call's view for the console.
func (s *Service) Call(ctx context.Context, id string) (CallView, error) {
	sess, err := s.st.Session(ctx, id)
	if err != nil {
		return CallView{}, err
	}
	call, err := s.CallFor(ctx, id)
	if err != nil {
		return CallView{}, err
	}
	if s.red != nil {
		call = s.red.Call(call).Call
	}
	v := CallView{Session: s.row(sess), Turns: call.Turns, Intents: call.Intents, Slots: call.Slots,
		Sentiment: sentiment.Summarize(call.Turns), Cards: []*scorecard.Card{}, Alerts: []AlertView{}, Wrapups: []WrapupView{}}
	v.Session.Turns = len(call.Turns)
	if v.Results, err = s.Results(ctx, id); err != nil {
		return v, err
	}
	for _, r := range v.Results {
		if c, err := s.card(ctx, r.Card, r.CardVersion); err == nil {
			v.Cards = append(v.Cards, c)
		}
	}
	ovs, err := s.Overrides(ctx, id)
	if err != nil {
		return v, err
	}
	v.Overrides = make([]OverrideView, 0, len(ovs))
	for _, o := range ovs {
		v.Overrides = append(v.Overrides, OverrideView{ID: o.ID, Scorecard: o.Scorecard, Question: o.QuestionID,
			Answer: o.Answer, Auto: o.Auto, Comment: o.Comment, Reviewer: o.Reviewer, At: o.At})
	}
	if v.Comments, err = s.Comments(ctx, id); err != nil {
		return v, err
	}
	alerts, err := s.st.Alerts(ctx, store.AlertFilter{SessionID: id, Limit: 1000})
	if err != nil {
		return v, err
	}
	v.Session.Alerts = len(alerts)
	for _, a := range alerts {
		av := AlertView{ID: a.ID, Rule: a.Rule, Kind: a.Kind, Severity: a.Severity, At: a.At, Payload: a.Payload}
		if s.red != nil && len(a.Payload) > 0 {
			if p, err := s.red.JSON(a.Payload); err == nil {
				av.Payload = p
			} else {
				av.Payload = nil
			}
		}
		v.Alerts = append(v.Alerts, av)
	}
	ws, err := s.st.Wrapups(ctx, id)
	if err != nil {
		return v, err
	}
	for _, w := range ws {
		v.Wrapups = append(v.Wrapups, WrapupView{Agent: w.AgentID, Disposition: w.Disposition, Notes: s.mask(w.Notes),
			Summary: s.mask(w.Summary), HandleTime: w.HandleTime.Seconds(), At: w.At})
	}
	if _, _, err := Recording(s.recDir, sess.CallID); err == nil {
		v.Recording = true
	} else if !errors.Is(err, ErrNoRecording) {
		return v, err
	}
	return v, nil
}
