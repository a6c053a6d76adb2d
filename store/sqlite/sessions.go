package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/internal/check"
)

// CreateSession stores a new session; store.ErrConflict if the ID exists.
// A zero StartedAt is set to the current time.
func (s *Store) CreateSession(ctx context.Context, ses store.Session) error {
	op := "create session " + ses.ID
	if err := check.Session(ses); err != nil {
		return s.fail(op, err)
	}
	var ended any
	if !ses.EndedAt.IsZero() {
		ended = s.stamp(ses.EndedAt)
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO sessions (id, bot, bot_version, channel, caller_id, language,
				started_at, ended_at, outcome, handoff_queue, handoff_reason, call_id)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			ses.ID, ses.Bot, ses.BotVersion, ses.Channel, ses.CallerID, ses.Language,
			s.stamp(ses.StartedAt), ended, string(ses.Outcome), ses.HandoffQueue, ses.HandoffReason, ses.CallID)
		return err
	})
}

const sessionColumns = `id, bot, bot_version, channel, caller_id, language,
	started_at, ended_at, outcome, handoff_queue, handoff_reason, call_id`

func scanSession(row interface{ Scan(...any) error }) (store.Session, error) {
	var ses store.Session
	var started string
	var ended sql.NullString
	var outcome string
	err := row.Scan(&ses.ID, &ses.Bot, &ses.BotVersion, &ses.Channel, &ses.CallerID, &ses.Language,
		&started, &ended, &outcome, &ses.HandoffQueue, &ses.HandoffReason, &ses.CallID)
	if err != nil {
		return ses, err
	}
	ses.Outcome = store.Outcome(outcome)
	if ses.StartedAt, err = parseTime(started); err != nil {
		return ses, err
	}
	if ended.Valid {
		if ses.EndedAt, err = parseTime(ended.String); err != nil {
			return ses, err
		}
	}
	return ses, nil
}

// Session returns a session, or store.ErrNotFound.
func (s *Store) Session(ctx context.Context, id string) (store.Session, error) {
	op := "get session " + id
	if err := s.live(op); err != nil {
		return store.Session{}, err
	}
	ses, err := scanSession(s.r.QueryRowContext(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = ?`, id))
	if err != nil {
		return store.Session{}, s.fail(op, err)
	}
	return ses, nil
}

// Sessions lists sessions, newest first.
func (s *Store) Sessions(ctx context.Context, f store.SessionFilter) ([]store.Session, error) {
	const op = "list sessions"
	limit, err := check.Filter(f)
	if err != nil {
		return nil, s.fail(op, err)
	}
	if err := s.live(op); err != nil {
		return nil, err
	}
	var where []string
	var args []any
	if f.Bot != "" {
		where = append(where, "bot = ?")
		args = append(args, f.Bot)
	}
	if !f.Since.IsZero() {
		where = append(where, "started_at >= ?")
		args = append(args, s.stamp(f.Since))
	}
	if f.Outcome != "" {
		where = append(where, "outcome = ?")
		args = append(args, string(f.Outcome))
	}
	q := `SELECT ` + sessionColumns + ` FROM sessions`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY started_at DESC, id DESC LIMIT ?"
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	out := []store.Session{}
	for rows.Next() {
		ses, err := scanSession(rows)
		if err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, ses)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
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
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sessions WHERE id = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		return fmt.Errorf("%w: session has ended already", store.ErrConflict)
	})
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
			var entities, tim any
			if len(t.Entities) > 0 {
				entities = string(t.Entities)
			}
			if timings != nil {
				tim = string(timings)
			}
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO turns (session_id, seq, speaker, text, intent, confidence,
					entities, action, flow, step, timings, at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				sessionID, t.Seq, t.Speaker, t.Text, t.Intent, t.Confidence,
				entities, t.Action, t.Flow, t.Step, tim, at); err != nil {
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

// Turns returns a session's turns in order; store.ErrNotFound for an
// unknown session.
func (s *Store) Turns(ctx context.Context, sessionID string) ([]store.Turn, error) {
	op := "list turns of session " + sessionID
	if err := s.live(op); err != nil {
		return nil, err
	}
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sessions WHERE id = ?`, sessionID).Scan(&n); err != nil {
		return nil, s.fail(op, err)
	}
	if n == 0 {
		return nil, s.fail(op, store.ErrNotFound)
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT session_id, seq, speaker, text, intent, confidence, entities, action, flow, step, timings, at
		FROM turns WHERE session_id = ? ORDER BY seq`, sessionID)
	if err != nil {
		return nil, s.fail(op, err)
	}
	defer rows.Close()
	out := []store.Turn{}
	for rows.Next() {
		var t store.Turn
		var entities, timings sql.NullString
		var at string
		if err := rows.Scan(&t.SessionID, &t.Seq, &t.Speaker, &t.Text, &t.Intent, &t.Confidence,
			&entities, &t.Action, &t.Flow, &t.Step, &timings, &at); err != nil {
			return nil, s.fail(op, err)
		}
		t.Entities = check.Entities([]byte(entities.String))
		if t.Timings, err = check.ParseTimings([]byte(timings.String)); err != nil {
			return nil, s.fail(op, err)
		}
		if t.At, err = parseTime(at); err != nil {
			return nil, s.fail(op, err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, s.fail(op, err)
	}
	return out, nil
}
