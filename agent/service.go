// Package agent puts human agents on calls. A caller handed off by the
// voicebot (or dialled into a queue) waits in an acd queue hearing music
// and announcements; the agent chosen by the router is offered the call on
// their desktop (or their SIP phone rings), accepts, and the caller's leg
// is bridged to the agent's (media/bridge). While they talk both sides are
// transcribed live (assist.Transcriber), suggestions refreshed, and the
// agent controls the call: hold, mute, DTMF, blind or warm transfer,
// conference, hang-up, wrap-up. Supervisors listen in, whisper or barge
// in. Everything the desktops see goes out through a Publisher (the
// events bus in production), so a desktop may be connected to any node.
package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/assist"
	"github.com/switchboard-voice/switchboard/events"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/tts"
)

// Errors.
var (
	// ErrNoCall: no live call with this ID (on this node).
	ErrNoCall = errors.New("agent: no such call")
	// ErrNotYours: the call is not the agent's.
	ErrNotYours = errors.New("agent: not your call")
	// ErrBadRequest: a command's arguments are wrong (names the problem).
	ErrBadRequest = errors.New("agent: bad request")
	// ErrBusy: the target of a transfer cannot take it now.
	ErrBusy = errors.New("agent: target busy")
	// ErrNoMedia: the agent's audio did not connect in time.
	ErrNoMedia = errors.New("agent: agent audio did not connect")
	// ErrClosed: the service is shutting down.
	ErrClosed = errors.New("agent: closed")
	// ErrAuth: wrong login or password.
	ErrAuth = errors.New("agent: wrong login or password")
)

// Channels of the desktops.
const (
	// Supervisors is the channel every supervisor's wallboard reads.
	Supervisors = "supervisors"
)

// AgentChannel is the desktop channel of an agent.
func AgentChannel(id string) string { return "agent." + id }

// Publisher sends an event to the desktops of a channel, wherever they are
// connected (the events bus fans it out to every node's assist.Hub).
type Publisher interface {
	Publish(channel, typ string, data any)
}

// PublisherFunc adapts a function.
type PublisherFunc func(channel, typ string, data any)

// Publish calls fn.
func (fn PublisherFunc) Publish(channel, typ string, data any) { fn(channel, typ, data) }

// Speech gives the recognisers (live transcripts) and synthesisers (queue
// announcements) for a bot and language; voicebot's speech set-up
// satisfies it.
type Speech interface {
	Recognizer(ctx context.Context, bot string, version int, lang string) (asr.Recognizer, error)
	Synthesizer(ctx context.Context, bot, lang string) (tts.Synthesizer, error)
}

// Suggester computes suggestions for a call after each caller utterance
// (assist.Assistant).
type Suggester interface {
	Suggest(ctx context.Context, r assist.SuggestRequest) (assist.Suggestions, error)
}

// Summarizer writes the after-call summary the agent edits.
type Summarizer interface {
	Summarize(ctx context.Context, r assist.SummaryRequest) (string, error)
}

// Observer watches human calls: QA (sentiment, alerts) and metrics. Its
// methods must not block.
type Observer interface {
	// CallStarted: the agent took the call.
	CallStarted(c CallInfo)
	// Segment: a final utterance, with its sentiment when scored.
	Segment(c CallInfo, s assist.Segment, sentiment *float64)
	// Activity: a speaker started or stopped talking; Hold: on or off.
	Activity(c CallInfo, speaker string, speaking bool)
	Hold(c CallInfo, on bool)
	// CallEnded: the call is over (its turns are stored).
	CallEnded(c CallInfo)
}

// CallInfo identifies a call for observers.
type CallInfo struct {
	CallID    string
	SessionID string
	Bot       string
	Queue     string
	AgentID   string
	CallerID  string
	StartedAt time.Time
}

// CustomerInfo is what the customer system knows of a caller.
type CustomerInfo struct {
	Attributes map[string]string `json:"attributes"`
	Tickets    []assist.Ticket   `json:"tickets"`
}

// Sentimenter scores an utterance in [-1, 1] (nil when it cannot).
type Sentimenter func(ctx context.Context, text, lang string) *float64

// Store is what the service keeps: sessions and turns of the calls,
// agents' state history, wrap-ups, suggestion feedback, audit entries and
// callbacks.
type Store interface {
	CreateSession(ctx context.Context, s store.Session) error
	Session(ctx context.Context, id string) (store.Session, error)
	Sessions(ctx context.Context, f store.SessionFilter) ([]store.Session, error)
	AppendTurns(ctx context.Context, sessionID string, turns ...store.Turn) ([]store.Turn, error)
	Turns(ctx context.Context, sessionID string) ([]store.Turn, error)
	EndSession(ctx context.Context, id string, outcome store.Outcome, queue, reason string, at time.Time) error
	AppendAgentEvent(ctx context.Context, e store.AgentEvent) (store.AgentEvent, error)
	SaveWrapup(ctx context.Context, w store.Wrapup) error
	Wrapups(ctx context.Context, sessionID string) ([]store.Wrapup, error)
	AddFeedback(ctx context.Context, f store.Feedback) (store.Feedback, error)
	AppendAudit(ctx context.Context, e store.AuditEntry) (store.AuditEntry, error)
	CreateCallback(ctx context.Context, c store.Callback) error
	Callbacks(ctx context.Context, status store.CallbackStatus) ([]store.Callback, error)
	AssignAgent(ctx context.Context, sessionID, agentID, queue string) error
	PutAgent(ctx context.Context, a store.Agent) error
	Agents(ctx context.Context) ([]store.Agent, error)
	DeleteAgent(ctx context.Context, id string) error
	PutQueue(ctx context.Context, q store.Queue) error
	Queues(ctx context.Context) ([]store.Queue, error)
	DeleteQueue(ctx context.Context, id string) error
	EndCall(ctx context.Context, sessionID string, at time.Time) error
}

