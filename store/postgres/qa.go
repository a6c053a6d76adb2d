package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/internal/check"
	"github.com/switchboard-voice/switchboard/store/internal/query"
)

// SaveScorecardDraft creates the scorecard if needed and replaces its
// draft.
func (s *Store) SaveScorecardDraft(ctx context.Context, name string, draft json.RawMessage) error {
	return s.saveDraft(ctx, scorecards, name, draft)
}

// Scorecard returns a scorecard's record, or store.ErrNotFound.
func (s *Store) Scorecard(ctx context.Context, name string) (store.Scorecard, error) {
	b, err := s.record(ctx, scorecards, name)
	return store.Scorecard(b), err
}

// Scorecards lists scorecards by name.
func (s *Store) Scorecards(ctx context.Context) ([]store.Scorecard, error) {
	bs, err := s.records(ctx, scorecards)
	return check.Scorecards(bs), err
}

// PublishScorecard freezes def as the scorecard's next version and makes
// it active. Concurrent publishers queue on the scorecard's row.
func (s *Store) PublishScorecard(ctx context.Context, name string, def json.RawMessage, note string) (int, error) {
	return s.publish(ctx, scorecards, name, def, note)
}

// ScorecardVersion returns a published version, or store.ErrNotFound.
func (s *Store) ScorecardVersion(ctx context.Context, name string, version int) (store.ScorecardVersion, error) {
	v, err := s.version(ctx, scorecards, name, version)
	return check.ScorecardVersion(v), err
}

// ScorecardVersions lists a scorecard's versions, oldest first.
func (s *Store) ScorecardVersions(ctx context.Context, name string) ([]store.ScorecardVersion, error) {
	vs, err := s.versionList(ctx, scorecards, name)
	return check.ScorecardVersions(vs), err
}

// ActivateScorecard makes an existing version active.
func (s *Store) ActivateScorecard(ctx context.Context, name string, version int) error {
	return s.activate(ctx, scorecards, name, version)
}

// SaveQAResult stores or replaces the result of (SessionID, Scorecard).
func (s *Store) SaveQAResult(ctx context.Context, r store.QAResult) error {
	op := fmt.Sprintf("save QA result of session %s on scorecard %s", r.SessionID, r.Scorecard)
	if err := check.QAResult(r); err != nil {
		return s.fail(op, err)
	}
	return s.exec(ctx, op, `
		INSERT INTO qa_results (session_id, scorecard, version, score, critical_failed, result, scored_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (session_id, scorecard) DO UPDATE SET version = excluded.version,
			score = excluded.score, critical_failed = excluded.critical_failed,
			result = excluded.result, scored_at = excluded.scored_at`,
		r.SessionID, r.Scorecard, r.Version, r.Score, r.CriticalFailed, []byte(r.Result), s.stamp(r.ScoredAt))
}

const resultColumns = `session_id, scorecard, version, score, critical_failed, result, scored_at`

func scanResult(row pgx.Row) (store.QAResult, error) {
	var r store.QAResult
	var result []byte
	err := row.Scan(&r.SessionID, &r.Scorecard, &r.Version, &r.Score, &r.CriticalFailed, &result, &r.ScoredAt)
	r.Result = json.RawMessage(result)
	r.ScoredAt = r.ScoredAt.UTC()
	return r, err
}

// QAResults lists a session's results by scorecard name.
func (s *Store) QAResults(ctx context.Context, sessionID string) ([]store.QAResult, error) {
	return children(ctx, s, "list QA results of session "+sessionID, "sessions", "id", sessionID, scanResult,
		`SELECT `+resultColumns+` FROM qa_results WHERE session_id = $1 ORDER BY scorecard`)
}

// ScorecardResults lists the results of a scorecard ("" for all) scored at
// or after since, oldest first.
func (s *Store) ScorecardResults(ctx context.Context, scorecard string, since time.Time, limit int) ([]store.QAResult, error) {
	op := "list QA results of scorecard " + scorecard
	n, err := check.Limit(limit, check.DefaultEvents, check.MaxLimit)
	if err != nil {
		return nil, s.fail(op, err)
	}
	var w query.Where
	w.AddIf(scorecard != "", "scorecard = $?", scorecard)
	w.AddIf(!since.IsZero(), "scored_at >= $?", s.stamp(since))
	return list(ctx, s, op, scanResult, `SELECT `+resultColumns+` FROM qa_results`+w.String()+
		` ORDER BY scored_at, session_id, scorecard LIMIT `+w.Arg(n), w.Args()...)
}

