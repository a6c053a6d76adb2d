package acd_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
	"github.com/switchboard-voice/switchboard/acd/acdtest"
)

// simConfig is the property tests' call center: queues with skills,
// levels, languages, priority rules, overflow chains, max wait and
// callbacks, and agents with random skills, languages and capacities.
func simConfig(rng *rand.Rand, agents int) acd.Config {
	cfg := acd.Config{
		RingTimeout:    15 * time.Second,
		WrapUp:         5 * time.Second,
		RejectCooldown: 20 * time.Second,
		StatsWindow:    24 * time.Hour, // the whole run, to compare with the outcomes
		Queues: []acd.Queue{
			{ID: "general", Priority: []acd.PriorityRule{{Attribute: "vip", Equals: "true", Boost: 5}, {Attribute: "tier", Value: true}}, MaxWait: 10 * time.Minute, Callback: true},
			{ID: "billing", Skills: map[string]int{"billing": 3}, Language: "en", Overflow: &acd.Overflow{Target: "general", After: 90 * time.Second}, Callback: true},
			{ID: "tech", Skills: map[string]int{"tech": 5}, Language: "en", WrapUp: -1, Overflow: &acd.Overflow{Target: "billing", After: 2 * time.Minute}},
			{ID: "vip", Skills: map[string]int{"billing": 7, "tech": 2}, Priority: []acd.PriorityRule{{Attribute: "vip", Equals: "true", Boost: 10}}, Overflow: &acd.Overflow{Target: "billing", After: 30 * time.Second}},
			{ID: "zh", Language: "zh", MaxWait: 3 * time.Minute, Callback: true, RingTimeout: 10 * time.Second},
		},
	}
	langs := [][]string{{"en"}, {"zh"}, {"en", "zh"}, {"en-GB"}}
	for i := range agents {
		a := acd.Agent{ID: fmt.Sprintf("a%02d", i), Languages: langs[rng.IntN(len(langs))], MaxCalls: 1 + rng.IntN(3)/2,
			Skills: map[string]int{}}
		for _, s := range []string{"billing", "tech"} {
			if rng.IntN(4) > 0 {
				a.Skills[s] = 1 + rng.IntN(10)
			}
		}
		cfg.Agents = append(cfg.Agents, a)
	}
	return cfg
}

var simQueues = []string{"general", "billing", "tech", "vip", "zh"}

func randomContact(rng *rand.Rand, id string) acd.Contact {
	c := acd.Contact{ID: id, Queue: simQueues[rng.IntN(len(simQueues))], CallerID: "+1555" + id,
		Priority: rng.IntN(3) - 1, Attributes: map[string]string{}}
	if rng.IntN(5) == 0 {
		c.Attributes["vip"] = "true"
	}
	if rng.IntN(4) == 0 {
		c.Attributes["tier"] = strconv.Itoa(rng.IntN(4))
	}
	switch rng.IntN(6) {
	case 0:
		c.Language = "zh"
	case 1:
		c.Language = "en-US"
	}
	return c
}

// shadow replays the event stream on its own model of offers and calls:
// an independent check of "one offer per contact", "calls plus offers
// within the agent's limit", "each contact ends exactly once" and of the
// sequence numbers.
type shadow struct {
	max      map[string]int    // agent → MaxCalls
	offerOf  map[string]string // contact → pending offer
	offerAt  map[string]string // offer → agent
	load     map[string]int    // agent → calls + offers
	calls    map[string]string // contact → agent, while on a call
	ended    map[string]acd.EventKind
	enqueued int
	seq      uint64
}

func newShadow(cfg acd.Config) *shadow {
	s := &shadow{max: map[string]int{}, offerOf: map[string]string{}, offerAt: map[string]string{},
		load: map[string]int{}, calls: map[string]string{}, ended: map[string]acd.EventKind{}}
	for _, a := range cfg.Agents {
		s.max[a.ID] = max(a.MaxCalls, 1)
	}
	return s
}

