package acd

import (
	"fmt"
	"sort"
)

// putQueue adds or replaces a queue (already validated).
func (r *Router) putQueue(q Queue) *queue {
	nq := newQueue(q)
	if old := r.queues[q.ID]; old != nil {
		nq.stats = old.stats
		for i, o := range r.qorder {
			if o == old {
				r.qorder[i] = nq
			}
		}
		old.removed = true
	} else {
		r.qorder = append(r.qorder, nq)
	}
	r.queues[q.ID] = nq
	nq.dirty = true
	r.gen++
	return nq
}

// putAgent adds an agent, offline (already validated).
func (r *Router) putAgent(a Agent) *agent {
	na := &agent{state: Offline, since: r.now, idleSince: r.now,
		calls: map[string]*contact{}, offers: map[string]*offer{}, freeAt: -1}
	na.setProfile(a)
	r.agents[a.ID] = na
	r.gen++
	return na
}

// checkQueueLocked validates q against the live queues (q replacing the
// one with its ID, if any).
func (r *Router) checkQueueLocked(q *Queue) error {
	if err := validateQueue("queue", q); err != nil {
		return err
	}
	return checkOverflow("queue", *q, func(id string) *Queue {
		if id == q.ID {
			return q
		}
		if o := r.queues[id]; o != nil {
			return &o.Queue
		}
		return nil
	})
}

// AddQueue adds a queue at run time (after the configured ones on the
// wallboard). Validation errors name the key under "queue".
func (r *Router) AddQueue(q Queue) error {
	if err := r.begin(); err != nil {
		return err
	}
	defer r.end()
	if r.queues[q.ID] != nil {
		return fmt.Errorf("%w: queue %q exists", ErrDuplicate, q.ID)
	}
	if err := r.checkQueueLocked(&q); err != nil {
		return err
	}
	nq := r.putQueue(q)
	r.emit(Event{Kind: QueueChanged, Queue: q.ID, QueueConfig: ptr(cloneQueue(nq.Queue))})
	return nil
}

// UpdateQueue replaces a queue's settings. Waiting contacts stay, ranked
// again by the new priority rules, with overflow and max-wait deadlines
// from the new settings (counted from when they entered the queue); offers
// ringing are left to finish. Statistics are kept.
func (r *Router) UpdateQueue(q Queue) error {
	if err := r.begin(); err != nil {
		return err
	}
	defer r.end()
	old := r.queues[q.ID]
	if old == nil {
		return fmt.Errorf("%w %q", ErrUnknownQueue, q.ID)
	}
	if err := r.checkQueueLocked(&q); err != nil {
		return err
	}
	var moved []*contact
	for _, c := range r.waiting {
		if c.q == old {
			moved = append(moved, c)
		}
	}
	for _, c := range moved {
		r.removeWaiting(c)
	}
	nq := r.putQueue(q)
	for _, c := range r.contacts {
		if c.q == old {
			c.q = nq // answered calls: their stats go to the live queue
		}
	}
	for _, c := range moved {
		r.enterQueue(c, nq, c.entered)
	}
	r.emit(Event{Kind: QueueChanged, Queue: q.ID, QueueConfig: ptr(cloneQueue(nq.Queue))})
	return nil
}

// RemoveQueue removes a queue. A queue that is another queue's overflow
// target is ErrInUse. Its waiting contacts move to its own overflow target
// if it has one, else leave with outcome Removed ("queue removed").
// Answered calls go on.
func (r *Router) RemoveQueue(id string) error {
	if err := r.begin(); err != nil {
		return err
	}
	defer r.end()
	q := r.queues[id]
	if q == nil {
		return fmt.Errorf("%w %q", ErrUnknownQueue, id)
	}
	for _, o := range r.qorder {
		if o != q && o.Overflow != nil && o.Overflow.Target == id {
			return fmt.Errorf("%w: queue %q is the overflow target of %q", ErrInUse, id, o.ID)
		}
	}
	var waiting []*contact
	for _, c := range r.waiting {
		if c.q == q {
			waiting = append(waiting, c)
		}
	}
	for _, c := range waiting {
		if o := c.offer; o != nil {
			r.closeOffer(o, offerWithdrawn)
			r.emit(Event{Kind: OfferWithdrawn, Queue: q.ID, ContactID: c.ID, AgentID: o.a.ID, OfferID: o.id, Reason: "queue removed"})
		}
		if q.Overflow != nil {
			r.overflow(c)
			continue
		}
		ev := r.contactEvent(ContactDequeued, c, "queue removed")
		r.leave(c, Outcome{Kind: Removed, Reason: "queue removed"})
		r.emit(ev)
	}
	delete(r.queues, id)
	for i, o := range r.qorder {
		if o == q {
			r.qorder = append(r.qorder[:i], r.qorder[i+1:]...)
			break
		}
	}
	q.removed = true
	r.emit(Event{Kind: QueueRemoved, Queue: id})
	return nil
}

// AddAgent adds an agent, offline. Validation errors name the key under
// "agent".
func (r *Router) AddAgent(a Agent) error {
	if err := r.begin(); err != nil {
		return err
	}
	defer r.end()
	if r.agents[a.ID] != nil {
		return fmt.Errorf("%w: agent %q exists", ErrDuplicate, a.ID)
	}
	if err := validateAgent("agent", &a); err != nil {
		return err
	}
	na := r.putAgent(a)
	r.emitAgent(na)
	r.agentDirty(na)
	return nil
}

// UpdateAgent replaces an agent's profile (skills, languages, MaxCalls,
// name...), keeping its state, calls and offers. Offers ringing are left
// to finish even if it no longer qualifies; a lower MaxCalls stops new
// offers until its load is below it.
func (r *Router) UpdateAgent(a Agent) error {
	if err := r.begin(); err != nil {
		return err
	}
	defer r.end()
	na, err := r.agentLocked(a.ID)
	if err != nil {
		return err
	}
	if err := validateAgent("agent", &a); err != nil {
		return err
	}
	r.agentDirty(na)
	na.setProfile(a)
	r.gen++
	r.refresh(na)
	r.agentDirty(na)
	r.emitAgent(na)
	return nil
}

// RemoveAgent removes an agent. An agent with calls is ErrInUse (end them
// first); its pending offers are withdrawn.
func (r *Router) RemoveAgent(id string) error {
	if err := r.begin(); err != nil {
		return err
	}
	defer r.end()
	a, err := r.agentLocked(id)
	if err != nil {
		return err
	}
	if len(a.calls) > 0 {
		return fmt.Errorf("%w: agent %q has %d calls", ErrInUse, id, len(a.calls))
	}
	r.withdrawOffers(a, "agent removed")
	for _, c := range r.waiting {
		delete(c.cooldown, a)
	}
	r.agentDirty(a)
	a.removed = true
	r.refresh(a)
	delete(r.agents, id)
	r.gen++
	r.emit(Event{Kind: AgentRemoved, AgentID: id})
	return nil
}

// Config returns the live configuration (queues in wallboard order, agents
// by ID) for persisting it; Parse and New accept it back.
func (r *Router) Config() Config {
	r.mu.Lock()
	defer r.mu.Unlock()
	cfg := r.cfg
	for _, q := range r.qorder {
		cfg.Queues = append(cfg.Queues, cloneQueue(q.Queue))
	}
	for _, a := range r.agents {
		cfg.Agents = append(cfg.Agents, cloneAgent(a.Agent))
	}
	sort.Slice(cfg.Agents, func(i, j int) bool { return cfg.Agents[i].ID < cfg.Agents[j].ID })
	return cfg
}

func ptr[T any](v T) *T { return &v }
