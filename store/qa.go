package store

import (
	"context"
	"encoding/json"
	"time"
)

// Scorecard is a QA scorecard's record, versioned like a bot: a draft and
// published versions, one of them active.
type Scorecard struct {
	Name string
	// Draft is the JSON of the scorecard being edited.
	Draft         json.RawMessage
	ActiveVersion int
	LatestVersion int
	UpdatedAt     time.Time
}

// ScorecardVersion is a frozen, published scorecard.
type ScorecardVersion struct {
	Name        string
	Version     int
	Definition  json.RawMessage
	Note        string
	PublishedAt time.Time
}

// QAResult is the automatic evaluation of one session against one
// scorecard version. Saving a result for (SessionID, Scorecard) replaces
// the previous one (a rescore); overrides are kept.
type QAResult struct {
	SessionID string
	Scorecard string
	Version   int
	// Score in percent (0..100).
	Score float64
	// CriticalFailed: a critical question failed the call.
	CriticalFailed bool
	// Result is the JSON of the per-question answers with their evidence.
	Result   json.RawMessage
	ScoredAt time.Time
}

// QAOverride is a reviewer's answer to one question, kept beside the
// automatic one. A later override of the same question is added, not
// replacing: the newest counts.
type QAOverride struct {
	// ID is assigned by AddOverride.
	ID         int64
	SessionID  string
	Scorecard  string
	QuestionID string
	// Answer is the reviewer's answer; Auto the automatic answer it
	// overrides (kept for the agreement rate).
	Answer   string
	Auto     string
	Comment  string
	Reviewer string
	At       time.Time
}

// Alert is a real-time alert raised on a call.
type Alert struct {
	ID        string
	SessionID string
	CallID    string
	Rule      string
	Kind      string
	Severity  string
	At        time.Time
	// Payload is the alert as delivered (redacted).
	Payload json.RawMessage
}

// AlertFilter selects alerts.
type AlertFilter struct {
	SessionID string    // "" for all
	Kind      string    // "" for all
	Since     time.Time // zero for no bound
	Limit     int       // 0: 100
}

// SessionSummary is what QA adds to a session for lists and filters.
// Nil fields are left as they are.
type SessionSummary struct {
	// Sentiment is the caller's overall sentiment in [-1, 1].
	Sentiment *float64
	// Score is the active scorecard's score in percent.
	Score *float64
}

// AnyAlert is the SessionQuery.AlertKind that matches sessions with any
// alert; no alert has this kind.
const AnyAlert = "any"

// SessionQuery selects sessions for the QA console. Zero fields do not
// filter; the filters combine with AND.
type SessionQuery struct {
	// Since (inclusive) and Until (exclusive) bound StartedAt.
	Since, Until time.Time
	Bot          string
	Queue        string // the handoff or assigned queue
	Agent        string
	Outcome      Outcome
	// MinScore, MaxScore bound the session's score, inclusive (sessions
	// without a score are excluded when either is set).
	MinScore, MaxScore *float64
	// MinSentiment, MaxSentiment likewise for the caller's sentiment.
	MinSentiment, MaxSentiment *float64
	// AlertKind: sessions with at least one alert of this kind (AnyAlert,
	// "any", for any alert).
	AlertKind string
	// Text: sessions with a turn (the caller's, bot's or agent's)
	// containing it, whatever the case (Unicode lower-casing: "ÄRGER"
	// finds "ärger"); a plain substring, no pattern.
	Text string
	// Sort: "started_at", "score", "sentiment" or "duration" (from
	// StartedAt to CallEndedAt, or to EndedAt when the call's end is not
	// recorded), ascending, or descending with Desc. Sessions without the
	// key (no score, still open) come last either way; ties go by ID in the
	// same direction. Sort "" is the default view, newest first, whatever
	// Desc says.
	Sort string
	Desc bool
	// Offset and Limit page the result (Limit 0: 50, at most 500).
	Offset, Limit int
}

// SessionRow is one session in a search result.
type SessionRow struct {
	Session
	// Alerts is the number of the session's alerts, of any kind.
	Alerts int
	// Turns is the number of the session's turns.
	Turns int
}

// SessionPage is a page of a session search and the total number of
// matches.
type SessionPage struct {
	Rows  []SessionRow
	Total int
}

