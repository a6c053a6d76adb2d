package acd

import (
	"container/heap"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"
)

// Router is the automatic call distributor: it holds the queues, the
// agents and the waiting contacts, offers contacts to agents, and runs the
// timers (ring timeouts, wrap-up, overflow, max wait). All methods are safe
// for concurrent use. One goroutine, started by New and waited for by
// Close, fires the timers; every method also fires the timers that are due
// before it acts, so with a fake clock a test sees a timer's effect on its
// next call.
type Router struct {
	log   *slog.Logger
	clock Clock

	// Test hooks, called with mu held: afterOp after every operation,
	// beforeOffer before each offer is made.
	afterOp     func()
	beforeOffer func(a *agent, c *contact)

	mu       sync.Mutex
	cfg      Config // router-wide settings; Queues and Agents are not kept here
	queues   map[string]*queue
	qorder   []*queue // configuration order
	agents   map[string]*agent
	contacts map[string]*contact // waiting or on a call
	waiting  []*contact          // in routing order (rankLess)
	free     []*agent            // agents that can take an offer now
	offers   map[string]*offer   // pending offers
	ended    endedOffers
	timers   timerHeap
	subs     map[*Subscription]struct{}
	seq      uint64    // last event's number
	now      time.Time // the time of the operation in progress
	ids      uint64    // for offer and contact IDs
	pass     uint64    // routing passes
	gen      uint64    // changes with every agent or queue profile change
	closed   bool

	wake chan struct{}
	stop chan struct{}
	done chan struct{}
}

// Option configures a Router.
type Option func(*Router)

// WithClock sets the clock (default: the system clock).
func WithClock(c Clock) Option { return func(r *Router) { r.clock = c } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(r *Router) { r.log = l } }

// New validates cfg and returns a running router with its queues and its
// agents (offline). Close stops it.
func New(cfg Config, opts ...Option) (*Router, error) {
	cfg.fill()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &Router{
		clock:    systemClock{},
		queues:   map[string]*queue{},
		agents:   map[string]*agent{},
		contacts: map[string]*contact{},
		offers:   map[string]*offer{},
		subs:     map[*Subscription]struct{}{},
		wake:     make(chan struct{}, 1),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	for _, o := range opts {
		o(r)
	}
	if r.log == nil {
		r.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	r.now = r.clock.Now()
	queues, agents := cfg.Queues, cfg.Agents
	cfg.Queues, cfg.Agents = nil, nil
	r.cfg = cfg
	for _, q := range queues {
		r.putQueue(q)
	}
	for _, a := range agents {
		r.putAgent(a)
	}
	go r.loop()
	return r, nil
}

// Close stops the timer goroutine and waits for it, removes every waiting
// contact (outcome Removed, reason "router closed") and closes every
// subscription. Calls in progress are left to the media layer. Methods
// called after Close return ErrClosed.
func (r *Router) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.now = later(r.now, r.clock.Now())
	for len(r.waiting) > 0 {
		c := r.waiting[0]
		ev := r.contactEvent(ContactDequeued, c, "router closed")
		r.leave(c, Outcome{Kind: Removed, Reason: "router closed"})
		r.emit(ev)
	}
	r.closed = true
	for s := range r.subs {
		s.closeLocked()
		delete(r.subs, s)
	}
	r.mu.Unlock()
	close(r.stop)
	<-r.done
	return nil
}

// loop fires the timers in real time (with the system clock) or when a
// fake clock is advanced.
func (r *Router) loop() {
	defer close(r.done)
	for {
		r.mu.Lock()
		if r.closed {
			r.mu.Unlock()
			<-r.stop
			return
		}
		r.advance(r.clock.Now())
		r.finish()
		next, ok := r.timers.peek()
		r.mu.Unlock()
		var fire <-chan time.Time
		var t Timer
		if ok {
			t = r.clock.NewTimer(next.Sub(r.clock.Now()))
			fire = t.C()
		}
		select {
		case <-r.stop:
			if t != nil {
				t.Stop()
			}
			return
		case <-r.wake:
		case <-fire:
		}
		if t != nil {
			t.Stop()
		}
	}
}

// begin locks the router and brings it up to the present: the timers due
// by now fire, in order, each at its own time. Every operation starts with
// begin and ends with end.
func (r *Router) begin() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return ErrClosed
	}
	r.advance(r.clock.Now())
	return nil
}

