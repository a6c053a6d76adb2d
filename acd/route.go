package acd

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// contact is a waiting or answered contact. Guarded by Router.mu.
type contact struct {
	Contact                        // Queue is the current queue; Priority the base priority
	prio                    int    // effective priority in the current queue
	seq                     uint64 // enqueue order, the last tie-break
	q                       *queue // current queue
	lang                    string // the language agents must speak ("" = any)
	class                   *class
	entered                 time.Time // when it entered the current queue
	waiting                 bool
	offer                   *offer
	cooldown                map[*agent]time.Time // agents not to offer it to until then
	overflowAt, maxWaitAt   time.Time
	overflowDue, timeoutDue bool   // deferred while an offer rings
	agent                   *agent // the agent on the call, once answered
	answeredAt              time.Time
	ticket                  *Ticket
	stopCtx                 func() bool
}

// rankLess is the routing order of waiting contacts: higher priority
// first, then the earliest first enqueue (kept across overflows), then
// arrival order.
func rankLess(a, b *contact) bool {
	if a.prio != b.prio {
		return a.prio > b.prio
	}
	if !a.EnqueuedAt.Equal(b.EnqueuedAt) {
		return a.EnqueuedAt.Before(b.EnqueuedAt)
	}
	return a.seq < b.seq
}

// agentLess is the order agents are chosen in for a contact: the least
// loaded (calls plus offers) first, then the longest idle, then by ID.
func agentLess(a, b *agent) bool {
	if la, lb := a.load(), b.load(); la != lb {
		return la < lb
	}
	if !a.idleSince.Equal(b.idleSince) {
		return a.idleSince.Before(b.idleSince)
	}
	return a.ID < b.ID
}

func (r *Router) insertWaiting(c *contact) {
	i := sort.Search(len(r.waiting), func(i int) bool { return rankLess(c, r.waiting[i]) })
	r.waiting = append(r.waiting, nil)
	copy(r.waiting[i+1:], r.waiting[i:])
	r.waiting[i] = c
	c.waiting = true
	c.q.dirty = true
}

func (r *Router) removeWaiting(c *contact) {
	if !c.waiting {
		return
	}
	i := sort.Search(len(r.waiting), func(i int) bool { return !rankLess(r.waiting[i], c) })
	if i >= len(r.waiting) || r.waiting[i] != c {
		panic("acd: waiting list out of order") // an invariant, checked by the tests
	}
	copy(r.waiting[i:], r.waiting[i+1:])
	r.waiting[len(r.waiting)-1] = nil
	r.waiting = r.waiting[:len(r.waiting)-1]
	c.waiting = false
	c.q.dirty = true
}

// eligible reports whether agent a may be offered contact c: skills at the
// queue's levels, the contact's language, and no rejection cooldown.
func (r *Router) eligible(a *agent, c *contact) (ok, cooled bool) {
	if c.Agent != "" {
		if a.ID != c.Agent {
			return false, false
		}
	} else if !c.q.qualifies(&a.Agent) || !speaks(a.prims, c.lang) {
		return false, false
	}
	if until, hit := c.cooldown[a]; hit {
		if r.now.Before(until) {
			return false, true
		}
		delete(c.cooldown, a)
	}
	return true, false
}

// class is the contacts of one queue and language: the same agents
// qualify for all of them.
type class struct {
	exhausted uint64 // the routing pass that found no free agent for it
}

// classKey names a class.
type classKey struct {
	q     *queue
	lang  string
	agent string // targeted contacts (Contact.Agent)
}

// route makes every offer it can: waiting contacts in rank order, each to
// its best eligible free agent (agentLess). A contact with no eligible
// agent is skipped; because offers only use up agents, every contact
// skipped ranks above every contact offered later that the same agents
// could have taken, so a lower-ranked contact never takes an agent a
// higher-ranked one could have had. Contacts of a (queue, language) class
// with no free agent are skipped without looking at agents again.
func (r *Router) route() {
	if len(r.free) == 0 || len(r.waiting) == 0 {
		return
	}
	r.pass++
	for i := 0; i < len(r.waiting) && len(r.free) > 0; i++ {
		c := r.waiting[i]
		if c.offer != nil {
			continue
		}
		if c.class.exhausted == r.pass {
			continue
		}
		var best *agent
		anyCooled := false
		for _, a := range r.free {
			ok, cooled := r.eligible(a, c)
			anyCooled = anyCooled || cooled
			if ok && (best == nil || agentLess(a, best)) {
				best = a
			}
		}
		if best == nil {
			if !anyCooled {
				c.class.exhausted = r.pass
			}
			continue
		}
		r.makeOffer(best, c)
	}
}

// offerState is where an offer is in its life.
type offerState int

