package store

import (
	"context"
	"encoding/json"
	"time"
)

// Agent is a human agent's record. Definition is the JSON of acd.Agent
// (name, login, skills, languages, max calls); the store keeps it as it is.
type Agent struct {
	ID         string
	Definition json.RawMessage
	UpdatedAt  time.Time
}

// Queue is a queue's record. Definition is the JSON of acd.Queue.
type Queue struct {
	ID         string
	Definition json.RawMessage
	UpdatedAt  time.Time
}

// AgentEvent is one change of an agent's state.
type AgentEvent struct {
	// ID is assigned by AppendAgentEvent, increasing.
	ID      int64
	AgentID string
	// State: "offline", "available", "on_call", "wrap_up", "away".
	State string
	// Reason for away ("break", "missed offer"...).
	Reason string
	// SessionID of the call, for on_call and wrap_up.
	SessionID string
	// Node that reported the change.
	Node string
	At   time.Time
}

// Wrapup is what an agent saves after a call: one per session and agent
// (saving again replaces it).
type Wrapup struct {
	SessionID   string
	AgentID     string
	Disposition string
	Notes       string
	// Summary of the call as the agent saved it (after editing the
	// generated one).
	Summary string
	// HandleTime from the agent's answer to the end of wrap-up.
	HandleTime time.Duration
	At         time.Time
}

// Feedback is an agent's judgement of a suggestion.
type Feedback struct {
	// ID is assigned by AddFeedback.
	ID        int64
	SessionID string
	AgentID   string
	// Kind of suggestion: "article", "step", "reply".
	Kind string
	// Ref identifies it: the article ID, the step, or the reply text.
	Ref    string
	Useful bool
	At     time.Time
}

// AuditEntry records a supervisor's or administrator's action.
type AuditEntry struct {
	// ID is assigned by AppendAudit.
	ID    int64
	At    time.Time
	Actor string
	// Action: "listen", "whisper", "barge", "agent.update", ...
	Action string
	// Target: the session, agent or queue acted on.
	Target string
	Detail json.RawMessage
}

// CallbackStatus is where a callback request stands.
type CallbackStatus string

// Callback statuses.
const (
	CallbackPending   CallbackStatus = "pending"
	CallbackDone      CallbackStatus = "done"
	CallbackCancelled CallbackStatus = "cancelled"
)

// Callback is a caller's request, left in a queue instead of waiting, to
// be called back.
type Callback struct {
	ID        string
	Queue     string
	CallerID  string
	SessionID string
	Status    CallbackStatus
	// RequestedAt orders the pending callbacks.
	RequestedAt time.Time
	// DoneAt is zero while pending.
	DoneAt time.Time
}

// ContactStore keeps agents, queues and what happens around human calls.
//
// Methods that create or change a record return ErrInvalid for an empty
// ID they need (agent, queue, session, callback); reads and deletes of an
// empty ID find nothing (ErrNotFound). Every method returns ErrUnavailable
// when the database cannot be reached or the store is closed. A zero time given to a write means "now"; times come back in UTC
// with microsecond precision, as everywhere in the store.
type ContactStore interface {
	// PutAgent creates or replaces an agent (ErrInvalid for an empty ID or
	// a definition that is not a JSON object). UpdatedAt is set to now.
	PutAgent(ctx context.Context, a Agent) error
	// Agent returns one agent, or ErrNotFound.
	Agent(ctx context.Context, id string) (Agent, error)
	// Agents lists agents by ID.
	Agents(ctx context.Context) ([]Agent, error)
	// DeleteAgent removes an agent (ErrNotFound if absent); its events,
	// wrap-ups and assigned sessions stay.
	DeleteAgent(ctx context.Context, id string) error

	// PutQueue, Queue, Queues, DeleteQueue: the same for queues.
	PutQueue(ctx context.Context, q Queue) error
	Queue(ctx context.Context, id string) (Queue, error)
	Queues(ctx context.Context) ([]Queue, error)
	DeleteQueue(ctx context.Context, id string) error

	// AppendAgentEvent stores a state change and returns it with its ID
	// (and At, now when zero). ErrInvalid for an empty AgentID or a State
	// other than "offline", "available", "on_call", "wrap_up", "away". The
	// agent need not be stored (events outlive DeleteAgent).
	AppendAgentEvent(ctx context.Context, e AgentEvent) (AgentEvent, error)
	// AgentEvents lists an agent's events ("" for all agents) at or after
	// since, oldest first (by At, then ID), at most limit (0: 1000; at most
	// 10000; negative is ErrInvalid).
	AgentEvents(ctx context.Context, agentID string, since time.Time, limit int) ([]AgentEvent, error)

	// SaveWrapup stores or replaces the wrap-up of (SessionID, AgentID);
	// ErrNotFound when the session does not exist, ErrInvalid for an empty
	// agent or a negative HandleTime (kept to the microsecond).
	SaveWrapup(ctx context.Context, w Wrapup) error
	// Wrapups lists a session's wrap-ups, oldest first; ErrNotFound for an
	// unknown session.
	Wrapups(ctx context.Context, sessionID string) ([]Wrapup, error)

	// AddFeedback stores a suggestion judgement and returns it with its ID.
	// ErrNotFound when the session does not exist; ErrInvalid for an empty
	// agent or Ref, or a Kind other than "article", "step", "reply".
	AddFeedback(ctx context.Context, f Feedback) (Feedback, error)
	// Feedback lists a session's judgements ("" for all), oldest first, at
	// most limit (0: 1000; at most 10000).
	Feedback(ctx context.Context, sessionID string, limit int) ([]Feedback, error)

	// AppendAudit stores an audit entry and returns it with its ID.
	// ErrInvalid for an empty Actor or Action, or a Detail that is not
	// valid JSON (nil is no detail).
	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	// Audit lists entries at or after since, newest first, at most limit
	// (0: 1000; at most 10000).
	Audit(ctx context.Context, since time.Time, limit int) ([]AuditEntry, error)

	// CreateCallback stores a pending callback (ErrConflict for a used ID;
	// ErrInvalid for an empty Queue or CallerID, or a Status other than ""
	// or pending). SessionID is optional and not checked.
	CreateCallback(ctx context.Context, c Callback) error
	// Callbacks lists callbacks with the status ("" for all), oldest
	// request first.
	Callbacks(ctx context.Context, status CallbackStatus) ([]Callback, error)
	// SetCallbackStatus moves a pending callback to done or cancelled at
	// at (ErrNotFound; ErrConflict when it is not pending; ErrInvalid for
	// another status).
	SetCallbackStatus(ctx context.Context, id string, status CallbackStatus, at time.Time) error

	// AssignAgent records that an agent took the session's call from the
	// queue (the session's AgentID and Queue; a transfer assigns again).
	// ErrNotFound for an unknown session, ErrInvalid for an empty agent;
	// queue may be empty (a direct transfer).
	AssignAgent(ctx context.Context, sessionID, agentID, queue string) error
	// EndCall records when the session's call ended (the session itself
	// may have ended earlier, at the bot's handoff). ErrNotFound for an
	// unknown session; ErrConflict when the call's end is already recorded.
	EndCall(ctx context.Context, sessionID string, at time.Time) error
}
