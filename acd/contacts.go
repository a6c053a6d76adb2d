package acd

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Ticket is a contact's place in the ACD, returned by Enqueue. It follows
// the contact across overflows until its outcome.
type Ticket struct {
	r    *Router
	c    *contact
	done chan Outcome
}

// ContactID is the contact's ID (made by the router when Enqueue got none).
func (t *Ticket) ContactID() string { return t.c.ID }

// Done delivers the contact's outcome, exactly once; it is buffered, so
// nobody has to be reading when it comes.
func (t *Ticket) Done() <-chan Outcome { return t.done }

// Position is the contact's place in its current queue (1 = next), among
// the contacts of that queue in routing order (priority, then wait); 0 once
// it has left. Contacts of other queues that compete for the same agents
// are not counted.
func (t *Ticket) Position() int {
	return t.Status().Position
}

// EWT is the contact's estimated wait time from now; ok is false when it
// cannot be estimated (no qualified agent logged in) or the contact left.
// See Status for the formula.
func (t *Ticket) EWT() (d time.Duration, ok bool) {
	s := t.Status()
	return s.EWT, s.EWTKnown
}

// Queue returns the settings of the contact's current queue (music on
// hold, announcements, callback), which change when it overflows, with
// the defaults filled in: Name, RingTimeout, ServiceLevel, and
// Announce.Interval when announcing.
func (t *Ticket) Queue() Queue {
	r := t.r
	r.mu.Lock()
	defer r.mu.Unlock()
	q := cloneQueue(t.c.q.Queue)
	if q.Name == "" {
		q.Name = q.ID
	}
	q.RingTimeout = t.c.q.ringTimeout(&r.cfg)
	q.ServiceLevel = t.c.q.serviceLevel()
	if (q.Announce.Position || q.Announce.WaitTime) && q.Announce.Interval == 0 {
		q.Announce.Interval = DefaultAnnounceInterval
	}
	return q
}

// Status returns the contact's live place in the ACD. The zero Status
// (Waiting false) means it has left.
func (t *Ticket) Status() WaitStatus {
	r := t.r
	if err := r.begin(); err != nil {
		return WaitStatus{}
	}
	defer r.end()
	if !t.c.waiting {
		return WaitStatus{}
	}
	return r.waitStatus(t.c, newStaffing(r), 0, 0)
}

// WaitStatus is a waiting contact's place in its queue.
type WaitStatus struct {
	// Waiting is false once the contact has left the queue.
	Waiting bool `json:"waiting"`
	// ContactID and Queue: the contact and its current queue.
	ContactID string `json:"contact_id"`
	Queue     string `json:"queue"`
	// Priority is the contact's effective priority in the queue.
	Priority int `json:"priority"`
	// Position is its place in the queue, 1 = next.
	Position int `json:"position"`
	// Waited is the total wait since it was first enqueued; InQueue the
	// time in the current queue.
	Waited  time.Duration `json:"waited"`
	InQueue time.Duration `json:"in_queue"`
	// EWT is the estimated wait from now; EWTKnown is false when no
	// qualified agent (speaking the contact's language) is available, on a
	// call or in wrap-up. The estimate: with p the contact's place among
	// the contacts of its queue not already ringing an agent, f the free
	// capacity of the qualified agents (calls they can still take), s their
	// staffed capacity (MaxCalls of every one available, on a call or in
	// wrap-up) and h the queue's average handle time over the stats window
	// (the configured default handle time when no call ended in it) plus
	// its wrap-up time: EWT = 0 when p <= f, else ceil((p - f) / s) × h. A
	// round-based estimate: each round of h frees every staffed seat once.
	// Contacts of other queues competing for the same agents are not
	// counted. A contact ringing an agent has EWT 0.
	EWT      time.Duration `json:"ewt"`
	EWTKnown bool          `json:"ewt_known"`
	// OfferedTo is the agent it is ringing, if any.
	OfferedTo string `json:"offered_to,omitempty"`
}

// autoPrefix starts the IDs Enqueue makes for contacts without one.
const autoPrefix = "acd-"