const (
	offerPending offerState = iota
	offerAccepted
	offerRejected
	offerExpired
	offerWithdrawn
)

// offer is a contact reserved for one agent.
type offer struct {
	id      string
	n       uint64 // creation order
	a       *agent
	c       *contact
	at      time.Time
	expires time.Time
	state   offerState
}

// publicOffers returns offers oldest first.
func publicOffers(os []*offer) []Offer {
	sort.Slice(os, func(i, j int) bool { return os[i].n < os[j].n })
	out := make([]Offer, len(os))
	for i, o := range os {
		out[i] = o.public()
	}
	return out
}

func (o *offer) public() Offer {
	return Offer{ID: o.id, AgentID: o.a.ID, Contact: o.c.public(), OfferedAt: o.at, ExpiresAt: o.expires}
}

// public is the contact as shown to agents and in events: its current
// queue and effective priority.
func (c *contact) public() Contact {
	p := c.Contact
	p.Priority = c.prio
	p.Handoff = append(json.RawMessage(nil), p.Handoff...)
	if p.Attributes != nil {
		m := make(map[string]string, len(p.Attributes))
		for k, v := range p.Attributes {
			m[k] = v
		}
		p.Attributes = m
	}
	return p
}

func (r *Router) makeOffer(a *agent, c *contact) {
	if r.beforeOffer != nil {
		r.beforeOffer(a, c)
	}
	r.ids++
	o := &offer{id: "o" + strconv.FormatUint(r.ids, 10), n: r.ids, a: a, c: c, at: r.now, expires: r.now.Add(c.q.ringTimeout(&r.cfg))}
	a.offers[o.id] = o
	c.offer = o
	r.offers[o.id] = o
	r.refresh(a)
	r.schedule(&timer{at: o.expires, kind: ringTimer, offer: o})
	pub := o.public()
	r.emit(Event{Kind: ContactOffered, Queue: c.q.ID, ContactID: c.ID, AgentID: a.ID, OfferID: o.id, Waited: r.now.Sub(c.EnqueuedAt), Offer: &pub})
	c.q.dirty = true
}

// closeOffer ends a pending offer and frees the agent's reservation.
func (r *Router) closeOffer(o *offer, st offerState) {
	o.state = st
	delete(o.a.offers, o.id)
	delete(r.offers, o.id)
	o.c.offer = nil
	r.ended.add(o.id, o.a.ID, st)
	r.refresh(o.a)
	o.c.q.dirty = true
}

// offerEnded runs after an offer ends without an accept: the overflow or
// max wait that came due while it rang happens now.
func (r *Router) offerEnded(c *contact) {
	switch {
	case !c.waiting:
	case c.timeoutDue:
		r.timeOut(c)
	case c.overflowDue:
		r.overflow(c)
	}
}

// pendingOffer finds an agent's pending offer, or explains why it is not
// one.
func (r *Router) pendingOffer(agentID, offerID string) (*agent, *offer, error) {
	a, err := r.agentLocked(agentID)
	if err != nil {
		return nil, nil, err
	}
	if o := r.offers[offerID]; o != nil {
		if o.a != a {
			return nil, nil, fmt.Errorf("%w: offer %q is not for agent %q", ErrUnknownOffer, offerID, agentID)
		}
		return a, o, nil
	}
	e, ok := r.ended.m[offerID]
	if !ok || e.agentID != agentID {
		return nil, nil, fmt.Errorf("%w: no offer %q for agent %q", ErrUnknownOffer, offerID, agentID)
	}
	switch e.state {
	case offerAccepted:
		return nil, nil, fmt.Errorf("%w: offer %q", ErrAlreadyAccepted, offerID)
	case offerExpired:
		return nil, nil, fmt.Errorf("%w: offer %q rang out", ErrOfferExpired, offerID)
	case offerRejected:
		return nil, nil, fmt.Errorf("%w: offer %q was rejected", ErrOfferWithdrawn, offerID)
	default:
		return nil, nil, fmt.Errorf("%w: offer %q", ErrOfferWithdrawn, offerID)
	}
}

