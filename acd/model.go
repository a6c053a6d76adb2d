package acd

import (
	"encoding/json"
	"fmt"
	"time"
)

// State is an agent's state.
type State int

// Agent states. Offline and away agents get no offers; available agents
// and on_call agents with capacity left do; wrap_up ends by itself.
const (
	// Offline: logged out. Agents are offline when added.
	Offline State = iota
	// Available: ready for offers.
	Available
	// OnCall: on one or more calls (AgentStatus.Calls); still offered
	// contacts while below its MaxCalls.
	OnCall
	// WrapUp: after-call work; back to available when the queue's wrap-up
	// time has passed (or earlier with SetState(Available)).
	WrapUp
	// Away: not ready, with a reason (break, training, "missed offer").
	Away
)

var stateNames = [...]string{"offline", "available", "on_call", "wrap_up", "away"}

// String returns the state's name as used in events and the API.
func (s State) String() string {
	if s < 0 || int(s) >= len(stateNames) {
		return fmt.Sprintf("state(%d)", int(s))
	}
	return stateNames[s]
}

// ParseState parses a state name (offline, available, on_call, wrap_up,
// away).
func ParseState(s string) (State, error) {
	for i, n := range stateNames {
		if n == s {
			return State(i), nil
		}
	}
	return 0, fmt.Errorf("%w: unknown state %q", ErrInvalidState, s)
}

// MarshalText writes the state's name.
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText parses a state's name.
func (s *State) UnmarshalText(b []byte) error {
	v, err := ParseState(string(b))
	*s = v
	return err
}

// ReasonMissedOffer is the away reason of an agent whose offer rang out.
const ReasonMissedOffer = "missed offer"

// Contact is a caller (or another interaction) waiting for an agent.
type Contact struct {
	// ID identifies the contact; unique among live contacts (the session
	// or call ID, say). Empty: the router makes one ("acd-N").
	ID string `json:"id"`
	// SessionID is the Switchboard session (bot conversation) it came from.
	SessionID string `json:"session_id,omitempty"`
	// CallerID is the caller's number, the default callback number.
	CallerID string `json:"caller_id,omitempty"`
	// Queue is the queue to wait in. Required.
	Queue string `json:"queue"`
	// Language is the caller's language (BCP 47); empty: the queue's.
	Language string `json:"language,omitempty"`
	// Attributes are facts about the caller used by priority rules (vip,
	// tier, ...) and shown to the agent.
	Attributes map[string]string `json:"attributes,omitempty"`
	// Priority is the base priority (e.g. from a customer-record lookup);
	// the queue's rules add to it. Higher goes first.
	Priority int `json:"priority,omitempty"`
	// EnqueuedAt is when the caller started waiting; zero means now. A
	// caller moved from another system can keep its wait time.
	EnqueuedAt time.Time `json:"enqueued_at"`
	// Handoff is the bot's handoff context (summary, slots), opaque to the
	// router and passed to the agent with the offer. JSON, or nil.
	Handoff json.RawMessage `json:"handoff,omitempty"`
	// Agent, when set, is the only agent the contact may be offered to (a
	// transfer to a named agent): the queue's skills and the language are
	// not required of that agent. The contact still waits in Queue (its
	// statistics, overflow and announcements).
	Agent string `json:"agent,omitempty"`
}

// Offer is a contact offered to (reserved for) one agent until it accepts,
// rejects, or the ring timeout passes.
type Offer struct {
	// ID identifies the offer in Accept and Reject.
	ID string `json:"id"`
	// AgentID is the agent the contact is offered to.
	AgentID string `json:"agent_id"`
	// Contact is the contact offered, with its current queue in
	// Contact.Queue and its effective priority in Contact.Priority.
	Contact Contact `json:"contact"`
	// OfferedAt is when the offer was made; ExpiresAt when it rings out.
	OfferedAt time.Time `json:"offered_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// OutcomeKind says how a contact left the queue.
type OutcomeKind int

// Outcomes. Overflow to another queue is not an outcome: the contact keeps
// waiting there under the same ticket.
const (
	// Answered: an agent accepted; bridge the caller to Outcome.AgentID.
	Answered OutcomeKind = iota + 1
	// Abandoned: the caller hung up while waiting or ringing.
	Abandoned
	// CallbackRequested: the caller left with a callback request.
	CallbackRequested
	// TimedOut: the queue's max_wait passed; route the caller elsewhere
	// (voicemail, a message).
	TimedOut
	// Removed: taken out by Dequeue, by RemoveQueue, or by Close.
	Removed
)

var outcomeNames = [...]string{"", "answered", "abandoned", "callback_requested", "timed_out", "removed"}

// String returns the outcome's name.
func (k OutcomeKind) String() string {
	if k <= 0 || int(k) >= len(outcomeNames) {
		return fmt.Sprintf("outcome(%d)", int(k))
	}
	return outcomeNames[k]
}

// MarshalText writes the outcome's name.
func (k OutcomeKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Outcome is the end of a contact's wait, delivered once on Ticket.Done.
type Outcome struct {
	Kind OutcomeKind `json:"kind"`
	// ContactID and Queue: the contact and the queue it was in at the end.
	ContactID string `json:"contact_id"`
	Queue     string `json:"queue"`
	// AgentID and OfferID when answered.
	AgentID string `json:"agent_id,omitempty"`
	OfferID string `json:"offer_id,omitempty"`
	// Waited is the total wait since the contact was first enqueued.
	Waited time.Duration `json:"waited"`
	// Number is the callback number when a callback was requested.
	Number string `json:"number,omitempty"`
	// Reason explains Removed outcomes.
	Reason string `json:"reason,omitempty"`
	// At is when it happened.
	At time.Time `json:"at"`
}

// AgentStatus is an agent's live state, as shown on the wallboard.
type AgentStatus struct {
	Agent
	State State `json:"state"`
	// Reason is the away reason.
	Reason string `json:"reason,omitempty"`
	// Next and NextReason are the state the agent enters when its calls
	// end, when it asked for away or offline while on a call (HasNext).
	// It gets no new offers meanwhile.
	Next       State  `json:"next,omitempty"`
	NextReason string `json:"next_reason,omitempty"`
	HasNext    bool   `json:"has_next,omitempty"`
	// Calls are the contact IDs of its calls; Offers its pending offers.
	Calls  []string `json:"calls,omitempty"`
	Offers []string `json:"offers,omitempty"`
	// Since is when it entered State; InState how long ago that was.
	Since   time.Time     `json:"since"`
	InState time.Duration `json:"in_state"`
	// IdleSince is when it last became free: its last call (or wrap-up)
	// ended, or it became available. The longest idle agent is offered
	// first.
	IdleSince time.Time `json:"idle_since"`
	// WrapUpUntil is when wrap_up ends.
	WrapUpUntil time.Time `json:"wrap_up_until,omitzero"`
	// Handled is how many calls it ended within the stats window.
	Handled int `json:"handled"`
}
