package acd

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// agent is an agent's profile and live state. Guarded by Router.mu.
type agent struct {
	Agent
	state     State
	reason    string
	since     time.Time
	idleSince time.Time
	wrapUntil time.Time
	// next is the state to enter when the calls end (away or offline asked
	// for while on a call, or a missed offer while on a call).
	next       State
	nextReason string
	hasNext    bool
	calls      map[string]*contact
	offers     map[string]*offer
	prims      []string    // primary subtags of Languages, lower case
	freeAt     int         // index in Router.free, -1 when not free
	ended      []time.Time // when its calls ended, within the stats window
	removed    bool
}

// setProfile sets the agent's profile (a copy) and what derives from it.
func (a *agent) setProfile(p Agent) {
	a.Agent = cloneAgent(p)
	a.prims = a.prims[:0]
	for _, l := range p.Languages {
		a.prims = append(a.prims, primary(l))
	}
}

func (a *agent) maxCalls() int {
	if a.MaxCalls <= 0 {
		return DefaultMaxCalls
	}
	return a.MaxCalls
}

// load is the agent's calls plus its pending offers.
func (a *agent) load() int { return len(a.calls) + len(a.offers) }

// routable reports whether the agent can take another offer.
func (a *agent) routable() bool {
	return (a.state == Available || a.state == OnCall) && !a.hasNext && a.load() < a.maxCalls()
}

// refresh puts the agent in or takes it out of the free list.
func (r *Router) refresh(a *agent) {
	switch ok := !a.removed && a.routable(); {
	case ok && a.freeAt < 0:
		a.freeAt = len(r.free)
		r.free = append(r.free, a)
	case !ok && a.freeAt >= 0:
		last := r.free[len(r.free)-1]
		r.free[a.freeAt] = last
		last.freeAt = a.freeAt
		r.free[len(r.free)-1] = nil
		r.free = r.free[:len(r.free)-1]
		a.freeAt = -1
	}
}

// setState moves the agent to s and publishes the change.
func (r *Router) setState(a *agent, s State, reason string) {
	if s != Away {
		reason = ""
	}
	a.state, a.reason, a.since = s, reason, r.now
	if s == Available {
		a.idleSince = r.now
	}
	if s != Available && s != OnCall {
		r.withdrawOffers(a, "agent "+s.String())
	}
	r.refresh(a)
	r.emitAgent(a)
	r.agentDirty(a)
}

func (r *Router) emitAgent(a *agent) {
	st := r.agentStatus(a)
	r.emit(Event{Kind: AgentState, AgentID: a.ID, Reason: a.reason, Agent: &st})
}

// SetState changes an agent's state. Agents choose available, away (with a
// reason, "away" when empty) and offline; on_call and wrap_up are entered
// by accepting an offer and ending a call, so asking for them is
// ErrInvalidState. Away or offline asked for while on a call takes effect
// when the calls (and the wrap-up) end, and the agent gets no new offers
// meanwhile; available while on a call cancels that. Available during
// wrap-up ends the wrap-up early. Leaving available withdraws the agent's
// pending offers (the contacts go to other agents). Setting the current
// state again is a no-op, except away with a new reason.
func (r *Router) SetState(agentID string, s State, reason string) error {
	if err := r.begin(); err != nil {
		return err
	}
	defer r.end()
	a, err := r.agentLocked(agentID)
	if err != nil {
		return err
	}
	if s == Away && reason == "" {
		reason = "away"
	}
	switch s {
	case OnCall, WrapUp:
		return fmt.Errorf("%w: agent %q cannot set %s (entered by accepting an offer and ending a call)", ErrInvalidState, agentID, s)
	case Available, Away, Offline:
	default:
		return fmt.Errorf("%w: agent %q: unknown state %d", ErrInvalidState, agentID, int(s))
	}
	if a.state == OnCall {
		if s == Available {
			if a.hasNext {
				a.hasNext, a.nextReason = false, ""
				r.refresh(a)
				r.emitAgent(a)
			}
			return nil
		}
		if a.hasNext && a.next == s && a.nextReason == reason {
			return nil
		}
		a.next, a.nextReason, a.hasNext = s, reason, true
		r.withdrawOffers(a, "agent "+s.String()+" after call")
		r.refresh(a)
		r.emitAgent(a)
		return nil
	}
	if a.state == s && (s != Away || a.reason == reason) {
		return nil
	}
	a.hasNext = false
	r.setState(a, s, reason)
	return nil
}

