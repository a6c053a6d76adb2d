package check

import (
	"math"

	"github.com/switchboard-voice/switchboard/store"
)

// DefaultAlerts is the number of alerts Alerts returns when the filter has
// no limit.
const DefaultAlerts = 100

var sentimentLabels = map[string]bool{"negative": true, "neutral": true, "positive": true}

// finite reports whether v is neither NaN nor infinite.
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// Sentiment checks a sentiment score and its label.
func Sentiment(score float64, label string) error {
	if !finite(score) || score < -1 || score > 1 {
		return invalid("sentiment %v outside [-1, 1]", score)
	}
	if !sentimentLabels[label] {
		return invalid("unknown sentiment label %q", label)
	}
	return nil
}

// Score checks a QA score in percent.
func Score(v float64) error {
	if !finite(v) || v < 0 || v > 100 {
		return invalid("score %v outside 0..100", v)
	}
	return nil
}

// SessionSummary checks the QA summary given to a session.
func SessionSummary(sessionID string, s store.SessionSummary) error {
	if err := Name("session id", sessionID); err != nil {
		return err
	}
	return Summary(s)
}

// Summary checks a session's QA summary; nil fields are not checked.
func Summary(s store.SessionSummary) error {
	if s.Sentiment != nil && (!finite(*s.Sentiment) || *s.Sentiment < -1 || *s.Sentiment > 1) {
		return invalid("session sentiment %v outside [-1, 1]", *s.Sentiment)
	}
	if s.Score != nil {
		return Score(*s.Score)
	}
	return nil
}

// QAResult checks a session's evaluation.
func QAResult(r store.QAResult) error {
	if err := Names("session id", r.SessionID, "scorecard", r.Scorecard); err != nil {
		return err
	}
	if err := Version(r.Version); err != nil {
		return err
	}
	if err := Score(r.Score); err != nil {
		return err
	}
	return JSON("result", r.Result)
}

// Override checks a reviewer's answer.
func Override(o store.QAOverride) error {
	return Names("session id", o.SessionID, "scorecard", o.Scorecard, "question id", o.QuestionID,
		"answer", o.Answer, "reviewer", o.Reviewer)
}

// Alert checks a real-time alert.
func Alert(a store.Alert) error {
	if err := Names("alert id", a.ID, "alert kind", a.Kind); err != nil {
		return err
	}
	if a.Kind == store.AnyAlert {
		return invalid("alert kind %q is reserved for searches", store.AnyAlert)
	}
	return OptionalJSON("payload", a.Payload)
}

// AlertFilter checks an alert filter and returns the limit to use.
func AlertFilter(f store.AlertFilter) (int, error) {
	return Limit(f.Limit, DefaultAlerts, MaxLimit)
}

// Scorecards converts records of the scorecards table, which have a bot's
// shape.
func Scorecards(bs []store.Bot) []store.Scorecard {
	if bs == nil {
		return nil
	}
	out := make([]store.Scorecard, len(bs))
	for i, b := range bs {
		out[i] = store.Scorecard(b)
	}
	return out
}

// ScorecardVersion converts a version of the scorecard_versions table,
// which has a bot version's shape.
func ScorecardVersion(v store.BotVersion) store.ScorecardVersion {
	return store.ScorecardVersion{Name: v.Bot, Version: v.Version, Definition: v.Definition,
		Note: v.Note, PublishedAt: v.PublishedAt}
}

// ScorecardVersions converts a list of versions.
func ScorecardVersions(vs []store.BotVersion) []store.ScorecardVersion {
	if vs == nil {
		return nil
	}
	out := make([]store.ScorecardVersion, len(vs))
	for i, v := range vs {
		out[i] = ScorecardVersion(v)
	}
	return out
}

// TurnSentiment checks the sentiment given to a stored turn.
func TurnSentiment(sessionID string, seq int, score float64, label string) error {
	if err := Name("session id", sessionID); err != nil {
		return err
	}
	if seq < 1 {
		return invalid("turn %d (turns are numbered from 1)", seq)
	}
	return Sentiment(score, label)
}
