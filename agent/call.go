package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
	"github.com/switchboard-voice/switchboard/assist"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/bridge"
	"github.com/switchboard-voice/switchboard/store"
)

// Caller is a caller to put into a queue.
type Caller struct {
	Leg   media.Leg
	Queue string
	// SessionID of the bot conversation that handed off; "" starts a new
	// session for the call.
	SessionID string
	CallerID  string
	Language  string
	// Bot (and its version) that handed off: the live transcripts use its
	// speech model, the suggestions its knowledge and flows.
	Bot        string
	BotVersion int
	// CallStart is when the caller's call began: transcript offsets count
	// from it, as the recording does (zero: now).
	CallStart time.Time
	// Reason, Summary, Slots and Intents: the bot's handoff.
	Reason  string
	Summary string
	Slots   map[string]string
	Intents []string
	// Attributes (vip, tier...) and Priority for routing.
	Attributes map[string]string
	Priority   int
	// Agent, when set, routes the call to this agent only.
	Agent string
}

// offerPayload travels with the contact through the router (so the node
// that rings the agent need not be the caller's).
type offerPayload struct {
	CallID   string          `json:"call_id"`
	Handoff  assist.Handoff  `json:"handoff"`
	Customer assist.Customer `json:"customer"`
	// Consult: the contact is a warm transfer or conference request from
	// another agent (ConsultFrom), not a waiting caller.
	Consult     string `json:"consult,omitempty"`
	ConsultFrom string `json:"consult_from,omitempty"`
}

// seat is an agent (or a consulted one) in the call.
type seat struct {
	agentID   string
	contactID string
	// role: agent, consult, conference.
	role     string
	slot     *mediaSlot
	reslot   *mediaSlot // a pending reconnection of the agent's audio
	leg      media.Leg
	tr       *assist.Transcriber
	answered time.Time
	// left is closed when the seat's leg leaves the bridge.
	left chan struct{}
}

// call is one caller's call on this node, from the queue to the end.
type call struct {
	s        *Service
	id       string
	in       Caller
	log      *slog.Logger
	handoff  assist.Handoff
	customer assist.Customer
	tickets  []assist.Ticket
	started  time.Time

	joinMu     sync.Mutex // serialises joining the bridge
	mu         sync.Mutex
	queue      string
	contactID  string
	ticket     Ticket
	agentID    string // the agent who has the call
	seats      map[string]*seat
	b          *bridge.Bridge
	callerTr   *assist.Transcriber
	uttBase    int // caller utterances transcribed before the current bridge
	hold       bool
	holdFrom   time.Duration
	holds      [][2]time.Duration
	muted      bool
	consulting string
	transcript []assist.Segment
	sentiments []float64
	steps      map[string]bool
	sugg       *assist.Suggestions
	monitors   map[string]string // supervisor → mode
	monURL     map[string]string // supervisor → media URL
	ended      bool
	// next tells the call loop what to do after the agent part: requeue
	// (a transfer) or end.
	next chan nextStep
	// digits from the caller while waiting.
	digits chan rune
}

type nextStep struct {
	// queue and agent to wait for next; empty queue: the call ends.
	queue, agent string
	by           string
	// external: the caller was sent elsewhere (no hang-up by us).
	external bool
}

// Serve puts the caller into the queue and serves the call until it ends
// or the caller is transferred away. It is the `queue` dialplan
// application and the voicebot's handoff.
func (s *Service) Serve(ctx context.Context, in Caller) error {
	if in.Leg == nil {
		return fmt.Errorf("%w: no leg", ErrBadRequest)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return ErrClosed
	}
	s.mu.Unlock()
	if in.CallStart.IsZero() {
		in.CallStart = time.Now()
	}
	if in.Language == "" {
		in.Language = s.cfg.Language
	}
	if in.CallerID == "" {
		in.CallerID = in.Leg.Info().From
	}
	c := &call{s: s, id: newID("call-"), in: in, started: in.CallStart, queue: in.Queue,
		seats: map[string]*seat{}, steps: map[string]bool{}, monitors: map[string]string{}, monURL: map[string]string{},
		next: make(chan nextStep, 1), digits: make(chan rune, 16)}
	c.log = s.log.With("call", c.id, "session", in.SessionID, "queue", in.Queue)
	if err := c.prepare(ctx); err != nil {
		return err
	}
	s.mu.Lock()
	s.calls[c.id] = c
	s.mu.Unlock()
	s.serveCall(c.id)
	defer func() {
		s.mu.Lock()
		delete(s.calls, c.id)
		s.mu.Unlock()
		s.releaseCall(c.id)
	}()
	return c.run(ctx)
}

