package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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
	var ended *time.Time
	if !ses.EndedAt.IsZero() {
		t := s.stamp(ses.EndedAt)
		ended = &t
	}
	return s.write(ctx, op, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `
			INSERT INTO sessions (id, bot, bot_version, channel, caller_id, language,
				started_at, ended_at, outcome, handoff_queue, handoff_reason, call_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			ses.ID, ses.Bot, ses.BotVersion, ses.Channel, ses.CallerID, ses.Language,
			s.stamp(ses.StartedAt), ended, string(ses.Outcome), ses.HandoffQueue, ses.HandoffReason, ses.CallID)
		return err
	})
}

const sessionColumns = `id, bot, bot_version, channel, caller_id, language,
	started_at, ended_at, outcome, handoff_queue, handoff_reason, call_id`

func scanSession(row pgx.Row) (store.Session, error) {
	var ses store.Session
	var ended *time.Time
	var outcome string
	err := row.Scan(&ses.ID, &ses.Bot, &ses.BotVersion, &ses.Channel, &ses.CallerID, &ses.Language,
		&ses.StartedAt, &ended, &outcome, &ses.HandoffQueue, &ses.HandoffReason, &ses.CallID)
	ses.Outcome = store.Outcome(outcome)
	ses.StartedAt = ses.StartedAt.UTC()
	if ended != nil {
		ses.EndedAt = ended.UTC()
	}
	return ses, err
}

// Session returns a session, or store.ErrNotFound.
func (s *Store) Session(ctx context.Context, id string) (store.Session, error) {
	var ses store.Session
	err := s.read(ctx, "get session "+id, func(ctx context.Context, c *pgxpool.Conn) error {
		var err error
		ses, err = scanSession(c.QueryRow(ctx, `SELECT `+sessionColumns+` FROM sessions WHERE id = $1`, id))
		return err
	})
	if err != nil {
		return store.Session{}, err
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
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if f.Bot != "" {
		where = append(where, "bot = "+arg(f.Bot))
	}
	if !f.Since.IsZero() {
		where = append(where, "started_at >= "+arg(s.stamp(f.Since)))
	}
	if f.Outcome != "" {
		where = append(where, "outcome = "+arg(string(f.Outcome)))
	}
	q := `SELECT ` + sessionColumns + ` FROM sessions`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY started_at DESC, id DESC LIMIT " + arg(limit)
	var out []store.Session
	err = s.read(ctx, op, func(ctx context.Context, c *pgxpool.Conn) error {
		rows, err := c.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanSession)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []store.Session{}
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
	at = s.stamp(at)
	return s.write(ctx, op, func(ctx context.Context, tx pgx.Tx) error {
		// Lock the row first so the "ended already" check sees the winner
		// of two concurrent EndSession calls.
		var current string
		err := tx.QueryRow(ctx, `SELECT outcome FROM sessions WHERE id = $1 FOR UPDATE`, id).Scan(&current)
		if err != nil {
			return err
		}
		if current != "" {
			return fmt.Errorf("%w: session has ended already (%s)", store.ErrConflict, current)
		}
		_, err = tx.Exec(ctx, `
			UPDATE sessions SET ended_at = $1, outcome = $2, handoff_queue = $3, handoff_reason = $4
			WHERE id = $5`, at, string(outcome), queue, reason, id)
		return err
	})
}

// AppendTurns adds turns to a session in one transaction, numbering them
// after the session's last turn; all or none are stored. Concurrent
// appenders to one session queue on the session's row.
func (s *Store) AppendTurns(ctx context.Context, sessionID string, turns ...store.Turn) ([]store.Turn, error) {
	op := "append turns to session " + sessionID
	if err := check.Name("session id", sessionID); err != nil {
		return nil, s.fail(op, err)
	}
	if len(turns) == 0 {
		if s.closed.Load() {
			return nil, s.fail(op, store.ErrUnavailable)
		}
		return []store.Turn{}, nil
	}
	out := make([]store.Turn, 0, len(turns))
	err := s.write(ctx, op, func(ctx context.Context, tx pgx.Tx) error {
		out = out[:0]
		var last int
		err := tx.QueryRow(ctx, `
			UPDATE sessions SET last_seq = last_seq + $1 WHERE id = $2 RETURNING last_seq`,
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
			t.SessionID, t.Seq, t.At = sessionID, first+i, s.stamp(t.At)
			var entities []byte
			if len(t.Entities) > 0 {
				entities = t.Entities
			}
			if _, err := tx.Exec(ctx, `
				INSERT INTO turns (session_id, seq, speaker, text, intent, confidence,
					entities, action, flow, step, timings, at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
				sessionID, t.Seq, t.Speaker, t.Text, t.Intent, t.Confidence,
				entities, t.Action, t.Flow, t.Step, timings, t.At); err != nil {
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
	var out []store.Turn
	err := s.read(ctx, "list turns of session "+sessionID, func(ctx context.Context, c *pgxpool.Conn) error {
		var n int
		if err := c.QueryRow(ctx, `SELECT count(*) FROM sessions WHERE id = $1`, sessionID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return store.ErrNotFound
		}
		rows, err := c.Query(ctx, `
			SELECT session_id, seq, speaker, text, intent, confidence, entities, action, flow, step, timings, at
			FROM turns WHERE session_id = $1 ORDER BY seq`, sessionID)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Turn, error) {
			var t store.Turn
			var entities, timings []byte
			if err := row.Scan(&t.SessionID, &t.Seq, &t.Speaker, &t.Text, &t.Intent, &t.Confidence,
				&entities, &t.Action, &t.Flow, &t.Step, &timings, &t.At); err != nil {
				return t, err
			}
			t.At = t.At.UTC()
			t.Entities = check.Entities(entities)
			var err error
			t.Timings, err = check.ParseTimings(timings)
			return t, err
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []store.Turn{}
	}
	return out, nil
}
