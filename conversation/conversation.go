// Package conversation runs conversations with bots and records them. It
// sits between a channel (the text API, the chat simulator, later a phone
// call) and the dialogue manager: it picks the engine for a bot's active
// version, keeps the live conversations, and writes every turn to the
// store.
//
// The store may go away mid-conversation. A conversation then carries on:
// its turns are kept in memory and written on the next turn once the
// database is back, so nothing already said is lost.
package conversation

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/nlu/dialog"
	"github.com/switchboard-voice/switchboard/store"
)

// Errors.
var (
	// ErrNoSession: the session is not live (unknown, or ended).
	ErrNoSession = errors.New("conversation: no such live session")
	// ErrNoBot: the bot is not loaded.
	ErrNoBot = errors.New("conversation: no such bot")
)

// EngineSource returns the engine for a bot's active version.
type EngineSource interface {
	Engine(ctx context.Context, bot string) (*dialog.Engine, error)
}

// Manager keeps live conversations.
type Manager struct {
	engines EngineSource
	st      store.Store // may be nil: nothing is recorded
	log     *slog.Logger
	now     func() time.Time
	// OnTurn, when set, is called after each turn (metrics).
	OnTurn func(bot string, r dialog.Reply)
	// Redactor, when set, masks PII (card numbers, phones...) in the
	// turns before they are stored: their text and entities.
	Redactor Redactor
	// Sentiment, when set, scores each caller turn as it is stored (a
	// score in [-1, 1] and its label).
	Sentiment func(text, lang string) (score float64, label string, ok bool)

	mu   sync.Mutex
	live map[string]*Session
}

// New returns a manager. st may be nil.
func New(engines EngineSource, st store.Store, log *slog.Logger) *Manager {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Manager{engines: engines, st: st, log: log, now: time.Now, live: map[string]*Session{}}
}

// Session is a live conversation.
type Session struct {
	mu      sync.Mutex
	Record  store.Session
	conv    *dialog.Conversation
	pending []store.Turn // turns not yet written to the store
	created bool         // the store has the session record
	ended   bool         // the store has the end
	log     *slog.Logger
}

// Turn is one exchange as returned to channels.
type Turn struct {
	SessionID string       `json:"session_id"`
	User      string       `json:"user,omitempty"`
	Reply     dialog.Reply `json:"reply"`
	Done      bool         `json:"done"`
	Outcome   string       `json:"outcome,omitempty"`
	// Stored is false while the database is unavailable; the turn is kept
	// and written later.
	Stored bool `json:"stored"`
}

// NewID returns a random session ID.
func NewID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Start begins a conversation with a bot and returns the greeting.
func (m *Manager) Start(ctx context.Context, bot string, info dialog.Info) (Turn, error) {
	eng, err := m.engines.Engine(ctx, bot)
	if err != nil {
		return Turn{}, err
	}
	if info.SessionID == "" {
		info.SessionID = NewID()
	}
	if info.Channel == "" {
		info.Channel = "text"
	}
	conv, reply := eng.Start(info)
	s := &Session{
		Record: store.Session{
			ID: info.SessionID, Bot: bot, BotVersion: eng.Version(), Channel: info.Channel,
			CallerID: info.CallerID, Language: conv.Language(), StartedAt: m.now().UTC(), CallID: info.CallID,
		},
		conv: conv,
		log:  m.log.With("session_id", info.SessionID, "bot", bot),
	}
	if m.st != nil {
		if err := m.st.CreateSession(ctx, s.Record); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return Turn{}, fmt.Errorf("session %s: %w", info.SessionID, err)
			}
			if !errors.Is(err, store.ErrUnavailable) {
				return Turn{}, err
			}
			// The database is away: serve the caller anyway and create
			// the session record with the first flush.
			s.log.Warn("store unavailable, session kept in memory", "err", err)
		} else {
			s.created = true
		}
	}
	m.mu.Lock()
	if _, dup := m.live[info.SessionID]; dup {
		m.mu.Unlock()
		return Turn{}, fmt.Errorf("session %s: %w", info.SessionID, store.ErrConflict)
	}
	m.live[info.SessionID] = s
	m.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.add(m.prepare(botTurn(s.Record.ID, reply, m.now()), s.Record.Language))
	stored := m.flush(ctx, s)
	return Turn{SessionID: s.Record.ID, Reply: reply, Stored: stored}, nil
}

