package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/internal/check"
	"github.com/switchboard-voice/switchboard/store/internal/query"
)

// CreateSession stores a new session; store.ErrConflict if the ID exists.
// A zero StartedAt is set to the current time.
func (s *Store) CreateSession(ctx context.Context, ses store.Session) error {
	op := "create session " + ses.ID
	if err := check.Session(ses); err != nil {
		return s.fail(op, err)
	}
	return s.exec(ctx, op, `
		INSERT INTO sessions (id, bot, bot_version, channel, caller_id, language,
			started_at, ended_at, outcome, handoff_queue, handoff_reason, call_id,
			agent_id, queue, call_ended_at, sentiment, score)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ses.ID, ses.Bot, ses.BotVersion, ses.Channel, ses.CallerID, ses.Language,
		s.stamp(ses.StartedAt), s.nullTime(ses.EndedAt), string(ses.Outcome), ses.HandoffQueue,
		ses.HandoffReason, ses.CallID, ses.AgentID, ses.Queue, s.nullTime(ses.CallEndedAt),
		ses.Sentiment, ses.Score)
}

// scanSession scans query.SessionColumns and then more, into extra.
func scanSession(row scanner, extra ...any) (store.Session, error) {
	var ses store.Session
	var started string
	var ended, callEnded sql.NullString
	var sentiment, score sql.NullFloat64
	var outcome string
	err := row.Scan(append([]any{&ses.ID, &ses.Bot, &ses.BotVersion, &ses.Channel, &ses.CallerID, &ses.Language,
		&started, &ended, &outcome, &ses.HandoffQueue, &ses.HandoffReason, &ses.CallID,
		&ses.AgentID, &ses.Queue, &callEnded, &sentiment, &score}, extra...)...)
	if err != nil {
		return ses, err
	}
	ses.Outcome = store.Outcome(outcome)
	ses.Sentiment, ses.Score = nullFloat(sentiment), nullFloat(score)
	if ses.StartedAt, err = parseTime(started); err != nil {
		return ses, err
	}
	if ses.EndedAt, err = parseNullTime(ended); err != nil {
		return ses, err
	}
	ses.CallEndedAt, err = parseNullTime(callEnded)
	return ses, err
}

func scanSessionRow(row scanner) (store.Session, error) { return scanSession(row) }

// Session returns a session, or store.ErrNotFound.
func (s *Store) Session(ctx context.Context, id string) (store.Session, error) {
	return get(ctx, s, "get session "+id, scanSessionRow,
		`SELECT `+query.SessionColumns+` FROM sessions s WHERE s.id = ?`, id)
}

// Sessions lists sessions, newest first.
func (s *Store) Sessions(ctx context.Context, f store.SessionFilter) ([]store.Session, error) {
	const op = "list sessions"
	limit, err := check.Filter(f)
	if err != nil {
		return nil, s.fail(op, err)
	}
	w := query.SessionFilter(f, func(t time.Time) any { return s.stamp(t) })
	return list(ctx, s, op, scanSessionRow, `SELECT `+query.SessionColumns+` FROM sessions s`+w.String()+
		` ORDER BY s.started_at DESC, s.id DESC LIMIT `+w.Arg(limit), w.Args()...)
}

// EndSession closes an open session; store.ErrConflict if it has ended
// already. A zero at is the current time.
func (s *Store) EndSession(ctx context.Context, id string, outcome store.Outcome, queue, reason string, at time.Time) error {
	op := "end session " + id
	if err := check.Name("session id", id); err != nil {
		return s.fail(op, err)
	}
	if err := check.Outcome(outcome); err != nil {
		return s.fail(op, err)
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE sessions SET ended_at = ?, outcome = ?, handoff_queue = ?, handoff_reason = ?
			WHERE id = ? AND outcome = ''`,
			s.stamp(at), string(outcome), queue, reason, id)
		return onceOnly(ctx, tx, res, err, id, "session has ended already")
	})
}

// onceOnly completes a conditional UPDATE of session id that may happen
// once: no row changed is store.ErrNotFound for an unknown session, else
// store.ErrConflict (done already).
func onceOnly(ctx context.Context, tx *sql.Tx, res sql.Result, err error, id, done string) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	if err := exists(ctx, tx, "sessions", "id", id); err != nil {
		return err
	}
	return fmt.Errorf("%w: %s", store.ErrConflict, done)
}

// AppendTurns adds turns to a session in one transaction, numbering them
// after the session's last turn; all or none are stored.
func (s *Store) AppendTurns(ctx context.Context, sessionID string, turns ...store.Turn) ([]store.Turn, error) {
	op := "append turns to session " + sessionID
	if err := check.Name("session id", sessionID); err != nil {
		return nil, s.fail(op, err)
	}
	if len(turns) == 0 {
		return []store.Turn{}, s.live(op)
	}
	out := make([]store.Turn, 0, len(turns))
	err := s.tx(ctx, op, func(tx *sql.Tx) error {
		out = out[:0]
		var last int
		err := tx.QueryRowContext(ctx, `
			UPDATE sessions SET last_seq = last_seq + ? WHERE id = ? RETURNING last_seq`,
			len(turns), sessionID).Scan(&last)
		if err != nil {
			return err
		}
		first := last - len(turns) + 1
		for i, t := range turns {
			// Each turn is checked as it is written, so a bad turn aborts
			// a transaction that has stored the ones before it.
			if err := check.Turn(sessionID, i, t); err != nil {
				return err
			}
			timings, err := check.Timings(t.Timings)
			if err != nil {
				return err
			}
			t.SessionID, t.Seq = sessionID, first+i
			at := s.stamp(t.At)
			t.At, _ = parseTime(at)
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO turns (session_id, seq, speaker, text, intent, confidence,
					entities, action, flow, step, timings, at, sentiment, sentiment_label)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				sessionID, t.Seq, t.Speaker, t.Text, t.Intent, t.Confidence,
				nullJSON(t.Entities), t.Action, t.Flow, t.Step, nullJSON(timings), at,
				t.Sentiment, t.SentimentLabel); err != nil {
				return err
			}
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func scanTurn(row scanner) (store.Turn, error) {
	var t store.Turn
	var entities, timings sql.NullString
	var at string
	if err := row.Scan(&t.SessionID, &t.Seq, &t.Speaker, &t.Text, &t.Intent, &t.Confidence,
		&entities, &t.Action, &t.Flow, &t.Step, &timings, &at, &t.Sentiment, &t.SentimentLabel); err != nil {
		return t, err
	}
	t.Entities = check.StoredJSON([]byte(entities.String))
	var err error
	if t.Timings, err = check.ParseTimings([]byte(timings.String)); err != nil {
		return t, err
	}
	t.At, err = parseTime(at)
	return t, err
}

// Turns returns a session's turns in order; store.ErrNotFound for an
// unknown session.
func (s *Store) Turns(ctx context.Context, sessionID string) ([]store.Turn, error) {
	return children(ctx, s, "list turns of session "+sessionID, "sessions", "id", sessionID, scanTurn, `
		SELECT session_id, seq, speaker, text, intent, confidence, entities, action, flow, step,
			timings, at, sentiment, sentiment_label
		FROM turns WHERE session_id = ? ORDER BY seq`)
}
