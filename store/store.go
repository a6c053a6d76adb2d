package store

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Errors returned by every backend. Backends wrap them with %w.
var (
	// ErrNotFound: the bot, version, session, agent, queue, callback,
	// scorecard or turn does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a unique key already exists (a session ID used twice),
	// or the record is past the state the call needs (a session or call
	// ended twice, a callback no longer pending).
	ErrConflict = errors.New("store: conflict")
	// ErrUnavailable: the database cannot be reached or the store is closed.
	ErrUnavailable = errors.New("store: database unavailable")
	// ErrInvalid: the value cannot be stored (empty ID, unknown outcome...).
	ErrInvalid = errors.New("store: invalid value")
)

// Outcome of a conversation.
type Outcome string

// Conversation outcomes. An empty outcome means the session is still open.
const (
	OutcomeResolved  Outcome = "resolved"
	OutcomeHandedOff Outcome = "handed_off"
	OutcomeAbandoned Outcome = "abandoned"
)

// Valid reports whether o is one of the known outcomes.
func (o Outcome) Valid() bool {
	return o == OutcomeResolved || o == OutcomeHandedOff || o == OutcomeAbandoned
}

// Bot is a bot's record: its name, its current draft and which published
// version is active.
type Bot struct {
	Name string
	// Draft is the bot definition being edited (JSON of prompts.Bot).
	Draft json.RawMessage
	// ActiveVersion is the published version new sessions use; 0 when
	// nothing is published yet.
	ActiveVersion int
	// LatestVersion is the highest published version number.
	LatestVersion int
	UpdatedAt     time.Time
}

// BotVersion is a frozen, published bot definition.
type BotVersion struct {
	Bot     string
	Version int
	// Definition is the JSON of prompts.Bot, as published.
	Definition json.RawMessage
	// Note is the publisher's comment.
	Note        string
	PublishedAt time.Time
}

// Session is one conversation with a caller.
type Session struct {
	ID         string
	Bot        string
	BotVersion int // 0 when a draft served it
	// Channel is how the caller came: "text", "sip", "webrtc".
	Channel   string
	CallerID  string
	Language  string
	StartedAt time.Time
	// EndedAt is zero while the session is open.
	EndedAt time.Time
	Outcome Outcome
	// Queue and Reason are set when the session was handed off.
	HandoffQueue  string
	HandoffReason string
	// CallID is the call's ID for voice sessions (the SIP Call-ID or the
	// WebRTC leg's ID): the call's recording is named after it.
	CallID string
	// AgentID and Queue: the human agent who took the call after the
	// handoff, and the queue it was answered from (ContactStore.AssignAgent).
	AgentID string
	Queue   string
	// CallEndedAt is when the call ended (zero while it is up, or for text
	// sessions); EndedAt is when the bot's part ended.
	CallEndedAt time.Time
	// Sentiment (the caller's, overall, in [-1, 1]) and Score (the active
	// scorecard's, in percent) are set by QA (QAStore.SetSessionSummary);
	// nil until then.
	Sentiment *float64
	Score     *float64
}

// Turn is one utterance in a session.
type Turn struct {
	SessionID string
	// Seq numbers the turns of a session from 1; AppendTurns assigns it.
	Seq int
	// Speaker is "caller", "bot" or "agent".
	Speaker    string
	Text       string
	Intent     string
	Confidence float64
	// Entities and Slots are JSON objects (may be nil).
	Entities json.RawMessage
	// Action is "say", "handoff" or "end" for bot turns; "hold" marks a
	// hold (not an utterance), placed in the call by its timings.
	Action string
	// Flow and Step the bot was in after this turn.
	Flow string
	Step string
	// Timings per stage in microseconds ("nlu": 120, "flow": 40...);
	// voice turns also hold "offset" and "duration", their place in the
	// call's recording.
	Timings map[string]int64
	At      time.Time
	// Sentiment of the utterance in [-1, 1] and its label ("negative",
	// "neutral", "positive"); SentimentLabel "" (and Sentiment 0) when not
	// scored. AppendTurns stores them when known at once; QA sets them
	// later with QAStore.SetTurnSentiment.
	Sentiment      float64
	SentimentLabel string
}

// SessionFilter selects sessions to list.
type SessionFilter struct {
	Bot     string    // "" for all bots
	Since   time.Time // zero for no lower bound
	Outcome Outcome   // "" for any
	Limit   int       // 0 for the default (100)
}

// Store is the persistence every part of Switchboard uses. Both backends
// (SQLite, PostgreSQL) pass the same conformance suite in storetest.
// Every method is safe for concurrent use.
type Store interface {
	ContactStore
	QAStore

	// SaveDraft creates the bot if needed and replaces its draft.
	SaveDraft(ctx context.Context, bot string, draft json.RawMessage) error
	// Bot returns a bot's record, or ErrNotFound.
	Bot(ctx context.Context, name string) (Bot, error)
	// Bots lists all bots by name.
	Bots(ctx context.Context) ([]Bot, error)
	// Publish freezes def as the bot's next version, makes it active and
	// returns its number, in one transaction.
	Publish(ctx context.Context, bot string, def json.RawMessage, note string) (int, error)
	// Version returns one published version, or ErrNotFound.
	Version(ctx context.Context, bot string, version int) (BotVersion, error)
	// Versions lists a bot's published versions, oldest first.
	Versions(ctx context.Context, bot string) ([]BotVersion, error)
	// Activate makes an existing version the active one (rollback).
	Activate(ctx context.Context, bot string, version int) error

	// CreateSession stores a new open session; ErrConflict if the ID exists.
	CreateSession(ctx context.Context, s Session) error
	// Session returns a session, or ErrNotFound.
	Session(ctx context.Context, id string) (Session, error)
	// Sessions lists sessions, newest first.
	Sessions(ctx context.Context, f SessionFilter) ([]Session, error)
	// AppendTurns adds turns to a session atomically: all or none. It
	// assigns Seq and returns the turns as stored.
	AppendTurns(ctx context.Context, sessionID string, turns ...Turn) ([]Turn, error)
	// Turns returns a session's turns in order.
	Turns(ctx context.Context, sessionID string) ([]Turn, error)
	// EndSession closes a session with its outcome (and handoff queue and
	// reason when handed off). Ending an ended session is ErrConflict.
	EndSession(ctx context.Context, id string, outcome Outcome, queue, reason string, at time.Time) error

	// Ping checks the database is reachable.
	Ping(ctx context.Context) error
	// Close releases the store; later calls return ErrUnavailable.
	Close() error
}