// Enqueue puts a contact in its queue and returns its ticket. The outcome
// arrives on Ticket.Done. When ctx ends while the contact is still waiting
// (the caller's call ended), the contact is abandoned, as by Hangup; after
// the outcome ctx no longer matters.
func (r *Router) Enqueue(ctx context.Context, ct Contact) (*Ticket, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if ct.Language != "" && !langPattern.MatchString(ct.Language) {
		return nil, fmt.Errorf("%w: language %q is not a language tag such as en or zh-CN", ErrInvalidContact, ct.Language)
	}
	if ct.Handoff != nil && !json.Valid(ct.Handoff) {
		return nil, fmt.Errorf("%w: handoff is not JSON", ErrInvalidContact)
	}
	if err := r.begin(); err != nil {
		return nil, err
	}
	defer r.end()
	q := r.queues[ct.Queue]
	if q == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownQueue, ct.Queue)
	}
	if ct.Agent != "" && r.agents[ct.Agent] == nil {
		return nil, fmt.Errorf("%w %q (contact for a named agent)", ErrUnknownAgent, ct.Agent)
	}
	if ct.ID == "" {
		for ct.ID = r.newID(autoPrefix); r.contacts[ct.ID] != nil; ct.ID = r.newID(autoPrefix) {
		}
	}
	if r.contacts[ct.ID] != nil {
		return nil, fmt.Errorf("%w: contact %q is already in the ACD", ErrDuplicate, ct.ID)
	}
	if ct.EnqueuedAt.IsZero() || ct.EnqueuedAt.After(r.now) {
		ct.EnqueuedAt = r.now
	}
	ct.Attributes = cloneAttrs(ct.Attributes)
	ct.Handoff = append(json.RawMessage(nil), ct.Handoff...)
	r.ids++
	c := &contact{Contact: ct, seq: r.ids}
	t := &Ticket{r: r, c: c, done: make(chan Outcome, 1)}
	c.ticket = t
	r.contacts[c.ID] = c
	r.enterQueue(c, q, r.now)
	pub := c.public()
	r.emit(Event{Kind: ContactEnqueued, Queue: q.ID, ContactID: c.ID, Waited: r.now.Sub(c.EnqueuedAt), Contact: &pub})
	if ctx.Done() != nil {
		c.stopCtx = context.AfterFunc(ctx, func() { r.abandonIf(c) })
	}
	return t, nil
}

// enterQueue puts c in q's part of the waiting list with q's priority
// rules, language and deadlines, as having entered q at entered.
func (r *Router) enterQueue(c *contact, q *queue, entered time.Time) {
	c.q, c.Queue, c.entered = q, q.ID, entered
	c.prio = priorityOf(c.Priority, c.Attributes, q.Priority)
	c.lang = primary(c.Language)
	if c.lang == "" {
		c.lang = primary(q.Language)
	}
	key := c.lang
	if c.Agent != "" {
		key += "\x00" + c.Agent // a targeted contact is a class of its own
	}
	if c.class = q.classes[key]; c.class == nil {
		c.class = &class{}
		q.classes[key] = c.class
	}
	r.setDeadlines(c)
	r.insertWaiting(c)
}

// setDeadlines arms the overflow and max-wait timers of c's queue.
func (r *Router) setDeadlines(c *contact) {
	q := c.q
	c.overflowAt, c.maxWaitAt, c.overflowDue, c.timeoutDue = time.Time{}, time.Time{}, false, false
	if q.Overflow != nil {
		c.overflowAt = c.entered.Add(q.Overflow.After)
		r.schedule(&timer{at: c.overflowAt, kind: overflowTimer, c: c})
	}
	if q.MaxWait > 0 {
		c.maxWaitAt = c.EnqueuedAt.Add(q.MaxWait)
		r.schedule(&timer{at: c.maxWaitAt, kind: maxWaitTimer, c: c})
	}
}