// prepare finds or creates the session and gathers what the agent will
// see: the bot's handoff and the caller's record.
func (c *call) prepare(ctx context.Context) error {
	st := c.s.cfg.Store
	in := &c.in
	if in.SessionID == "" {
		in.SessionID = newID("")
		bot := in.Bot
		if bot == "" {
			bot = NoBot
		}
		err := st.CreateSession(ctx, store.Session{ID: in.SessionID, Bot: bot, Channel: in.Leg.Info().Kind,
			CallerID: in.CallerID, Language: in.Language, StartedAt: in.CallStart, CallID: in.Leg.Info().ID})
		if err != nil {
			return fmt.Errorf("agent: session: %w", err)
		}
		// A call straight into a queue: the "bot part" ends at once.
		_ = st.EndSession(ctx, in.SessionID, store.OutcomeHandedOff, in.Queue, "dialled the queue", in.CallStart)
	} else if ses, err := st.Session(ctx, in.SessionID); err == nil {
		if in.Bot == "" {
			in.Bot, in.BotVersion = ses.Bot, ses.BotVersion
		}
		if in.CallerID == "" {
			in.CallerID = ses.CallerID
		}
	}
	c.handoff = assist.Handoff{SessionID: in.SessionID, Bot: in.Bot, Queue: in.Queue, Reason: in.Reason,
		Summary: in.Summary, Slots: in.Slots, Intents: in.Intents}
	if turns, err := st.Turns(ctx, in.SessionID); err == nil {
		for _, t := range turns {
			c.handoff.Transcript = append(c.handoff.Transcript, assist.Line{Speaker: t.Speaker, Text: t.Text,
				Offset: time.Duration(t.Timings["offset"]) * time.Microsecond})
			if t.Intent != "" && t.Speaker == "caller" && !contains(c.handoff.Intents, t.Intent) {
				c.handoff.Intents = append(c.handoff.Intents, t.Intent)
			}
		}
	}
	if lk := c.s.cfg.Lookup; lk != nil && in.CallerID != "" {
		lctx, cancel := context.WithTimeout(ctx, time.Second)
		info, err := lk(lctx, in.CallerID)
		cancel()
		if err != nil {
			c.log.Warn("caller lookup", "err", err)
		} else {
			attrs := map[string]string{}
			for k, v := range info.Attributes {
				attrs[k] = v
			}
			for k, v := range in.Attributes {
				attrs[k] = v // what the bot or the dialplan said wins
			}
			in.Attributes = attrs
			c.tickets = info.Tickets
		}
	}
	c.customer = c.s.customer(ctx, in.CallerID, in.SessionID, in.Attributes)
	c.customer.Tickets = c.tickets
	return nil
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// customer gathers the caller's record: past conversations and pending
// callbacks.
func (s *Service) customer(ctx context.Context, callerID, current string, attrs map[string]string) assist.Customer {
	cu := assist.Customer{CallerID: callerID, Attributes: attrs}
	if callerID == "" {
		return cu
	}
	past, err := s.cfg.Store.Sessions(ctx, store.SessionFilter{Limit: 200})
	if err != nil {
		return cu
	}
	for _, p := range past {
		if p.CallerID != callerID || p.ID == current {
			continue
		}
		pc := assist.PastConversation{SessionID: p.ID, Bot: p.Bot, StartedAt: p.StartedAt, Outcome: string(p.Outcome),
			Reason: p.HandoffReason, AgentID: p.AgentID, Sentiment: p.Sentiment}
		if ws, err := s.cfg.Store.Wrapups(ctx, p.ID); err == nil && len(ws) > 0 {
			pc.Summary, pc.Disposition = ws[len(ws)-1].Summary, ws[len(ws)-1].Disposition
		}
		cu.Past = append(cu.Past, pc)
		if len(cu.Past) == 5 {
			break
		}
	}
	if cbs, err := s.cfg.Store.Callbacks(ctx, store.CallbackPending); err == nil {
		for _, cb := range cbs {
			if cb.CallerID == callerID {
				cu.Callbacks++
			}
		}
	}
	return cu
}

func (c *call) info() CallInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	return CallInfo{CallID: c.id, SessionID: c.in.SessionID, Bot: c.in.Bot, Queue: c.queue, AgentID: c.agentID,
		CallerID: c.in.CallerID, StartedAt: c.started}
}