// Config configures the service.
type Config struct {
	// Router is the call distributor: Local(r) on the node that runs it,
	// Remote(bus) on the others.
	Router Router
	// Events, on the node that runs the router, is that router: its
	// offers and state changes become desktop events (and the wallboard
	// is published from there).
	Events *acd.Router
	// Bus, when set, lets desktops connected to other nodes control the
	// calls of this one (and this node's desktops theirs).
	Bus events.Bus
	// Recent returns the desktop events a channel received lately on
	// this node (assist.Hub.Recent): calls held by other nodes are
	// rebuilt from them for a desktop that resyncs.
	Recent func(channel string) []assist.Event
	Store  Store
	// Publisher sends desktop events.
	Publisher Publisher
	Speech    Speech
	// Suggester, Summarizer, Observer and Sentiment are optional.
	Suggester  Suggester
	Summarizer Summarizer
	Observer   Observer
	Sentiment  Sentimenter
	// Lookup finds the caller in the customer system (a webhook): their
	// attributes (vip, tier, name: routing priority and the desktop) and
	// open tickets. Nil: none. Errors and slow answers (over a second)
	// leave the caller unknown; the call goes on.
	Lookup func(ctx context.Context, callerID string) (CustomerInfo, error)
	// Redact masks PII (card numbers...) in transcript text before it is
	// shown, stored or scored; nil leaves it.
	Redact func(string) string
	// Passwords checks agent and supervisor logins (login → password);
	// nil: no logins.
	Passwords func(login string) (agentID, password string, supervisor bool, ok bool)
	// MediaURL is the URL prefix of this node's WHIP endpoint as the
	// agents' browsers reach it ("" → "/whip/", same origin).
	MediaURL string
	// Node names this node in events and logs.
	Node string
	// Language of announcements when the caller's is unknown (default en).
	Language string
	// Music on hold, 8 kHz mono PCM (nil: a soft generated tune).
	Music []int16
	// Dispositions the agent chooses from at wrap-up.
	Dispositions []string
	// MediaTimeout is how long the agent's audio may take to connect
	// after accepting (default 15 s).
	MediaTimeout time.Duration
	// External transfers a caller's leg to a number outside (SIP REFER
	// or a trunk call); nil: transfers to numbers are refused.
	External func(ctx context.Context, leg media.Leg, number string) error
	// RingPhone rings an agent's SIP phone for an offer and returns its
	// leg once answered; nil: agents answer in the browser only.
	RingPhone func(ctx context.Context, endpoint string) (media.Leg, error)
	Logger    *slog.Logger
}

// Service runs the human side of calls on this node.
type Service struct {
	cfg Config
	log *slog.Logger
	ctx context.Context
	cnl context.CancelFunc
	wg  sync.WaitGroup

	mu      sync.Mutex
	calls   map[string]*call      // live calls by ID
	waiting map[string]*mediaSlot // WHIP tokens → the leg a call waits for
	offers  map[string]offerInfo  // pending offers by ID (for offer.gone)
	ringing map[string]context.CancelFunc
	wraps   map[string]wrapState // calls awaiting wrap-up by agent
	// callSubs answer other nodes' commands for this node's calls.
	callSubs map[string]events.Subscription
	closed   bool
	phone    func(ctx context.Context, endpoint string) (media.Leg, error)
	external func(ctx context.Context, leg media.Leg, number string) error
}

// SetExternal sets how callers are transferred to numbers outside
// (Config.External), for a SIP endpoint started after the service.
func (s *Service) SetExternal(fn func(ctx context.Context, leg media.Leg, number string) error) {
	s.mu.Lock()
	s.external = fn
	s.mu.Unlock()
}

// SetPhones sets how agents' SIP phones are rung (Config.RingPhone), for
// a SIP endpoint started after the service.
func (s *Service) SetPhones(ring func(ctx context.Context, endpoint string) (media.Leg, error)) {
	s.mu.Lock()
	s.phone = ring
	s.mu.Unlock()
}

type offerInfo struct {
	agentID, callID string
}