func (s *shadow) apply(ev acd.Event) error {
	if ev.Seq != s.seq+1 {
		return fmt.Errorf("event seq %d after %d", ev.Seq, s.seq)
	}
	s.seq = ev.Seq
	closeOffer := func() {
		if o, ok := s.offerOf[ev.ContactID]; ok {
			s.load[s.offerAt[o]]--
			delete(s.offerAt, o)
			delete(s.offerOf, ev.ContactID)
		}
	}
	end := func() error {
		if k, dup := s.ended[ev.ContactID]; dup {
			return fmt.Errorf("contact %s ended twice (%s, then %s)", ev.ContactID, k, ev.Kind)
		}
		s.ended[ev.ContactID] = ev.Kind
		return nil
	}
	switch ev.Kind {
	case acd.ContactEnqueued:
		s.enqueued++
	case acd.ContactOffered:
		if o, busy := s.offerOf[ev.ContactID]; busy {
			return fmt.Errorf("contact %s offered to %s while offer %s rings", ev.ContactID, ev.AgentID, o)
		}
		s.offerOf[ev.ContactID], s.offerAt[ev.OfferID] = ev.OfferID, ev.AgentID
		s.load[ev.AgentID]++
		if s.load[ev.AgentID] > s.max[ev.AgentID] {
			return fmt.Errorf("agent %s holds %d calls+offers > %d", ev.AgentID, s.load[ev.AgentID], s.max[ev.AgentID])
		}
	case acd.ContactAccepted:
		closeOffer()
		s.load[ev.AgentID]++
		s.calls[ev.ContactID] = ev.AgentID
		return end()
	case acd.CallEnded:
		if s.calls[ev.ContactID] != ev.AgentID {
			return fmt.Errorf("call %s ended by %s, not on a call with it", ev.ContactID, ev.AgentID)
		}
		delete(s.calls, ev.ContactID)
		s.load[ev.AgentID]--
	case acd.ContactRejected, acd.ContactMissed, acd.OfferWithdrawn:
		if s.offerOf[ev.ContactID] != ev.OfferID {
			return fmt.Errorf("%s of offer %s that does not ring", ev.Kind, ev.OfferID)
		}
		closeOffer()
	case acd.ContactAbandoned, acd.ContactCallbackRequested, acd.ContactTimedOut, acd.ContactDequeued:
		if s.offerOf[ev.ContactID] != ev.OfferID {
			return fmt.Errorf("%s of %s names offer %q, ringing %q", ev.Kind, ev.ContactID, ev.OfferID, s.offerOf[ev.ContactID])
		}
		closeOffer()
		return end()
	}
	return nil
}

// sim drives a router with simulated agents and callers.
type sim struct {
	t       *testing.T
	r       *acd.Router
	clock   *acdtest.Clock
	check   *acd.Checker
	sub     *acd.Subscription
	cfg     acd.Config
	mu      sync.Mutex
	tickets map[string]*acd.Ticket
	next    int
	acts    atomic.Int64 // agent and caller actions, to pace the clock
}