// Say sends a caller utterance to a live session.
func (m *Manager) Say(ctx context.Context, id, text string) (Turn, error) {
	return m.SayWith(ctx, id, text, Meta{})
}

// Meta is what a voice channel knows about the caller's turn: where it
// lies in the call's audio (and so in its recording) and what recognising
// it took. It is stored with the caller's turn, in its timings.
type Meta struct {
	// Offset of the utterance from the start of the call, and its length.
	Offset, Duration time.Duration
	// Confidence of the transcript (0: unknown).
	Confidence float64
	// Timings of the voice stages ("end_of_turn", "asr"), stored in
	// microseconds beside "offset" and "duration".
	Timings map[string]time.Duration
	// CallStart, when set, is when the call's audio (and recording)
	// began: the bot's reply is stored with its offset from it.
	CallStart time.Time
}

// SayWith is Say with what the channel knows about the turn.
func (m *Manager) SayWith(ctx context.Context, id, text string, meta Meta) (Turn, error) {
	m.mu.Lock()
	s := m.live[id]
	m.mu.Unlock()
	if s == nil {
		return Turn{}, fmt.Errorf("%w: %s", ErrNoSession, id)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conv.Done() {
		return Turn{}, fmt.Errorf("%w: %s has ended", ErrNoSession, id)
	}
	at := m.now()
	reply, err := s.conv.Turn(ctx, text)
	if err != nil {
		return Turn{}, err
	}
	cleaned := reply.Trace
	ents, _ := json.Marshal(cleaned.Entities)
	ct := store.Turn{
		SessionID: id, Speaker: "caller", Text: text, Intent: cleaned.Intent,
		Confidence: cleaned.Confidence, Entities: ents, At: at.UTC(),
	}
	if meta.Offset > 0 || meta.Duration > 0 || len(meta.Timings) > 0 {
		ct.Timings = map[string]int64{"offset": meta.Offset.Microseconds(), "duration": meta.Duration.Microseconds()}
		for k, v := range meta.Timings {
			ct.Timings[k] = v.Microseconds()
		}
	}
	s.add(m.prepare(ct, s.Record.Language))
	bt := botTurn(id, reply, m.now())
	if !meta.CallStart.IsZero() {
		// The reply's audio starts as soon as it is decided (synthesis
		// gives its first audio within milliseconds): place it in the call.
		tm := map[string]int64{"offset": time.Since(meta.CallStart).Microseconds()}
		for k, v := range bt.Timings {
			tm[k] = v
		}
		bt.Timings = tm
	}
	s.add(m.prepare(bt, s.Record.Language))
	t := Turn{SessionID: id, User: text, Reply: reply}
	if s.conv.Done() {
		t.Done, t.Outcome = true, s.conv.Outcome()
		s.Record.Outcome = store.Outcome(t.Outcome)
		s.Record.EndedAt = m.now().UTC()
		if a := reply.Actions[len(reply.Actions)-1]; a.Kind == dialog.ActHandoff {
			s.Record.HandoffQueue, s.Record.HandoffReason = a.Queue, a.Reason
		}
	}
	t.Stored = m.flush(ctx, s)
	if m.OnTurn != nil {
		m.OnTurn(s.Record.Bot, reply)
	}
	if t.Done && t.Stored {
		m.drop(id)
	}
	return t, nil
}

// Hangup ends a live session as abandoned (the caller left).
func (m *Manager) Hangup(ctx context.Context, id string) error {
	m.mu.Lock()
	s := m.live[id]
	m.mu.Unlock()
	if s == nil {
		return fmt.Errorf("%w: %s", ErrNoSession, id)
	}
	s.mu.Lock()
	if s.Record.Outcome == "" {
		s.Record.Outcome = store.OutcomeAbandoned
		s.Record.EndedAt = m.now().UTC()
	}
	ok := m.flush(ctx, s)
	s.mu.Unlock()
	if ok {
		m.drop(id)
	}
	return nil
}

// Live returns the live session with the ID.
func (m *Manager) Live(id string) (*Session, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.live[id]
	return s, ok
}

// Count returns the number of live sessions.
func (m *Manager) Count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.live)
}