// New starts the service: it follows the router's events to ring agents
// and keep desktops and wallboards up to date.
func New(cfg Config) (*Service, error) {
	if cfg.Router == nil || cfg.Store == nil || cfg.Publisher == nil {
		return nil, errors.New("agent: Router, Store and Publisher are required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Language == "" {
		cfg.Language = "en"
	}
	if cfg.MediaURL == "" {
		cfg.MediaURL = "/whip/"
	}
	if cfg.MediaTimeout <= 0 {
		cfg.MediaTimeout = 15 * time.Second
	}
	if len(cfg.Dispositions) == 0 {
		cfg.Dispositions = DefaultDispositions
	}
	if cfg.Music == nil {
		cfg.Music = defaultMusic()
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Service{cfg: cfg, log: cfg.Logger, ctx: ctx, cnl: cancel, phone: cfg.RingPhone, external: cfg.External,
		calls: map[string]*call{}, waiting: map[string]*mediaSlot{}, offers: map[string]offerInfo{}, ringing: map[string]context.CancelFunc{},
		callSubs: map[string]events.Subscription{}}
	if cfg.Events != nil {
		sub := cfg.Events.Subscribe(4096)
		s.wg.Add(2)
		go s.follow(sub)
		go s.wallboard()
	}
	return s, nil
}

// DefaultDispositions are the wrap-up codes when none are configured.
var DefaultDispositions = []string{"resolved", "follow-up needed", "escalated", "callback scheduled", "complaint logged", "wrong number", "no answer needed"}

// Close ends the service's goroutines; calls in progress are hung up.
func (s *Service) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	calls := make([]*call, 0, len(s.calls))
	for _, c := range s.calls {
		calls = append(calls, c)
	}
	s.mu.Unlock()
	s.cnl()
	for _, c := range calls {
		c.hangupCaller()
	}
	s.wg.Wait()
	return nil
}

// call returns a live call.
func (s *Service) call(id string) (*call, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls[id]
	if c == nil {
		return nil, fmt.Errorf("%w: %s", ErrNoCall, id)
	}
	return c, nil
}

func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

// publish sends an event to a channel.
func (s *Service) publish(ch, typ string, data any) {
	s.cfg.Publisher.Publish(ch, typ, data)
}

// agentState turns the router's status into the desktop's view.
func agentState(st acd.AgentStatus) assist.AgentState {
	return assist.AgentState{AgentID: st.ID, Name: st.Name, State: st.State.String(), Reason: st.Reason, Since: st.Since, Calls: st.Calls}
}

// follow turns router events into desktop events and rings SIP phones.
func (s *Service) follow(sub *acd.Subscription) {
	defer s.wg.Done()
	defer sub.Close()
	for {
		select {
		case <-s.ctx.Done():
			return
		case ev, ok := <-sub.C():
			if !ok {
				return
			}
			s.onRouterEvent(ev)
		}
	}
}

func (s *Service) onRouterEvent(ev acd.Event) {
	switch ev.Kind {
	case acd.AgentState:
		if ev.Agent != nil {
			st := agentState(*ev.Agent)
			s.publish(AgentChannel(ev.AgentID), "agent.state", st)
			s.publish(Supervisors, "agent.state", st)
			s.storeAgentEvent(*ev.Agent)
		}
	case acd.ContactOffered:
		if ev.Offer == nil {
			return
		}
		o := *ev.Offer
		view := s.offerView(o)
		s.mu.Lock()
		s.offers[o.ID] = offerInfo{agentID: o.AgentID, callID: o.Contact.ID}
		s.mu.Unlock()
		s.publish(AgentChannel(o.AgentID), "offer", view)
		s.ringPhone(o)
	case acd.ContactAccepted, acd.ContactRejected, acd.ContactMissed, acd.OfferWithdrawn,
		acd.ContactAbandoned, acd.ContactCallbackRequested, acd.ContactDequeued, acd.ContactTimedOut:
		if ev.OfferID == "" {
			return
		}
		s.mu.Lock()
		info, ok := s.offers[ev.OfferID]
		delete(s.offers, ev.OfferID)
		stop := s.ringing[ev.OfferID]
		delete(s.ringing, ev.OfferID)
		s.mu.Unlock()
		if stop != nil && ev.Kind != acd.ContactAccepted {
			stop()
		}
		if ok && ev.Kind != acd.ContactAccepted {
			reason := ev.Reason
			if reason == "" {
				reason = ev.Kind.String()
			}
			s.publish(AgentChannel(info.agentID), "offer.gone", assist.OfferGone{OfferID: ev.OfferID, Reason: reason})
		}
	}
}

func (s *Service) storeAgentEvent(st acd.AgentStatus) {
	e := store.AgentEvent{AgentID: st.ID, State: st.State.String(), Reason: st.Reason, Node: s.cfg.Node, At: st.Since}
	if len(st.Calls) > 0 {
		e.SessionID = st.Calls[0]
	}
	ctx, cancel := context.WithTimeout(s.ctx, 5*time.Second)
	defer cancel()
	if _, err := s.cfg.Store.AppendAgentEvent(ctx, e); err != nil && !errors.Is(err, context.Canceled) {
		s.log.Warn("agent event not stored", "agent", st.ID, "err", err)
	}
}