func newSim(t *testing.T, seed uint64, agents int) *sim {
	rng := rand.New(rand.NewPCG(seed, 1))
	cfg := simConfig(rng, agents)
	clock := acdtest.NewClock(time.Time{})
	r, err := acd.New(cfg, acd.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	s := &sim{t: t, r: r, clock: clock, cfg: cfg, tickets: map[string]*acd.Ticket{}}
	s.sub = r.Subscribe(1 << 20)
	s.check = acd.Check(r)
	return s
}

func (s *sim) enqueue(rng *rand.Rand) {
	s.mu.Lock()
	s.next++
	id := fmt.Sprintf("c%d", s.next)
	s.mu.Unlock()
	tk, err := s.r.Enqueue(context.Background(), randomContact(rng, id))
	if err != nil {
		s.t.Errorf("enqueue %s: %v", id, err)
		return
	}
	s.mu.Lock()
	s.tickets[id] = tk
	s.mu.Unlock()
}

// expected are the errors random actions may run into (an offer that
// just rang out, a contact that just hung up); anything else fails.
func expected(err error) bool {
	for _, e := range []error{acd.ErrOfferExpired, acd.ErrOfferWithdrawn, acd.ErrUnknownOffer,
		acd.ErrUnknownContact, acd.ErrCallbackNotAllowed, acd.ErrAlreadyAccepted} {
		if errors.Is(err, e) {
			return true
		}
	}
	return err == nil
}

// agentStep is one random action of an agent.
func (s *sim) agentStep(rng *rand.Rand, id string) {
	s.acts.Add(1)
	st, err := s.r.AgentStatus(id)
	if err != nil {
		s.t.Errorf("status %s: %v", id, err)
		return
	}
	var errAct error
	switch {
	case len(st.Offers) > 0 && rng.IntN(10) < 8:
		o := st.Offers[rng.IntN(len(st.Offers))]
		switch n := rng.IntN(10); {
		case n < 6:
			errAct = s.r.Accept(id, o)
			if errAct == nil && rng.IntN(10) == 0 {
				if err := s.r.Accept(id, o); !errors.Is(err, acd.ErrAlreadyAccepted) {
					s.t.Errorf("double accept of %s: %v, want ErrAlreadyAccepted", o, err)
				}
			}
		case n < 9:
			errAct = s.r.Reject(id, o)
		default: // let it ring out
		}
	case len(st.Calls) > 0 && rng.IntN(3) == 0:
		errAct = s.r.CallEnded(id, st.Calls[rng.IntN(len(st.Calls))])
	default:
		switch n := rng.IntN(20); {
		case n < 12:
			errAct = s.r.SetState(id, acd.Available, "")
		case n < 16:
			errAct = s.r.SetState(id, acd.Away, "break")
		case n < 18:
			errAct = s.r.SetState(id, acd.Offline, "")
		case n < 19:
			if err := s.r.SetState(id, acd.OnCall, ""); !errors.Is(err, acd.ErrInvalidState) {
				s.t.Errorf("SetState(on_call) = %v, want ErrInvalidState", err)
			}
		default:
			errAct = s.r.SetState(id, acd.WrapUp, "")
			if !errors.Is(errAct, acd.ErrInvalidState) {
				s.t.Errorf("SetState(wrap_up) = %v, want ErrInvalidState", errAct)
			}
			errAct = nil
		}
	}
	if !expected(errAct) {
		s.t.Errorf("agent %s: %v", id, errAct)
	}
}

// callerStep is one random action of a caller.
func (s *sim) callerStep(rng *rand.Rand) {
	s.acts.Add(1)
	if rng.IntN(2) == 0 {
		s.enqueue(rng)
		return
	}
	s.mu.Lock()
	if s.next == 0 {
		s.mu.Unlock()
		return
	}
	id := fmt.Sprintf("c%d", 1+rng.IntN(s.next))
	s.mu.Unlock()
	var err error
	switch n := rng.IntN(10); {
	case n < 6:
		err = s.r.Hangup(id)
	case n < 9:
		err = s.r.RequestCallback(id, "")
	default:
		err = s.r.Dequeue(id, "voicemail")
	}
	if !expected(err) {
		s.t.Errorf("caller %s: %v", id, err)
	}
}

// supervisorStep changes an agent's skills and languages or a queue's
// required level and priority rules, at run time.
func (s *sim) supervisorStep(rng *rand.Rand) {
	if rng.IntN(2) == 0 {
		a := s.cfg.Agents[rng.IntN(len(s.cfg.Agents))]
		a.Skills = map[string]int{"billing": 1 + rng.IntN(10), "tech": 1 + rng.IntN(10)}
		a.Languages = [][]string{{"en"}, {"zh"}, {"en", "zh"}}[rng.IntN(3)]
		if err := s.r.UpdateAgent(a); err != nil {
			s.t.Errorf("update agent: %v", err)
		}
		return
	}
	q := s.cfg.Queues[1] // billing
	q.Skills = map[string]int{"billing": 1 + rng.IntN(6)}
	q.Priority = []acd.PriorityRule{{Attribute: "vip", Equals: "true", Boost: rng.IntN(20) - 10 | 1}}
	if err := s.r.UpdateQueue(q); err != nil {
		s.t.Errorf("update queue: %v", err)
	}
}

// finish ends every call and wait, then checks that each contact had
// exactly one outcome, agreeing with the events.
func (s *sim) finish() {
	t := s.t
	snap := s.r.Snapshot()
	for _, q := range snap.Queues {
		for _, c := range q.Contacts {
			if err := s.r.Hangup(c.ContactID); err != nil {
				t.Errorf("final hangup %s: %v", c.ContactID, err)
			}
		}
	}
	for _, a := range s.r.Snapshot().Agents {
		for _, c := range a.Calls {
			if err := s.r.CallEnded(a.ID, c); err != nil {
				t.Errorf("final call end %s: %v", c, err)
			}
		}
	}
	if err := s.check.Err(); err != nil {
		t.Fatal(err)
	}
	snap = s.r.Snapshot()
	if err := s.r.Close(); err != nil {
		t.Fatal(err)
	}
	sh := newShadow(s.cfg)
	for ev := range s.sub.C() {
		if err := sh.apply(ev); err != nil {
			t.Fatalf("event %d %s: %v", ev.Seq, ev.Kind, err)
		}
	}
	if s.sub.Dropped() != 0 || sh.seq != snap.Seq {
		t.Fatalf("events: dropped %d, last seq %d, snapshot seq %d", s.sub.Dropped(), sh.seq, snap.Seq)
	}
	if len(sh.offerOf) != 0 || len(sh.calls) != 0 {
		t.Fatalf("after the end: %d offers ringing, %d calls", len(sh.offerOf), len(sh.calls))
	}
	counts := map[acd.OutcomeKind]int{}
	for id, tk := range s.tickets {
		select {
		case out := <-tk.Done():
			counts[out.Kind]++
			want := map[acd.OutcomeKind]acd.EventKind{acd.Answered: acd.ContactAccepted, acd.Abandoned: acd.ContactAbandoned,
				acd.CallbackRequested: acd.ContactCallbackRequested, acd.TimedOut: acd.ContactTimedOut, acd.Removed: acd.ContactDequeued}[out.Kind]
			if sh.ended[id] != want {
				t.Fatalf("contact %s: outcome %s, event %s", id, out.Kind, sh.ended[id])
			}
		default:
			t.Fatalf("contact %s has no outcome", id)
		}
		select {
		case out := <-tk.Done():
			t.Fatalf("contact %s has a second outcome %v", id, out)
		default:
		}
	}
	if len(s.tickets) != sh.enqueued || len(sh.ended) != sh.enqueued {
		t.Fatalf("%d tickets, %d enqueued, %d ended", len(s.tickets), sh.enqueued, len(sh.ended))
	}
	// The statistics (their window covers the run) count the same.
	var stats acd.QueueStatus
	for _, q := range snap.Queues {
		stats.Answered += q.Answered
		stats.Abandoned += q.Abandoned
		stats.Callbacks += q.Callbacks
		stats.TimedOut += q.TimedOut
		stats.Removed += q.Removed
		stats.Ended += q.Ended
		if q.Waiting != 0 || q.Ringing != 0 {
			t.Fatalf("queue %s still has %d waiting", q.ID, q.Waiting)
		}
	}
	if stats.Answered != counts[acd.Answered] || stats.Ended != counts[acd.Answered] || stats.Abandoned != counts[acd.Abandoned] ||
		stats.Callbacks != counts[acd.CallbackRequested] || stats.TimedOut != counts[acd.TimedOut] || stats.Removed != counts[acd.Removed] {
		t.Fatalf("statistics %+v disagree with the outcomes %v", stats, counts)
	}
	t.Logf("%d contacts %v; %d offers and %d operations checked", len(s.tickets), counts, s.check.Offers, s.check.Ops)
}

func seeds(t *testing.T, n int) []uint64 {
	if v := os.Getenv("ACD_SEED"); v != "" {
		seed, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		return []uint64{seed}
	}
	out := make([]uint64, n)
	for i := range out {
		out[i] = uint64(i + 1)
	}
	if testing.Short() {
		out = out[:max(1, n/5)]
	}
	return out
}

// TestPropertySequential: one goroutine plays every agent, caller and the
// clock from one seeded generator, so a failure replays exactly with
// ACD_SEED=n. The invariants are checked after every operation and before
// every offer (acd.Check), and at the end from the event stream.
func TestPropertySequential(t *testing.T) {
	for _, seed := range seeds(t, 10) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			s := newSim(t, seed, 30)
			rng := rand.New(rand.NewPCG(seed, 2))
			for step := 0; step < 2000 && !t.Failed(); step++ {
				switch n := rng.IntN(10); {
				case n < 2:
					s.agentStep(rng, s.cfg.Agents[rng.IntN(len(s.cfg.Agents))].ID)
				case n < 4: // an agent whose desktop rings, if any
					id := s.cfg.Agents[rng.IntN(len(s.cfg.Agents))].ID
					if offers := s.r.Snapshot().Offers; len(offers) > 0 {
						id = offers[rng.IntN(len(offers))].AgentID
					}
					s.agentStep(rng, id)
				case n < 7:
					if rng.IntN(50) == 0 {
						s.supervisorStep(rng)
					} else {
						s.callerStep(rng)
					}
				default:
					s.clock.Advance(time.Duration(rng.IntN(4000)) * time.Millisecond)
					s.r.Snapshot() // fires the timers due
				}
				if err := s.check.Err(); err != nil {
					t.Fatalf("step %d (ACD_SEED=%d): %v", step, seed, err)
				}
			}
			s.finish()
		})
	}
}