// AddOverride stores a reviewer's answer and returns it with its ID.
func (s *Store) AddOverride(ctx context.Context, o store.QAOverride) (store.QAOverride, error) {
	op := fmt.Sprintf("add override of question %s on session %s", o.QuestionID, o.SessionID)
	if err := check.Override(o); err != nil {
		return store.QAOverride{}, s.fail(op, err)
	}
	o.At = s.stamp(o.At)
	var err error
	o.ID, err = s.insertID(ctx, op, `
		INSERT INTO qa_overrides (session_id, scorecard, question_id, answer, auto, comment, reviewer, at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		o.SessionID, o.Scorecard, o.QuestionID, o.Answer, o.Auto, o.Comment, o.Reviewer, o.At)
	if err != nil {
		return store.QAOverride{}, err
	}
	return o, nil
}

func scanOverride(row pgx.Row) (store.QAOverride, error) {
	var o store.QAOverride
	err := row.Scan(&o.ID, &o.SessionID, &o.Scorecard, &o.QuestionID, &o.Answer, &o.Auto,
		&o.Comment, &o.Reviewer, &o.At)
	o.At = o.At.UTC()
	return o, err
}

// Overrides lists a session's overrides ("" for all sessions) of a
// scorecard ("" for all), oldest first.
func (s *Store) Overrides(ctx context.Context, sessionID, scorecard string) ([]store.QAOverride, error) {
	var w query.Where
	w.AddIf(sessionID != "", "session_id = $?", sessionID)
	w.AddIf(scorecard != "", "scorecard = $?", scorecard)
	return list(ctx, s, "list overrides of session "+sessionID, scanOverride,
		`SELECT id, session_id, scorecard, question_id, answer, auto, comment, reviewer, at
		FROM qa_overrides`+w.String()+` ORDER BY at, id`, w.Args()...)
}

// SaveAlert stores an alert; store.ErrConflict for a used ID.
func (s *Store) SaveAlert(ctx context.Context, a store.Alert) error {
	op := "save alert " + a.ID
	if err := check.Alert(a); err != nil {
		return s.fail(op, err)
	}
	return s.exec(ctx, op, `
		INSERT INTO alerts (id, session_id, call_id, rule, kind, severity, at, payload)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		a.ID, a.SessionID, a.CallID, a.Rule, a.Kind, a.Severity, s.stamp(a.At), nullJSON(a.Payload))
}

func scanAlert(row pgx.Row) (store.Alert, error) {
	var a store.Alert
	var payload []byte
	err := row.Scan(&a.ID, &a.SessionID, &a.CallID, &a.Rule, &a.Kind, &a.Severity, &a.At, &payload)
	a.At = a.At.UTC()
	a.Payload = check.StoredJSON(payload)
	return a, err
}

// Alerts lists alerts, newest first.
func (s *Store) Alerts(ctx context.Context, f store.AlertFilter) ([]store.Alert, error) {
	const op = "list alerts"
	n, err := check.AlertFilter(f)
	if err != nil {
		return nil, s.fail(op, err)
	}
	w := query.AlertFilter(f, func(t time.Time) any { return s.stamp(t) })
	return list(ctx, s, op, scanAlert, `SELECT id, session_id, call_id, rule, kind, severity, at, payload
		FROM alerts`+w.String()+` ORDER BY at DESC, id DESC LIMIT `+w.Arg(n), w.Args()...)
}

// SetTurnSentiment records a stored turn's sentiment.
func (s *Store) SetTurnSentiment(ctx context.Context, sessionID string, seq int, score float64, label string) error {
	op := fmt.Sprintf("set sentiment of turn %d of session %s", seq, sessionID)
	if err := check.TurnSentiment(sessionID, seq, score, label); err != nil {
		return s.fail(op, err)
	}
	return s.update(ctx, op, `
		UPDATE turns SET sentiment = $1, sentiment_label = $2 WHERE session_id = $3 AND seq = $4`,
		score, label, sessionID, seq)
}

// SetSessionSummary records the session's QA summary; nil fields stay.
func (s *Store) SetSessionSummary(ctx context.Context, sessionID string, sum store.SessionSummary) error {
	op := "set QA summary of session " + sessionID
	if err := check.SessionSummary(sessionID, sum); err != nil {
		return s.fail(op, err)
	}
	return s.update(ctx, op, `
		UPDATE sessions SET sentiment = coalesce($1, sentiment), score = coalesce($2, score) WHERE id = $3`,
		sum.Sentiment, sum.Score, sessionID)
}

// SearchSessions finds sessions for review. The count and the page are
// read from one snapshot.
func (s *Store) SearchSessions(ctx context.Context, q store.SessionQuery) (store.SessionPage, error) {
	const op = "search sessions"
	sq, err := query.Sessions(query.Dialect{
		Time:     func(t time.Time) any { return s.stamp(t) },
		Contains: "strpos(lower(%[1]s), lower(%[2]s::text)) > 0",
		Duration: "(coalesce(s.call_ended_at, s.ended_at) - s.started_at)",
	}, q)
	if err != nil {
		return store.SessionPage{}, s.fail(op, err)
	}
	var page store.SessionPage
	err = s.snapshot(ctx, op, func(ctx context.Context, tx pgx.Tx) error {
		count, args := sq.Count()
		if err := tx.QueryRow(ctx, count, args...).Scan(&page.Total); err != nil {
			return err
		}
		rows, args := sq.Page()
		var err error
		page.Rows, err = queryAll(ctx, tx, scanSessionRowCounts, rows, args...)
		return err
	})
	if err != nil {
		return store.SessionPage{}, err
	}
	return page, nil
}

func scanSessionRowCounts(row pgx.Row) (store.SessionRow, error) {
	var r store.SessionRow
	var err error
	r.Session, err = scanSession(row, &r.Turns, &r.Alerts)
	return r, err
}
