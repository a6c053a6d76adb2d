package acd

import (
	"errors"
	"fmt"
	"strings"
	"sync"
)

// Checker verifies the router's invariants after every operation and
// before every offer, by brute force over its state (independently of the
// routing code's caches and short cuts). The first violation is kept.
type Checker struct {
	mu     sync.Mutex
	err    error
	Offers int // offers checked
	Ops    int // operations checked
}

// Err returns the first violation found, if any.
func (k *Checker) Err() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.err
}

func (k *Checker) fail(err error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.err == nil {
		k.err = err
	}
}

// Check installs a Checker on r.
func Check(r *Router) *Checker {
	k := &Checker{}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.afterOp = func() {
		k.Ops++
		if err := r.checkState(); err != nil {
			k.fail(fmt.Errorf("after operation at %s: %w", r.now.Format("15:04:05.000"), err))
		}
	}
	r.beforeOffer = func(a *agent, c *contact) {
		k.Offers++
		if err := r.checkOffer(a, c); err != nil {
			k.fail(fmt.Errorf("offer of %s to %s at %s: %w", c, a.ID, r.now.Format("15:04:05.000"), err))
		}
	}
	return k
}

// oracleEligible is eligibility recomputed from the raw profiles.
func (r *Router) oracleEligible(a *agent, c *contact) bool {
	if c.Agent != "" {
		// A contact for a named agent: that agent only, skills and
		// language aside.
		until, hit := c.cooldown[a]
		return a.ID == c.Agent && !(hit && r.now.Before(until))
	}
	for s, lvl := range c.q.Skills {
		if a.Skills[s] < lvl {
			return false
		}
	}
	want := c.Language
	if want == "" {
		want = c.q.Language
	}
	if want != "" && len(a.Languages) > 0 {
		base := strings.ToLower(strings.SplitN(want, "-", 2)[0])
		ok := false
		for _, l := range a.Languages {
			if strings.ToLower(strings.SplitN(l, "-", 2)[0]) == base {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	if until, hit := c.cooldown[a]; hit && r.now.Before(until) {
		return false
	}
	return true
}

func oracleFree(a *agent) bool {
	return !a.removed && (a.state == Available || a.state == OnCall) && !a.hasNext &&
		len(a.calls)+len(a.offers) < max(a.MaxCalls, 1)
}

// checkOffer: the contact waits un-offered, the agent is free and eligible;
// no better-ranked waiting contact could take this agent (priority first,
// then the earliest enqueue, then arrival: FIFO within a priority); no
// better free agent could take this contact (least loaded, then longest
// idle).
func (r *Router) checkOffer(a *agent, c *contact) error {
	if !c.waiting || c.offer != nil {
		return errors.New("contact not waiting or already offered")
	}
	if !oracleFree(a) {
		return fmt.Errorf("agent not free: %s calls=%d offers=%d max=%d", a.state, len(a.calls), len(a.offers), a.MaxCalls)
	}
	if !r.oracleEligible(a, c) {
		return errors.New("agent not eligible")
	}
	for _, o := range r.waiting {
		if o == c || o.offer != nil || !r.oracleEligible(a, o) {
			continue
		}
		if o.prio > c.prio || (o.prio == c.prio && (o.EnqueuedAt.Before(c.EnqueuedAt) ||
			(o.EnqueuedAt.Equal(c.EnqueuedAt) && o.seq < c.seq))) {
			return fmt.Errorf("priority/FIFO: %s waits and ranks higher", o)
		}
	}
	for _, b := range r.agents {
		if b == a || !oracleFree(b) || !r.oracleEligible(b, c) {
			continue
		}
		lb, la := len(b.calls)+len(b.offers), len(a.calls)+len(a.offers)
		if lb < la || (lb == la && (b.idleSince.Before(a.idleSince) || (b.idleSince.Equal(a.idleSince) && b.ID < a.ID))) {
			return fmt.Errorf("longest idle: %s (load %d, idle since %s) is a better choice than load %d idle since %s",
				b.ID, lb, b.idleSince.Format("15:04:05.000"), la, a.idleSince.Format("15:04:05.000"))
		}
	}
	return nil
}

// checkState: the structures agree; one offer per contact at most; no
// agent over its capacity; no free agent left idle while an eligible
// contact waits un-offered; every deadline due has fired.
func (r *Router) checkState() error {
	for i, c := range r.waiting {
		if !c.waiting || r.contacts[c.ID] != c || c.agent != nil {
			return fmt.Errorf("waiting[%d] %s inconsistent", i, c)
		}
		if i > 0 && !rankLess(r.waiting[i-1], c) {
			return fmt.Errorf("waiting list out of order at %d", i)
		}
		if r.queues[c.q.ID] != c.q {
			return fmt.Errorf("%s waits in a removed queue", c)
		}
		if !c.maxWaitAt.IsZero() && !c.maxWaitAt.After(r.now) && c.offer == nil {
			return fmt.Errorf("%s is past its max wait", c)
		}
		if !c.overflowAt.IsZero() && !c.overflowAt.After(r.now) && c.offer == nil {
			return fmt.Errorf("%s is past its overflow", c)
		}
	}
	nwait := 0
	for id, c := range r.contacts {
		if c.ID != id {
			return fmt.Errorf("contact %s under key %s", c.ID, id)
		}
		switch {
		case c.waiting:
			nwait++
		case c.agent == nil || c.agent.calls[id] != c:
			return fmt.Errorf("contact %s neither waiting nor on a call", id)
		}
	}
	if nwait != len(r.waiting) {
		return fmt.Errorf("%d contacts waiting, list has %d", nwait, len(r.waiting))
	}
	offered := map[*contact]int{}
	nfree := 0
	for _, a := range r.agents {
		if a.load() > max(a.MaxCalls, 1) {
			return fmt.Errorf("agent %s holds %d calls + %d offers > max %d", a.ID, len(a.calls), len(a.offers), a.MaxCalls)
		}
		if (len(a.calls) > 0) != (a.state == OnCall) {
			return fmt.Errorf("agent %s is %s with %d calls", a.ID, a.state, len(a.calls))
		}
		if a.state == WrapUp && !a.wrapUntil.After(r.now) {
			return fmt.Errorf("agent %s wrap-up overdue", a.ID)
		}
		if a.hasNext && a.state != OnCall && a.state != WrapUp {
			return fmt.Errorf("agent %s has a pending state while %s", a.ID, a.state)
		}
		for id, o := range a.offers {
			if o.id != id || o.a != a || r.offers[id] != o || o.c.offer != o || !o.c.waiting || o.state != offerPending {
				return fmt.Errorf("offer %s of agent %s inconsistent", id, a.ID)
			}
			if a.state != Available && a.state != OnCall || a.hasNext {
				return fmt.Errorf("agent %s has an offer while %s", a.ID, a.state)
			}
			if !o.expires.After(r.now) {
				return fmt.Errorf("offer %s overdue", id)
			}
			offered[o.c]++
		}
		free := oracleFree(a)
		if free != (a.freeAt >= 0) {
			return fmt.Errorf("agent %s free=%v but free list index %d", a.ID, free, a.freeAt)
		}
		if free {
			nfree++
			if r.free[a.freeAt] != a {
				return fmt.Errorf("free list index of %s wrong", a.ID)
			}
		}
	}
	if nfree != len(r.free) || len(offered) != len(r.offers) {
		return fmt.Errorf("free list %d vs %d free agents; %d offers vs %d offered contacts", len(r.free), nfree, len(r.offers), len(offered))
	}
	for c, n := range offered {
		if n > 1 {
			return fmt.Errorf("%s offered to %d agents at once", c, n)
		}
	}
	for _, c := range r.waiting {
		if c.offer != nil {
			continue
		}
		for _, a := range r.agents {
			if oracleFree(a) && r.oracleEligible(a, c) {
				return fmt.Errorf("%s waits while eligible agent %s is free", c, a.ID)
			}
		}
	}
	return nil
}