// Accept takes an offer: the contact leaves the queue, its ticket gets
// the Answered outcome, and the agent is on_call. Accepting an offer that
// rang out is ErrOfferExpired; one accepted before, ErrAlreadyAccepted;
// one withdrawn (caller hung up, agent changed state), ErrOfferWithdrawn.
func (r *Router) Accept(agentID, offerID string) error {
	if err := r.begin(); err != nil {
		return err
	}
	defer r.end()
	a, o, err := r.pendingOffer(agentID, offerID)
	if err != nil {
		return err
	}
	c := o.c
	r.closeOffer(o, offerAccepted)
	r.removeWaiting(c)
	c.agent, c.answeredAt = a, r.now
	a.calls[c.ID] = c
	c.q.stats.add(record{at: r.now, kind: recAnswered, wait: r.now.Sub(c.entered), inSL: r.now.Sub(c.entered) <= c.q.serviceLevel()})
	r.resolve(c, Outcome{Kind: Answered, AgentID: a.ID, OfferID: o.id})
	r.emit(Event{Kind: ContactAccepted, Queue: c.q.ID, ContactID: c.ID, AgentID: a.ID, OfferID: o.id, Waited: r.now.Sub(c.EnqueuedAt)})
	if a.state == OnCall {
		r.refresh(a)
		r.emitAgent(a)
	} else {
		r.setState(a, OnCall, "")
	}
	return nil
}

// Reject declines an offer; the contact goes to the next agent, and this
// agent is not offered the same contact again for the reject cooldown.
func (r *Router) Reject(agentID, offerID string) error {
	if err := r.begin(); err != nil {
		return err
	}
	defer r.end()
	a, o, err := r.pendingOffer(agentID, offerID)
	if err != nil {
		return err
	}
	r.closeOffer(o, offerRejected)
	r.coolDown(a, o.c)
	r.emit(Event{Kind: ContactRejected, Queue: o.c.q.ID, ContactID: o.c.ID, AgentID: a.ID, OfferID: o.id, Waited: r.now.Sub(o.c.EnqueuedAt)})
	r.offerEnded(o.c)
	return nil
}

func (r *Router) coolDown(a *agent, c *contact) {
	if r.cfg.RejectCooldown <= 0 {
		return
	}
	if c.cooldown == nil {
		c.cooldown = map[*agent]time.Time{}
	}
	until := r.now.Add(r.cfg.RejectCooldown)
	c.cooldown[a] = until
	r.schedule(&timer{at: until, kind: cooldownTimer})
}

// ringOut withdraws an offer nobody answered: the agent goes away
// ("missed offer"; after its calls if it has any) and the contact goes to
// the next agent.
func (r *Router) ringOut(o *offer) {
	a, c := o.a, o.c
	r.closeOffer(o, offerExpired)
	r.coolDown(a, c)
	r.log.Info("acd: offer rang out, agent set away", "agent_id", a.ID, "contact_id", c.ID, "queue", c.q.ID, "offer_id", o.id)
	r.emit(Event{Kind: ContactMissed, Queue: c.q.ID, ContactID: c.ID, AgentID: a.ID, OfferID: o.id, Waited: r.now.Sub(c.EnqueuedAt), Reason: ReasonMissedOffer})
	if a.state == OnCall {
		a.next, a.nextReason, a.hasNext = Away, ReasonMissedOffer, true
		r.withdrawOffers(a, ReasonMissedOffer)
		r.refresh(a)
		r.emitAgent(a)
	} else {
		r.setState(a, Away, ReasonMissedOffer)
	}
	r.offerEnded(c)
}

// CallEnded ends an answered call (the agent or the caller hung up). The
// agent goes to wrap_up when it was its last call and the queue has a
// wrap-up time, else available (or the state it asked for meanwhile).
func (r *Router) CallEnded(agentID, contactID string) error {
	if err := r.begin(); err != nil {
		return err
	}
	defer r.end()
	a, err := r.agentLocked(agentID)
	if err != nil {
		return err
	}
	c := a.calls[contactID]
	if c == nil {
		return fmt.Errorf("%w: agent %q has no call %q", ErrUnknownContact, agentID, contactID)
	}
	r.endCall(a, c)
	return nil
}

func (r *Router) endCall(a *agent, c *contact) {
	delete(a.calls, c.ID)
	delete(r.contacts, c.ID)
	handle := r.now.Sub(c.answeredAt)
	c.q.stats.add(record{at: r.now, kind: recEnded, handle: handle})
	c.q.dirty = true
	a.ended = append(a.ended, r.now)
	r.emit(Event{Kind: CallEnded, Queue: c.q.ID, ContactID: c.ID, AgentID: a.ID, HandleTime: handle})
	if len(a.calls) > 0 {
		r.refresh(a)
		r.emitAgent(a)
		return
	}
	if w := c.q.wrapUp(&r.cfg); w > 0 {
		a.wrapUntil = r.now.Add(w)
		r.setState(a, WrapUp, "")
		r.schedule(&timer{at: a.wrapUntil, kind: wrapTimer, agent: a})
		return
	}
	r.callsDone(a)
}

// String describes the contact for log lines and test failures.
func (c *contact) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s(q=%s p=%d enq=%s)", c.ID, c.q.ID, c.prio, c.EnqueuedAt.Format("15:04:05.000"))
	return b.String()
}