// end routes, fires what became due during the operation, publishes the
// queue statistics that changed and unlocks.
func (r *Router) end() {
	r.finish()
	r.mu.Unlock()
}

func (r *Router) finish() {
	if r.closed {
		return
	}
	r.route()
	r.advance(r.now)
	r.flushStats()
	if r.afterOp != nil {
		r.afterOp()
	}
}

// advance fires every timer due at or before now, routing after each, and
// sets the operation's time to now (never backwards).
func (r *Router) advance(now time.Time) {
	for len(r.timers) > 0 && !r.timers[0].at.After(now) {
		e := heap.Pop(&r.timers).(*timer)
		r.now = later(r.now, e.at)
		r.fire(e)
		r.route()
	}
	r.now = later(r.now, now)
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// timerKind says what a timer is for.
type timerKind int

const (
	ringTimer     timerKind = iota // an offer rings out
	wrapTimer                      // an agent's wrap-up ends
	overflowTimer                  // a contact overflows
	maxWaitTimer                   // a contact times out
	cooldownTimer                  // an agent may be offered a contact again
	statsTimer                     // a queue's coalesced QueueStats event is due
)

// timer is one deadline. Timers are never removed early: when one fires it
// checks that what it was set for still holds (lazy cancellation).
type timer struct {
	at    time.Time
	kind  timerKind
	seq   uint64
	offer *offer
	agent *agent
	c     *contact
}

type timerHeap []*timer

func (h timerHeap) Len() int { return len(h) }
func (h timerHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h timerHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *timerHeap) Push(x any)   { *h = append(*h, x.(*timer)) }
func (h *timerHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}
func (h timerHeap) peek() (time.Time, bool) {
	if len(h) == 0 {
		return time.Time{}, false
	}
	return h[0].at, true
}

// schedule adds a timer and wakes the timer goroutine to re-arm.
func (r *Router) schedule(t *timer) {
	r.ids++
	t.seq = r.ids
	heap.Push(&r.timers, t)
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// fire acts on a due timer if it still applies.
func (r *Router) fire(t *timer) {
	switch t.kind {
	case ringTimer:
		if o := t.offer; o.state == offerPending {
			r.ringOut(o)
		}
	case wrapTimer:
		if a := t.agent; !a.removed && a.state == WrapUp && a.wrapUntil.Equal(t.at) {
			r.callsDone(a)
		}
	case overflowTimer:
		if c := t.c; c.waiting && c.overflowAt.Equal(t.at) {
			if c.offer != nil {
				c.overflowDue = true // after the offer, unless accepted
			} else {
				r.overflow(c)
			}
		}
	case maxWaitTimer:
		if c := t.c; c.waiting && c.maxWaitAt.Equal(t.at) {
			if c.offer != nil {
				c.timeoutDue = true
			} else {
				r.timeOut(c)
			}
		}
	case cooldownTimer, statsTimer:
		// route runs after every timer, flushStats after every operation
	}
}

// newID returns a new offer or contact ID with the given prefix.
func (r *Router) newID(prefix string) string {
	r.ids++
	return fmt.Sprintf("%s%d", prefix, r.ids)
}

// agentLocked returns the agent or ErrUnknownAgent.
func (r *Router) agentLocked(id string) (*agent, error) {
	a := r.agents[id]
	if a == nil {
		return nil, fmt.Errorf("%w %q", ErrUnknownAgent, id)
	}
	return a, nil
}

// endedOffers remembers how the last offers ended, so that a late Accept
// gets ErrOfferExpired or ErrAlreadyAccepted rather than ErrUnknownOffer.
type endedOffers struct {
	m    map[string]endedOffer
	ring []string
	next int
}

type endedOffer struct {
	agentID string
	state   offerState
}

const rememberOffers = 4096

func (e *endedOffers) add(id, agentID string, st offerState) {
	if e.m == nil {
		e.m = make(map[string]endedOffer, rememberOffers)
		e.ring = make([]string, rememberOffers)
	}
	if old := e.ring[e.next]; old != "" {
		delete(e.m, old)
	}
	e.ring[e.next] = id
	e.next = (e.next + 1) % rememberOffers
	e.m[id] = endedOffer{agentID: agentID, state: st}
}