// run is the call's life: wait in the queue, talk with an agent, perhaps
// wait again after a transfer, until the call ends.
func (c *call) run(ctx context.Context) error {
	leg := c.in.Leg
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(c.s.ctx, cancel)
	defer stop()
	defer c.finish()
	queue, agent := c.in.Queue, c.in.Agent
	enqueuedAt := time.Time{}
	for {
		out, err := c.wait(ctx, queue, agent, enqueuedAt)
		if err != nil {
			return err
		}
		switch out.Kind {
		case acd.Answered:
		case acd.CallbackRequested:
			c.storeCallback(out)
			c.say(ctx, msgCallback)
			return nil
		case acd.TimedOut:
			c.say(ctx, msgTimedOut)
			return nil
		default: // abandoned, removed
			return nil
		}
		enqueuedAt = time.Now().Add(-out.Waited)
		step, err := c.talk(ctx, out)
		if errors.Is(err, ErrNoMedia) {
			// The agent accepted but never connected: back to the queue,
			// keeping the caller's place.
			c.log.Warn("agent audio did not connect; caller back in the queue", "agent", out.AgentID)
			queue, agent = out.Queue, ""
			continue
		}
		if err != nil {
			return err
		}
		if step.queue == "" {
			if !step.external {
				c.hangupCaller()
			}
			return nil
		}
		queue, agent = step.queue, step.agent
		select {
		case <-leg.Done():
			return nil
		default:
		}
	}
}

// wait enqueues the caller and plays music and announcements until the
// router decides. DTMF 1 asks for a callback where the queue allows.
func (c *call) wait(ctx context.Context, queue, agent string, enqueuedAt time.Time) (acd.Outcome, error) {
	payload, _ := json.Marshal(offerPayload{CallID: c.id, Handoff: c.handoff, Customer: c.customer})
	contactID := newID("ct-")
	t, err := c.s.cfg.Router.Enqueue(ctx, acd.Contact{ID: contactID, SessionID: c.in.SessionID, CallerID: c.in.CallerID,
		Queue: queue, Language: c.in.Language, Attributes: c.in.Attributes, Priority: c.in.Priority,
		EnqueuedAt: enqueuedAt, Handoff: payload, Agent: agent})
	if err != nil {
		return acd.Outcome{}, fmt.Errorf("agent: enqueue: %w", err)
	}
	c.mu.Lock()
	c.queue, c.contactID, c.ticket = queue, contactID, t
	c.mu.Unlock()
	c.publishWall()
	leg := c.in.Leg
	leg.Attach(digitReceiver{c.digits})
	defer leg.Attach(nil)
	q := t.Queue()
	p := newQueuePlayer(c, q)
	defer p.stop()
	for {
		select {
		case out := <-t.Done():
			return out, nil
		case <-leg.Done():
			_ = c.s.cfg.Router.Hangup(contactID)
			return <-t.Done(), nil
		case <-ctx.Done():
			_ = c.s.cfg.Router.Hangup(contactID)
			return <-t.Done(), nil
		case d := <-c.digits:
			if d == '1' && q.Callback && c.in.CallerID != "" {
				if err := c.s.cfg.Router.RequestCallback(contactID, c.in.CallerID); err != nil {
					c.log.Warn("callback request", "err", err)
				}
			}
		}
	}
}

// digitReceiver takes a waiting caller's DTMF (the audio is dropped).
type digitReceiver struct{ ch chan rune }

func (d digitReceiver) WriteFrame(media.Frame) error { return nil }
func (d digitReceiver) OnDTMF(x media.DTMF) {
	select {
	case d.ch <- x.Digit:
	default:
	}
}
func (d digitReceiver) Close() error { return nil }

func (c *call) storeCallback(out acd.Outcome) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c.s.cfg.Store.CreateCallback(ctx, store.Callback{ID: newID("cb-"), Queue: out.Queue, CallerID: out.Number,
		SessionID: c.in.SessionID, Status: store.CallbackPending, RequestedAt: out.At})
	if err != nil {
		c.log.Warn("callback not stored", "err", err)
	}
}

// hangupCaller ends the caller's leg.
func (c *call) hangupCaller() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = c.in.Leg.Hangup(ctx)
}

// finish closes what the call holds once it is over.
func (c *call) finish() {
	c.mu.Lock()
	c.ended = true
	c.mu.Unlock()
	c.dropBridge()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.s.cfg.Store.EndCall(ctx, c.in.SessionID, time.Now()); err != nil {
		c.log.Warn("call end not stored", "err", err)
	}
	if o := c.s.cfg.Observer; o != nil {
		o.CallEnded(c.info())
	}
	c.s.publish(Supervisors, "call", assist.LiveCall{CallID: c.id, SessionID: c.in.SessionID, State: "ended"})
}

// segmentText joins a transcript for summaries.
func segmentText(segs []assist.Segment) string {
	var b strings.Builder
	for _, s := range segs {
		fmt.Fprintf(&b, "%s: %s\n", s.Speaker, s.Text)
	}
	return b.String()
}

// NoBot is the bot name of sessions of calls that went straight to a
// queue, with no bot before the agent.
const NoBot = "-"
