package acd

import (
	"sync/atomic"
	"time"
)

// EventKind says what an Event is about.
type EventKind int

// Event kinds.
const (
	// AgentState: an agent was added, changed state, or its calls changed
	// (Event.Agent).
	AgentState EventKind = iota + 1
	// AgentRemoved: an agent was removed.
	AgentRemoved
	// ContactEnqueued: a contact started waiting (Event.Contact).
	ContactEnqueued
	// ContactOffered: a contact was offered to an agent (Event.Offer): ring
	// the agent.
	ContactOffered
	// ContactAccepted: the agent accepted the offer: bridge the call.
	ContactAccepted
	// ContactRejected: the agent rejected the offer; the contact goes to
	// the next agent.
	ContactRejected
	// ContactMissed: the offer rang out; the agent went away ("missed
	// offer") and the contact goes to the next agent.
	ContactMissed
	// OfferWithdrawn: an offer ended for another reason (Event.Reason: the
	// agent changed state or was updated, the queue was removed); stop
	// ringing. Abandons and callbacks during an offer carry the offer in
	// their own event instead.
	OfferWithdrawn
	// ContactAbandoned: the caller hung up while waiting or ringing.
	ContactAbandoned
	// ContactOverflowed: the contact moved from Event.FromQueue to
	// Event.Queue.
	ContactOverflowed
	// ContactCallbackRequested: the caller left with a callback request
	// (Event.Number).
	ContactCallbackRequested
	// ContactTimedOut: the contact waited longer than the queue's max_wait.
	ContactTimedOut
	// ContactDequeued: the contact was taken out (Dequeue, RemoveQueue,
	// Close; Event.Reason).
	ContactDequeued
	// CallEnded: an answered call ended (Event.HandleTime).
	CallEnded
	// QueueStats: a queue's statistics changed (Event.Stats). Emitted at
	// most once per queue per router operation.
	QueueStats
	// QueueChanged: a queue was added or updated (Event.Queue).
	QueueChanged
	// QueueRemoved: a queue was removed.
	QueueRemoved
)

var kindNames = [...]string{"", "agent_state", "agent_removed", "contact_enqueued", "contact_offered",
	"contact_accepted", "contact_rejected", "contact_missed", "offer_withdrawn", "contact_abandoned",
	"contact_overflowed", "contact_callback_requested", "contact_timed_out", "contact_dequeued",
	"call_ended", "queue_stats", "queue_changed", "queue_removed"}

// String returns the kind's name (the suffix of a NATS subject, say).
func (k EventKind) String() string {
	if k <= 0 || int(k) >= len(kindNames) {
		return "event"
	}
	return kindNames[k]
}

// MarshalText writes the kind's name.
func (k EventKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Event is one change in the router. Events are numbered: Seq rises by one
// per event, so a consumer that sees a jump lost events (its buffer was
// full) and should resynchronise from Snapshot, whose Seq is the last event
// it reflects.
type Event struct {
	Seq  uint64    `json:"seq"`
	Time time.Time `json:"time"`
	Kind EventKind `json:"kind"`
	// Queue is the contact's queue (after an overflow: the new one), or the
	// queue of a queue event.
	Queue string `json:"queue,omitempty"`
	// FromQueue is the queue a contact overflowed from.
	FromQueue string `json:"from_queue,omitempty"`
	// ContactID, AgentID and OfferID identify what the event is about.
	ContactID string `json:"contact_id,omitempty"`
	AgentID   string `json:"agent_id,omitempty"`
	OfferID   string `json:"offer_id,omitempty"`
	// Reason explains withdrawals, removals and away states.
	Reason string `json:"reason,omitempty"`
	// Number is the callback number.
	Number string `json:"number,omitempty"`
	// Waited is the contact's total wait so far (contact events).
	Waited time.Duration `json:"waited,omitempty"`
	// HandleTime is the call's duration from accept to end (CallEnded).
	HandleTime time.Duration `json:"handle_time,omitempty"`
	// Agent is the agent's status (AgentState).
	Agent *AgentStatus `json:"agent,omitempty"`
	// Contact is the contact (ContactEnqueued).
	Contact *Contact `json:"contact,omitempty"`
	// Offer is the offer (ContactOffered).
	Offer *Offer `json:"offer,omitempty"`
	// Stats are the queue's statistics (QueueStats).
	Stats *QueueStatus `json:"stats,omitempty"`
	// QueueConfig is the queue's settings (QueueChanged).
	QueueConfig *Queue `json:"queue_config,omitempty"`
}

// DefaultSubscriberBuffer is the event buffer of a subscriber that asks for
// none.
const DefaultSubscriberBuffer = 1024

// Subscription receives the router's events in order. The router never
// waits for a subscriber: when its buffer is full, events are dropped and
// counted (Dropped), and the next event received shows the gap in Seq.
type Subscription struct {
	r       *Router
	ch      chan Event
	dropped atomic.Uint64
	closed  bool // under r.mu
}

// C delivers the events; it is closed by Close or when the router closes.
func (s *Subscription) C() <-chan Event { return s.ch }

// Dropped is how many events this subscriber lost to a full buffer.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Close ends the subscription and closes C. Safe to call twice.
func (s *Subscription) Close() {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.closeLocked()
	delete(s.r.subs, s)
}

func (s *Subscription) closeLocked() {
	if !s.closed {
		s.closed = true
		close(s.ch)
	}
}

// Subscribe returns a subscription to every event from now on, with a
// buffer of n events (DefaultSubscriberBuffer when n <= 0). Take a Snapshot
// after subscribing to start from a known state: events with Seq at or
// below the snapshot's are already reflected in it.
func (r *Router) Subscribe(n int) *Subscription {
	if n <= 0 {
		n = DefaultSubscriberBuffer
	}
	s := &Subscription{r: r, ch: make(chan Event, n)}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		s.closeLocked()
		return s
	}
	r.subs[s] = struct{}{}
	return s
}

// emit numbers an event and hands it to every subscriber without blocking.
// Called with r.mu held, so the order of Seq is the order of changes.
func (r *Router) emit(ev Event) {
	r.seq++
	ev.Seq = r.seq
	if ev.Time.IsZero() {
		ev.Time = r.now
	}
	for s := range r.subs {
		select {
		case s.ch <- ev:
		default:
			if n := s.dropped.Add(1); n&(n-1) == 0 { // 1, 2, 4, 8...
				r.log.Warn("acd: event subscriber too slow, events dropped", "dropped", n, "seq", ev.Seq, "buffer", cap(s.ch))
			}
		}
	}
}