// QAStore keeps scorecards, QA results, overrides and alerts, and
// searches sessions for review.
//
// As in ContactStore, writes return ErrInvalid for an empty name or ID
// they need, a zero time given to a write means "now", and JSON values
// must be valid JSON.
type QAStore interface {
	// SaveScorecardDraft creates the scorecard if needed and replaces its
	// draft.
	SaveScorecardDraft(ctx context.Context, name string, draft json.RawMessage) error
	// Scorecard returns a scorecard's record, or ErrNotFound.
	Scorecard(ctx context.Context, name string) (Scorecard, error)
	// Scorecards lists scorecards by name.
	Scorecards(ctx context.Context) ([]Scorecard, error)
	// PublishScorecard freezes def as the next version (1, 2, 3... without
	// gaps, even with concurrent publishers), makes it active and returns
	// its number. A scorecard that does not exist yet is created with def
	// as its draft.
	PublishScorecard(ctx context.Context, name string, def json.RawMessage, note string) (int, error)
	// ScorecardVersion returns a published version, or ErrNotFound
	// (ErrInvalid for a version <= 0).
	ScorecardVersion(ctx context.Context, name string, version int) (ScorecardVersion, error)
	// ScorecardVersions lists a scorecard's versions, oldest first;
	// ErrNotFound for an unknown scorecard.
	ScorecardVersions(ctx context.Context, name string) ([]ScorecardVersion, error)
	// ActivateScorecard makes an existing version active (rollback);
	// ErrNotFound for an unknown scorecard or version.
	ActivateScorecard(ctx context.Context, name string, version int) error

	// SaveQAResult stores or replaces the result of (SessionID, Scorecard);
	// ErrNotFound when the session does not exist, ErrInvalid for a
	// version <= 0, a score outside 0..100 or a Result that is not JSON.
	// It does not change the session's Score (SetSessionSummary does).
	SaveQAResult(ctx context.Context, r QAResult) error
	// QAResults lists a session's results by scorecard name; ErrNotFound
	// for an unknown session.
	QAResults(ctx context.Context, sessionID string) ([]QAResult, error)
	// ScorecardResults lists the results of a scorecard ("" for all) scored
	// at or after since, oldest first, at most limit (0: 1000; at most
	// 10000).
	ScorecardResults(ctx context.Context, scorecard string, since time.Time, limit int) ([]QAResult, error)
	// AddOverride stores a reviewer's answer and returns it with its ID;
	// ErrNotFound when the session does not exist, ErrInvalid for an empty
	// scorecard, question, answer or reviewer.
	AddOverride(ctx context.Context, o QAOverride) (QAOverride, error)
	// Overrides lists a session's overrides ("" for all sessions) of a
	// scorecard ("" for all), oldest first.
	Overrides(ctx context.Context, sessionID, scorecard string) ([]QAOverride, error)

	// SaveAlert stores an alert (ErrConflict for a used ID; ErrInvalid for
	// an empty Kind or the reserved kind "any"). SessionID may be empty (a
	// call without a session) and is not checked.
	SaveAlert(ctx context.Context, a Alert) error
	// Alerts lists alerts, newest first (Limit 0: 100, at most 10000).
	Alerts(ctx context.Context, f AlertFilter) ([]Alert, error)

	// SetTurnSentiment records a stored turn's sentiment (ErrNotFound for
	// an unknown turn; ErrInvalid for a score outside [-1, 1] or a label
	// other than "negative", "neutral", "positive").
	SetTurnSentiment(ctx context.Context, sessionID string, seq int, score float64, label string) error
	// SetSessionSummary records the session's QA summary (ErrNotFound for
	// an unknown session; ErrInvalid for a sentiment outside [-1, 1] or a
	// score outside 0..100).
	SetSessionSummary(ctx context.Context, sessionID string, s SessionSummary) error
	// SearchSessions finds sessions for review: one page of rows and the
	// number of all matches. ErrInvalid for an unknown outcome or sort key,
	// a negative offset or limit, NaN bounds, or a minimum above its
	// maximum (Since after Until).
	SearchSessions(ctx context.Context, q SessionQuery) (SessionPage, error)
}