// TestPropertyConcurrent: agents, callers and the clock act from their
// own goroutines (each with its own seeded generator; the interleaving is
// the scheduler's), for the race detector and for the invariants under
// real concurrency.
func TestPropertyConcurrent(t *testing.T) {
	for _, seed := range seeds(t, 3) {
		t.Run(fmt.Sprint("seed=", seed), func(t *testing.T) {
			s := newSim(t, seed, 40)
			var wg sync.WaitGroup
			for i, a := range s.cfg.Agents {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(seed, uint64(100+i)))
					for range 100 {
						s.agentStep(rng, a.ID)
					}
				})
			}
			wg.Go(func() {
				rng := rand.New(rand.NewPCG(seed, 4))
				for range 30 {
					s.supervisorStep(rng)
					time.Sleep(time.Millisecond)
				}
			})
			for i := range 8 {
				wg.Go(func() {
					rng := rand.New(rand.NewPCG(seed, uint64(1000+i)))
					for range 150 {
						s.callerStep(rng)
					}
				})
			}
			stop := make(chan struct{})
			clockDone := make(chan struct{})
			go func() {
				defer close(clockDone)
				rng := rand.New(rand.NewPCG(seed, 3))
				last := int64(0)
				for {
					select {
					case <-stop:
						return
					default:
					}
					// About two seconds of call-center time per 10 actions.
					if n := s.acts.Load(); n-last >= 10 {
						last = n
						s.clock.Advance(time.Duration(rng.IntN(4000)) * time.Millisecond)
					}
					time.Sleep(100 * time.Microsecond)
				}
			}()
			wg.Wait()
			close(stop)
			<-clockDone
			if err := s.check.Err(); err != nil {
				t.Fatal(err)
			}
			s.finish()
		})
	}
}
