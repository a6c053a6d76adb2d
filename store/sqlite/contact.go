package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/internal/check"
	"github.com/switchboard-voice/switchboard/store/internal/query"
)

// definitions names a table of JSON definitions by ID: agents, queues.
type definitions struct{ what, table string }

var (
	agents = definitions{"agent", "agents"}
	queues = definitions{"queue", "queues"}
)

func (d definitions) put(ctx context.Context, s *Store, id string, def json.RawMessage) error {
	op := "put " + d.what + " " + id
	if err := check.Name(d.what+" id", id); err != nil {
		return s.fail(op, err)
	}
	if err := check.Object(d.what+" definition", def); err != nil {
		return s.fail(op, err)
	}
	return s.exec(ctx, op, `
		INSERT INTO `+d.table+` (id, definition, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
		id, string(def), s.stamp(timeZero))
}

func scanDefinition(row scanner) (store.Agent, error) {
	var a store.Agent
	var def, at string
	if err := row.Scan(&a.ID, &def, &at); err != nil {
		return a, err
	}
	a.Definition = json.RawMessage(def)
	var err error
	a.UpdatedAt, err = parseTime(at)
	return a, err
}

func (d definitions) get(ctx context.Context, s *Store, id string) (store.Agent, error) {
	return get(ctx, s, "get "+d.what+" "+id, scanDefinition,
		`SELECT id, definition, updated_at FROM `+d.table+` WHERE id = ?`, id)
}

func (d definitions) list(ctx context.Context, s *Store) ([]store.Agent, error) {
	return list(ctx, s, "list "+d.table, scanDefinition,
		`SELECT id, definition, updated_at FROM `+d.table+` ORDER BY id`)
}

func (d definitions) delete(ctx context.Context, s *Store, id string) error {
	return s.update(ctx, "delete "+d.what+" "+id, `DELETE FROM `+d.table+` WHERE id = ?`, id)
}

// PutAgent creates or replaces an agent.
func (s *Store) PutAgent(ctx context.Context, a store.Agent) error {
	return agents.put(ctx, s, a.ID, a.Definition)
}

// Agent returns one agent, or store.ErrNotFound.
func (s *Store) Agent(ctx context.Context, id string) (store.Agent, error) {
	return agents.get(ctx, s, id)
}

// Agents lists agents by ID.
func (s *Store) Agents(ctx context.Context) ([]store.Agent, error) {
	return agents.list(ctx, s)
}

// DeleteAgent removes an agent; its events stay.
func (s *Store) DeleteAgent(ctx context.Context, id string) error {
	return agents.delete(ctx, s, id)
}

// PutQueue creates or replaces a queue.
func (s *Store) PutQueue(ctx context.Context, q store.Queue) error {
	return queues.put(ctx, s, q.ID, q.Definition)
}

// Queue returns one queue, or store.ErrNotFound.
func (s *Store) Queue(ctx context.Context, id string) (store.Queue, error) {
	a, err := queues.get(ctx, s, id)
	return store.Queue(a), err
}

// Queues lists queues by ID.
func (s *Store) Queues(ctx context.Context) ([]store.Queue, error) {
	as, err := queues.list(ctx, s)
	return check.Queues(as), err
}

// DeleteQueue removes a queue.
func (s *Store) DeleteQueue(ctx context.Context, id string) error {
	return queues.delete(ctx, s, id)
}

// AppendAgentEvent stores an agent's state change and returns it with its
// ID.
func (s *Store) AppendAgentEvent(ctx context.Context, e store.AgentEvent) (store.AgentEvent, error) {
	op := "append event of agent " + e.AgentID
	if err := check.AgentEvent(e); err != nil {
		return store.AgentEvent{}, s.fail(op, err)
	}
	at := s.stamp(e.At)
	e.At, _ = parseTime(at)
	var err error
	e.ID, err = s.insertID(ctx, op, `
		INSERT INTO agent_events (agent_id, state, reason, session_id, node, at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, e.AgentID, e.State, e.Reason, e.SessionID, e.Node, at)
	if err != nil {
		return store.AgentEvent{}, err
	}
	return e, nil
}

func scanAgentEvent(row scanner) (store.AgentEvent, error) {
	var e store.AgentEvent
	var at string
	if err := row.Scan(&e.ID, &e.AgentID, &e.State, &e.Reason, &e.SessionID, &e.Node, &at); err != nil {
		return e, err
	}
	var err error
	e.At, err = parseTime(at)
	return e, err
}

// AgentEvents lists an agent's events ("" for all) at or after since,
// oldest first.
func (s *Store) AgentEvents(ctx context.Context, agentID string, since time.Time, limit int) ([]store.AgentEvent, error) {
	op := "list events of agent " + agentID
	n, err := check.Limit(limit, check.DefaultEvents, check.MaxLimit)
	if err != nil {
		return nil, s.fail(op, err)
	}
	var w query.Where
	w.AddIf(agentID != "", "agent_id = $?", agentID)
	w.AddIf(!since.IsZero(), "at >= $?", s.stamp(since))
	return list(ctx, s, op, scanAgentEvent, `SELECT id, agent_id, state, reason, session_id, node, at
		FROM agent_events`+w.String()+` ORDER BY at, id LIMIT `+w.Arg(n), w.Args()...)
}

// SaveWrapup stores or replaces the wrap-up of (SessionID, AgentID).
func (s *Store) SaveWrapup(ctx context.Context, w store.Wrapup) error {
	op := fmt.Sprintf("save wrap-up of session %s by agent %s", w.SessionID, w.AgentID)
	if err := check.Wrapup(w); err != nil {
		return s.fail(op, err)
	}
	return s.exec(ctx, op, `
		INSERT INTO wrapups (session_id, agent_id, disposition, notes, summary, handle_time_us, at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (session_id, agent_id) DO UPDATE SET disposition = excluded.disposition,
			notes = excluded.notes, summary = excluded.summary,
			handle_time_us = excluded.handle_time_us, at = excluded.at`,
		w.SessionID, w.AgentID, w.Disposition, w.Notes, w.Summary, w.HandleTime.Microseconds(), s.stamp(w.At))
}

func scanWrapup(row scanner) (store.Wrapup, error) {
	var w store.Wrapup
	var us int64
	var at string
	if err := row.Scan(&w.SessionID, &w.AgentID, &w.Disposition, &w.Notes, &w.Summary, &us, &at); err != nil {
		return w, err
	}
	w.HandleTime = time.Duration(us) * time.Microsecond
	var err error
	w.At, err = parseTime(at)
	return w, err
}

// Wrapups lists a session's wrap-ups, oldest first.
func (s *Store) Wrapups(ctx context.Context, sessionID string) ([]store.Wrapup, error) {
	return children(ctx, s, "list wrap-ups of session "+sessionID, "sessions", "id", sessionID, scanWrapup, `
		SELECT session_id, agent_id, disposition, notes, summary, handle_time_us, at
		FROM wrapups WHERE session_id = ? ORDER BY at, agent_id`)
}

// AddFeedback stores a suggestion judgement and returns it with its ID.
func (s *Store) AddFeedback(ctx context.Context, f store.Feedback) (store.Feedback, error) {
	op := "add feedback on session " + f.SessionID
	if err := check.Feedback(f); err != nil {
		return store.Feedback{}, s.fail(op, err)
	}
	at := s.stamp(f.At)
	f.At, _ = parseTime(at)
	var err error
	f.ID, err = s.insertID(ctx, op, `
		INSERT INTO feedback (session_id, agent_id, kind, ref, useful, at)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, f.SessionID, f.AgentID, f.Kind, f.Ref, f.Useful, at)
	if err != nil {
		return store.Feedback{}, err
	}
	return f, nil
}

func scanFeedback(row scanner) (store.Feedback, error) {
	var f store.Feedback
	var at string
	if err := row.Scan(&f.ID, &f.SessionID, &f.AgentID, &f.Kind, &f.Ref, &f.Useful, &at); err != nil {
		return f, err
	}
	var err error
	f.At, err = parseTime(at)
	return f, err
}

// Feedback lists a session's judgements ("" for all), oldest first.
func (s *Store) Feedback(ctx context.Context, sessionID string, limit int) ([]store.Feedback, error) {
	op := "list feedback on session " + sessionID
	n, err := check.Limit(limit, check.DefaultEvents, check.MaxLimit)
	if err != nil {
		return nil, s.fail(op, err)
	}
	var w query.Where
	w.AddIf(sessionID != "", "session_id = $?", sessionID)
	return list(ctx, s, op, scanFeedback, `SELECT id, session_id, agent_id, kind, ref, useful, at
		FROM feedback`+w.String()+` ORDER BY at, id LIMIT `+w.Arg(n), w.Args()...)
}

// AppendAudit stores an audit entry and returns it with its ID.
func (s *Store) AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error) {
	op := "append audit entry " + e.Action + " by " + e.Actor
	if err := check.Audit(e); err != nil {
		return store.AuditEntry{}, s.fail(op, err)
	}
	at := s.stamp(e.At)
	e.At, _ = parseTime(at)
	var err error
	e.ID, err = s.insertID(ctx, op, `
		INSERT INTO audit (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?) RETURNING id`,
		at, e.Actor, e.Action, e.Target, nullJSON(e.Detail))
	if err != nil {
		return store.AuditEntry{}, err
	}
	return e, nil
}

func scanAudit(row scanner) (store.AuditEntry, error) {
	var e store.AuditEntry
	var at string
	var detail sql.NullString
	if err := row.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &detail); err != nil {
		return e, err
	}
	e.Detail = check.StoredJSON([]byte(detail.String))
	var err error
	e.At, err = parseTime(at)
	return e, err
}

// Audit lists entries at or after since, newest first.
func (s *Store) Audit(ctx context.Context, since time.Time, limit int) ([]store.AuditEntry, error) {
	const op = "list audit entries"
	n, err := check.Limit(limit, check.DefaultEvents, check.MaxLimit)
	if err != nil {
		return nil, s.fail(op, err)
	}
	var w query.Where
	w.AddIf(!since.IsZero(), "at >= $?", s.stamp(since))
	return list(ctx, s, op, scanAudit, `SELECT id, at, actor, action, target, detail
		FROM audit`+w.String()+` ORDER BY at DESC, id DESC LIMIT `+w.Arg(n), w.Args()...)
}

// CreateCallback stores a pending callback.
func (s *Store) CreateCallback(ctx context.Context, c store.Callback) error {
	op := "create callback " + c.ID
	if err := check.Callback(c); err != nil {
		return s.fail(op, err)
	}
	return s.exec(ctx, op, `
		INSERT INTO callbacks (id, queue, caller_id, session_id, status, requested_at)
		VALUES (?, ?, ?, ?, ?, ?)`,
		c.ID, c.Queue, c.CallerID, c.SessionID, string(store.CallbackPending), s.stamp(c.RequestedAt))
}

func scanCallback(row scanner) (store.Callback, error) {
	var c store.Callback
	var status, requested string
	var done sql.NullString
	if err := row.Scan(&c.ID, &c.Queue, &c.CallerID, &c.SessionID, &status, &requested, &done); err != nil {
		return c, err
	}
	c.Status = store.CallbackStatus(status)
	var err error
	if c.RequestedAt, err = parseTime(requested); err != nil {
		return c, err
	}
	c.DoneAt, err = parseNullTime(done)
	return c, err
}

// Callbacks lists callbacks with the status ("" for all), oldest request
// first.
func (s *Store) Callbacks(ctx context.Context, status store.CallbackStatus) ([]store.Callback, error) {
	op := "list callbacks"
	if err := check.CallbackStatus(status); err != nil {
		return nil, s.fail(op, err)
	}
	var w query.Where
	w.AddIf(status != "", "status = $?", string(status))
	return list(ctx, s, op, scanCallback, `SELECT id, queue, caller_id, session_id, status, requested_at, done_at
		FROM callbacks`+w.String()+` ORDER BY requested_at, id`, w.Args()...)
}

// SetCallbackStatus moves a pending callback to done or cancelled.
func (s *Store) SetCallbackStatus(ctx context.Context, id string, status store.CallbackStatus, at time.Time) error {
	op := fmt.Sprintf("set callback %s %s", id, status)
	if err := check.CallbackEnd(id, status); err != nil {
		return s.fail(op, err)
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE callbacks SET status = ?, done_at = ? WHERE id = ? AND status = 'pending'`,
			string(status), s.stamp(at), id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var current string
		if err := tx.QueryRowContext(ctx, `SELECT status FROM callbacks WHERE id = ?`, id).Scan(&current); err != nil {
			return err
		}
		return fmt.Errorf("%w: callback is %s, not pending", store.ErrConflict, current)
	})
}

// AssignAgent records the agent who took the session's call and the queue.
func (s *Store) AssignAgent(ctx context.Context, sessionID, agentID, queue string) error {
	op := fmt.Sprintf("assign agent %s to session %s", agentID, sessionID)
	if err := check.Names("session id", sessionID, "agent id", agentID); err != nil {
		return s.fail(op, err)
	}
	return s.update(ctx, op, `UPDATE sessions SET agent_id = ?, queue = ? WHERE id = ?`, agentID, queue, sessionID)
}

// EndCall records when the session's call ended; store.ErrConflict if it
// is recorded already.
func (s *Store) EndCall(ctx context.Context, sessionID string, at time.Time) error {
	op := "end the call of session " + sessionID
	if err := check.Name("session id", sessionID); err != nil {
		return s.fail(op, err)
	}
	return s.tx(ctx, op, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE sessions SET call_ended_at = ? WHERE id = ? AND call_ended_at IS NULL`,
			s.stamp(at), sessionID)
		return onceOnly(ctx, tx, res, err, sessionID, "the call has ended already")
	})
}