func cloneAttrs(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// abandonIf abandons c when its context ends while it still waits.
func (r *Router) abandonIf(c *contact) {
	if r.begin() != nil {
		return
	}
	defer r.end()
	if c.waiting && r.contacts[c.ID] == c {
		r.abandon(c)
	}
}

// Hangup is the caller hanging up. A waiting (or ringing) contact is
// abandoned and its offer withdrawn; an answered one ends its call, as
// CallEnded does.
func (r *Router) Hangup(contactID string) error {
	if err := r.begin(); err != nil {
		return err
	}
	defer r.end()
	c := r.contacts[contactID]
	if c == nil {
		return fmt.Errorf("%w %q", ErrUnknownContact, contactID)
	}
	if c.agent != nil {
		r.endCall(c.agent, c)
		return nil
	}
	r.abandon(c)
	return nil
}

func (r *Router) abandon(c *contact) {
	ev := r.contactEvent(ContactAbandoned, c, "")
	c.q.stats.add(record{at: r.now, kind: recAbandoned, wait: r.now.Sub(c.entered), inSL: r.now.Sub(c.entered) <= c.q.serviceLevel()})
	r.leave(c, Outcome{Kind: Abandoned})
	r.emit(ev)
}

// RequestCallback takes the contact out of the queue with a callback
// request to number (the caller ID when empty), if its queue allows
// callbacks. The request is the ContactCallbackRequested event and the
// ticket's outcome; placing the call later is up to the caller of the API.
func (r *Router) RequestCallback(contactID, number string) error {
	if err := r.begin(); err != nil {
		return err
	}
	defer r.end()
	c, err := r.waitingLocked(contactID)
	if err != nil {
		return err
	}
	if !c.q.Callback {
		return fmt.Errorf("%w: queue %q", ErrCallbackNotAllowed, c.q.ID)
	}
	if number == "" {
		number = c.CallerID
	}
	if number == "" {
		return fmt.Errorf("%w: contact %q has no caller ID; give a callback number", ErrInvalidContact, contactID)
	}
	ev := r.contactEvent(ContactCallbackRequested, c, "")
	ev.Number = number
	c.q.stats.add(record{at: r.now, kind: recCallback})
	r.leave(c, Outcome{Kind: CallbackRequested, Number: number})
	r.emit(ev)
	return nil
}

// Dequeue takes a waiting contact out of the ACD (outcome Removed with the
// reason), e.g. when the caller chose voicemail from a menu.
func (r *Router) Dequeue(contactID, reason string) error {
	if err := r.begin(); err != nil {
		return err
	}
	defer r.end()
	c, err := r.waitingLocked(contactID)
	if err != nil {
		return err
	}
	ev := r.contactEvent(ContactDequeued, c, reason)
	c.q.stats.add(record{at: r.now, kind: recRemoved})
	r.leave(c, Outcome{Kind: Removed, Reason: reason})
	r.emit(ev)
	return nil
}

func (r *Router) waitingLocked(contactID string) (*contact, error) {
	c := r.contacts[contactID]
	if c == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownContact, contactID)
	}
	if !c.waiting {
		return nil, fmt.Errorf("%w: contact %q is not waiting (answered by %q)", ErrUnknownContact, contactID, c.agent.ID)
	}
	return c, nil
}

// overflow moves c to its queue's overflow target, keeping its first
// enqueue time (so its rank there reflects its whole wait).
func (r *Router) overflow(c *contact) {
	from := c.q
	to := r.queues[from.Overflow.Target]
	from.stats.add(record{at: r.now, kind: recOverflowed})
	r.removeWaiting(c)
	r.enterQueue(c, to, r.now)
	r.log.Info("acd: contact overflowed", "contact_id", c.ID, "from", from.ID, "to", to.ID, "waited", r.now.Sub(c.EnqueuedAt))
	ev := r.contactEvent(ContactOverflowed, c, "")
	ev.FromQueue = from.ID
	r.emit(ev)
}

// timeOut ends c's wait at its queue's max wait.
func (r *Router) timeOut(c *contact) {
	r.log.Info("acd: contact timed out", "contact_id", c.ID, "queue", c.q.ID, "waited", r.now.Sub(c.EnqueuedAt))
	ev := r.contactEvent(ContactTimedOut, c, "")
	c.q.stats.add(record{at: r.now, kind: recTimedOut})
	r.leave(c, Outcome{Kind: TimedOut})
	r.emit(ev)
}

// contactEvent is an event about c, carrying its offer if one rings (the
// desktop stops ringing on it).
func (r *Router) contactEvent(k EventKind, c *contact, reason string) Event {
	ev := Event{Kind: k, Queue: c.q.ID, ContactID: c.ID, Waited: r.now.Sub(c.EnqueuedAt), Reason: reason}
	if c.offer != nil {
		ev.AgentID, ev.OfferID = c.offer.a.ID, c.offer.id
	}
	return ev
}

// leave takes a waiting contact out of the ACD with an outcome.
func (r *Router) leave(c *contact, out Outcome) {
	if o := c.offer; o != nil {
		r.closeOffer(o, offerWithdrawn)
	}
	r.removeWaiting(c)
	delete(r.contacts, c.ID)
	r.resolve(c, out)
}

// resolve delivers the ticket's outcome and detaches the context.
func (r *Router) resolve(c *contact, out Outcome) {
	out.ContactID, out.Queue, out.At = c.ID, c.q.ID, r.now
	out.Waited = r.now.Sub(c.EnqueuedAt)
	if c.stopCtx != nil {
		c.stopCtx()
	}
	c.ticket.done <- out // buffered, sent once
}