// Flush retries writing every live session's pending turns; it returns
// how many sessions still have unwritten data.
func (m *Manager) Flush(ctx context.Context) int {
	m.mu.Lock()
	all := make([]*Session, 0, len(m.live))
	for _, s := range m.live {
		all = append(all, s)
	}
	m.mu.Unlock()
	left := 0
	for _, s := range all {
		s.mu.Lock()
		ok := m.flush(ctx, s)
		done := s.conv.Done() || s.Record.Outcome != ""
		s.mu.Unlock()
		if !ok {
			left++
		} else if done {
			m.drop(s.Record.ID)
		}
	}
	return left
}

func (m *Manager) drop(id string) {
	m.mu.Lock()
	delete(m.live, id)
	m.mu.Unlock()
}

func (s *Session) add(t store.Turn) { s.pending = append(s.pending, t) }

// Redactor masks PII in text and in JSON documents (qa/redact).
type Redactor interface {
	String(text string) string
	JSON(doc []byte) ([]byte, error)
}

// prepare scores and redacts a turn before it is stored.
func (m *Manager) prepare(t store.Turn, lang string) store.Turn {
	if m.Sentiment != nil && t.Speaker == "caller" && t.Text != "" {
		if v, l, ok := m.Sentiment(t.Text, lang); ok {
			t.Sentiment, t.SentimentLabel = v, l
		}
	}
	if m.Redactor != nil {
		t.Text = m.Redactor.String(t.Text)
		if len(t.Entities) > 0 {
			if e, err := m.Redactor.JSON(t.Entities); err == nil {
				t.Entities = e
			}
		}
	}
	return t
}

// flush writes what the store lacks: the session record, pending turns,
// the end. It reports whether everything is stored. s.mu is held.
func (m *Manager) flush(ctx context.Context, s *Session) bool {
	if m.st == nil {
		s.pending = nil
		return true
	}
	if !s.created {
		rec := s.Record
		rec.EndedAt, rec.Outcome, rec.HandoffQueue, rec.HandoffReason = time.Time{}, "", "", ""
		err := m.st.CreateSession(ctx, rec)
		if err != nil && !errors.Is(err, store.ErrConflict) {
			s.log.Warn("store unavailable, session kept in memory", "err", err, "pending", len(s.pending))
			return false
		}
		s.created = true
	}
	if len(s.pending) > 0 {
		if _, err := m.st.AppendTurns(ctx, s.Record.ID, s.pending...); err != nil {
			s.log.Warn("store unavailable, turns kept in memory", "err", err, "pending", len(s.pending))
			return false
		}
		s.pending = nil
	}
	if s.Record.Outcome != "" && !s.ended {
		err := m.st.EndSession(ctx, s.Record.ID, s.Record.Outcome, s.Record.HandoffQueue, s.Record.HandoffReason, s.Record.EndedAt)
		if err != nil && !errors.Is(err, store.ErrConflict) {
			s.log.Warn("store unavailable, session end kept in memory", "err", err)
			return false
		}
		s.ended = true
	}
	return true
}

func botTurn(id string, r dialog.Reply, at time.Time) store.Turn {
	ents, _ := json.Marshal(map[string]any{"slots": r.Trace.Slots, "actions": r.Actions})
	return store.Turn{
		SessionID: id, Speaker: "bot", Text: r.Text(), Intent: r.Trace.Intent,
		Confidence: r.Trace.Confidence, Entities: ents, Action: r.Final(),
		Flow: r.Trace.Flow, Step: r.Trace.Step, Timings: r.Trace.Timings, At: at.UTC(),
	}
}

// Snapshot returns the session record as it stands.
func (s *Session) Snapshot() store.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.Record
}

// Pending returns the turns not yet written to the store.
func (s *Session) Pending() []store.Turn {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]store.Turn(nil), s.pending...)
}

// Expecting says what the live session waits for from the caller.
func (m *Manager) Expecting(id string) (dialog.Expectation, bool) {
	m.mu.Lock()
	s := m.live[id]
	m.mu.Unlock()
	if s == nil {
		return dialog.Expectation{}, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conv.Expecting(), true
}