// callsDone is the end of an agent's last call (after the wrap-up, if
// any): the pending state, else available.
func (r *Router) callsDone(a *agent) {
	a.wrapUntil = time.Time{}
	next, reason := Available, ""
	if a.hasNext {
		next, reason = a.next, a.nextReason
		a.hasNext, a.nextReason = false, ""
	}
	a.idleSince = r.now
	r.setState(a, next, reason)
	a.idleSince = r.now
}

// withdrawOffers ends the agent's pending offers (not its fault: no
// cooldown), returning the contacts to the queue.
func (r *Router) withdrawOffers(a *agent, reason string) {
	if len(a.offers) == 0 {
		return
	}
	ids := make([]string, 0, len(a.offers))
	for id := range a.offers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		o := a.offers[id]
		r.closeOffer(o, offerWithdrawn)
		r.emit(Event{Kind: OfferWithdrawn, Queue: o.c.q.ID, ContactID: o.c.ID, AgentID: a.ID, OfferID: o.id, Reason: reason})
		r.offerEnded(o.c)
	}
}

// agentStatus is the public view of an agent.
func (r *Router) agentStatus(a *agent) AgentStatus {
	st := AgentStatus{
		Agent:       cloneAgent(a.Agent),
		State:       a.state,
		Reason:      a.reason,
		Since:       a.since,
		InState:     r.now.Sub(a.since),
		IdleSince:   a.idleSince,
		WrapUpUntil: a.wrapUntil,
		Handled:     r.handled(a),
	}
	if a.hasNext {
		st.Next, st.NextReason, st.HasNext = a.next, a.nextReason, true
	}
	for id := range a.calls {
		st.Calls = append(st.Calls, id)
	}
	for id := range a.offers {
		st.Offers = append(st.Offers, id)
	}
	slices.Sort(st.Calls)
	slices.Sort(st.Offers)
	return st
}

// handled counts the agent's calls ended within the stats window, dropping
// older ones.
func (r *Router) handled(a *agent) int {
	from := r.now.Add(-r.cfg.StatsWindow)
	i := 0
	for i < len(a.ended) && a.ended[i].Before(from) {
		i++
	}
	if i > 0 {
		a.ended = append(a.ended[:0], a.ended[i:]...)
	}
	return len(a.ended)
}

func cloneAgent(a Agent) Agent {
	if a.Skills != nil {
		s := make(map[string]int, len(a.Skills))
		for k, v := range a.Skills {
			s[k] = v
		}
		a.Skills = s
	}
	a.Languages = slices.Clone(a.Languages)
	return a
}

// AgentStatus returns one agent's live state.
func (r *Router) AgentStatus(agentID string) (AgentStatus, error) {
	if err := r.begin(); err != nil {
		return AgentStatus{}, err
	}
	defer r.end()
	a, err := r.agentLocked(agentID)
	if err != nil {
		return AgentStatus{}, err
	}
	return r.agentStatus(a), nil
}

// Offers returns the agent's pending offers, oldest first (for a desktop
// that reconnects; new offers arrive as ContactOffered events).
func (r *Router) Offers(agentID string) ([]Offer, error) {
	if err := r.begin(); err != nil {
		return nil, err
	}
	defer r.end()
	a, err := r.agentLocked(agentID)
	if err != nil {
		return nil, err
	}
	os := make([]*offer, 0, len(a.offers))
	for _, o := range a.offers {
		os = append(os, o)
	}
	return publicOffers(os), nil
}
