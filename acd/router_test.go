package acd_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
	"github.com/switchboard-voice/switchboard/acd/acdtest"
)

// fixture is a router on a fake clock, checked by acd.Check, with a
// subscription that records every event.
type fixture struct {
	t     *testing.T
	r     *acd.Router
	clock *acdtest.Clock
	check *acd.Checker
	sub   *acd.Subscription
}

func newFixture(t *testing.T, cfg acd.Config) *fixture {
	t.Helper()
	clock := acdtest.NewClock(time.Time{})
	r, err := acd.New(cfg, acd.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, r: r, clock: clock, check: acd.Check(r), sub: r.Subscribe(1 << 16)}
	t.Cleanup(func() {
		if err := f.check.Err(); err != nil {
			t.Error(err)
		}
		r.Close()
	})
	return f
}

func (f *fixture) ok(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

func (f *fixture) login(ids ...string) {
	f.t.Helper()
	for _, id := range ids {
		f.ok(f.r.SetState(id, acd.Available, ""))
	}
}

func (f *fixture) enqueue(c acd.Contact) *acd.Ticket {
	f.t.Helper()
	tk, err := f.r.Enqueue(context.Background(), c)
	f.ok(err)
	return tk
}

// advance moves the clock and lets the router fire its timers.
func (f *fixture) advance(d time.Duration) {
	f.clock.Advance(d)
	f.r.Snapshot()
}

// offer returns the agent's only pending offer.
func (f *fixture) offer(agentID string) acd.Offer {
	f.t.Helper()
	offers, err := f.r.Offers(agentID)
	f.ok(err)
	if len(offers) != 1 {
		f.t.Fatalf("agent %s has %d offers, want 1", agentID, len(offers))
	}
	return offers[0]
}

func (f *fixture) noOffer(agentID string) {
	f.t.Helper()
	offers, err := f.r.Offers(agentID)
	f.ok(err)
	if len(offers) != 0 {
		f.t.Fatalf("agent %s has offers %v, want none", agentID, offers)
	}
}

func (f *fixture) state(agentID string) acd.AgentStatus {
	f.t.Helper()
	st, err := f.r.AgentStatus(agentID)
	f.ok(err)
	return st
}

// events drains the events received so far.
func (f *fixture) events() []acd.Event {
	var out []acd.Event
	for {
		select {
		case ev := <-f.sub.C():
			out = append(out, ev)
		default:
			return out
		}
	}
}

func kinds(evs []acd.Event, skipStats bool) string {
	var b []string
	for _, ev := range evs {
		if skipStats && ev.Kind == acd.QueueStats {
			continue
		}
		b = append(b, ev.Kind.String())
	}
	return strings.Join(b, " ")
}

func outcome(t *testing.T, tk *acd.Ticket) acd.Outcome {
	t.Helper()
	select {
	case out := <-tk.Done():
		return out
	default:
		t.Fatalf("contact %s has no outcome yet", tk.ContactID())
		return acd.Outcome{}
	}
}

func pending(t *testing.T, tk *acd.Ticket) {
	t.Helper()
	select {
	case out := <-tk.Done():
		t.Fatalf("contact %s ended early: %+v", tk.ContactID(), out)
	default:
	}
}

func oneQueue(q acd.Queue, agents ...acd.Agent) acd.Config {
	if q.ID == "" {
		q.ID = "q"
	}
	return acd.Config{Queues: []acd.Queue{q}, Agents: agents, WrapUp: -1}
}

func TestAcceptAndCallEnd(t *testing.T) {
	f := newFixture(t, oneQueue(acd.Queue{WrapUp: 30 * time.Second}, acd.Agent{ID: "a"}))
	f.login("a")
	f.events()
	tk := f.enqueue(acd.Contact{ID: "c1", Queue: "q", Handoff: []byte(`{"summary":"lost card"}`)})
	o := f.offer("a")
	if o.Contact.ID != "c1" || string(o.Contact.Handoff) != `{"summary":"lost card"}` || o.ExpiresAt.Sub(o.OfferedAt) != acd.DefaultRingTimeout {
		t.Fatalf("offer %+v", o)
	}
	pending(t, tk)
	f.advance(3 * time.Second)
	f.ok(f.r.Accept("a", o.ID))
	out := outcome(t, tk)
	if out.Kind != acd.Answered || out.AgentID != "a" || out.Waited != 3*time.Second {
		t.Fatalf("outcome %+v", out)
	}
	if st := f.state("a"); st.State != acd.OnCall || len(st.Calls) != 1 {
		t.Fatalf("agent %+v", st)
	}
	if err := f.r.Accept("a", o.ID); !errors.Is(err, acd.ErrAlreadyAccepted) {
		t.Fatalf("double accept: %v", err)
	}
	f.advance(2 * time.Minute)
	f.ok(f.r.CallEnded("a", "c1"))
	st := f.state("a")
	if st.State != acd.WrapUp || st.WrapUpUntil.Sub(f.clock.Now()) != 30*time.Second || st.Handled != 1 {
		t.Fatalf("after the call: %+v", st)
	}
	f.advance(29 * time.Second)
	if st := f.state("a"); st.State != acd.WrapUp {
		t.Fatalf("wrap-up ended early: %s", st.State)
	}
	f.advance(time.Second)
	if st := f.state("a"); st.State != acd.Available || !st.IdleSince.Equal(f.clock.Now()) {
		t.Fatalf("after wrap-up: %+v", st)
	}
	if err := f.r.CallEnded("a", "c1"); !errors.Is(err, acd.ErrUnknownContact) {
		t.Fatalf("second CallEnded: %v", err)
	}
	got := kinds(f.events(), true)
	want := "contact_enqueued contact_offered contact_accepted agent_state call_ended agent_state agent_state"
	if got != want {
		t.Fatalf("events\n got %s\nwant %s", got, want)
	}
}

func TestRingTimeoutSendsAgentAway(t *testing.T) {
	f := newFixture(t, oneQueue(acd.Queue{RingTimeout: 10 * time.Second}, acd.Agent{ID: "a"}, acd.Agent{ID: "b"}))
	f.login("a")
	f.advance(time.Second)
	f.login("b") // a is idle longer
	tk := f.enqueue(acd.Contact{ID: "c1", Queue: "q"})
	o := f.offer("a")
	f.noOffer("b")
	f.advance(9 * time.Second)
	f.offer("a")
	f.advance(time.Second)
	st := f.state("a")
	if st.State != acd.Away || st.Reason != acd.ReasonMissedOffer {
		t.Fatalf("agent a after ring timeout: %s %q", st.State, st.Reason)
	}
	if err := f.r.Accept("a", o.ID); !errors.Is(err, acd.ErrOfferExpired) {
		t.Fatalf("accept after timeout: %v, want ErrOfferExpired", err)
	}
	o2 := f.offer("b")
	if o2.Contact.ID != "c1" {
		t.Fatalf("next offer %+v", o2)
	}
	f.ok(f.r.Accept("b", o2.ID))
	if out := outcome(t, tk); out.AgentID != "b" {
		t.Fatalf("answered by %s", out.AgentID)
	}
	var missed bool
	for _, ev := range f.events() {
		missed = missed || (ev.Kind == acd.ContactMissed && ev.AgentID == "a" && ev.OfferID == o.ID)
	}
	if !missed {
		t.Fatal("no contact_missed event")
	}
}

func TestRejectGoesToNextAgentWithCooldown(t *testing.T) {
	cfg := oneQueue(acd.Queue{}, acd.Agent{ID: "a"}, acd.Agent{ID: "b"})
	cfg.RejectCooldown = 30 * time.Second
	f := newFixture(t, cfg)
	f.login("a", "b")
	f.enqueue(acd.Contact{ID: "c1", Queue: "q"})
	o := f.offer("a")
	f.ok(f.r.Reject("a", o.ID))
	if err := f.r.Reject("a", o.ID); !errors.Is(err, acd.ErrOfferWithdrawn) {
		t.Fatalf("second reject: %v", err)
	}
	f.noOffer("a")
	ob := f.offer("b")
	f.ok(f.r.Reject("b", ob.ID))
	// Both rejected: nobody is offered c1 until a cooldown ends...
	f.noOffer("a")
	f.noOffer("b")
	f.advance(29 * time.Second)
	f.noOffer("a")
	// ...then it goes to the longest idle again.
	f.advance(time.Second)
	if o := f.offer("a"); o.Contact.ID != "c1" {
		t.Fatalf("offer after cooldown %+v", o)
	}
	// Another contact is offered to b meanwhile: the cooldown is per contact.
	f.enqueue(acd.Contact{ID: "c2", Queue: "q"})
	if o := f.offer("b"); o.Contact.ID != "c2" {
		t.Fatalf("b offered %+v", o)
	}
}

func TestSkillsLevelsAndLanguage(t *testing.T) {
	agents := []acd.Agent{
		{ID: "novice", Skills: map[string]int{"billing": 2}, Languages: []string{"en"}},
		{ID: "expert", Skills: map[string]int{"billing": 8}, Languages: []string{"en"}},
		{ID: "zh_expert", Skills: map[string]int{"billing": 9}, Languages: []string{"zh-CN"}},
		{ID: "both", Skills: map[string]int{"billing": 5, "cards": 5}, Languages: []string{"en-GB", "zh"}},
	}
	tests := []struct {
		name    string
		queue   acd.Queue
		contact acd.Contact
		want    []string // agents eligible, best first (logged in in this order)
	}{
		{"level", acd.Queue{Skills: map[string]int{"billing": 5}}, acd.Contact{}, []string{"expert", "zh_expert", "both"}},
		{"level exact", acd.Queue{Skills: map[string]int{"billing": 8}}, acd.Contact{}, []string{"expert", "zh_expert"}},
		{"two skills", acd.Queue{Skills: map[string]int{"billing": 3, "cards": 1}}, acd.Contact{}, []string{"both"}},
		{"queue language", acd.Queue{Language: "en"}, acd.Contact{}, []string{"novice", "expert", "both"}},
		{"contact language wins", acd.Queue{Language: "en"}, acd.Contact{Language: "zh"}, []string{"zh_expert", "both"}},
		{"region subtag", acd.Queue{Skills: map[string]int{"billing": 5}}, acd.Contact{Language: "en-US"}, []string{"expert", "both"}},
		{"nobody", acd.Queue{Skills: map[string]int{"billing": 10}}, acd.Contact{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, oneQueue(tt.queue, agents...))
			for _, a := range agents {
				f.login(a.ID)
				f.advance(time.Second)
			}
			var got []string
			for i := range len(agents) {
				tt.contact.ID, tt.contact.Queue = "c"+string(rune('0'+i)), "q"
				f.enqueue(tt.contact)
			}
			for _, a := range f.r.Snapshot().Offers {
				got = append(got, a.AgentID)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("offered to %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPriorityThenFIFO(t *testing.T) {
	q := acd.Queue{Priority: []acd.PriorityRule{
		{Attribute: "vip", Equals: "true", Boost: 10},
		{Attribute: "tier", Value: true},
	}}
	f := newFixture(t, oneQueue(q, acd.Agent{ID: "a"}))
	for _, c := range []acd.Contact{
		{ID: "plain1"},
		{ID: "tier2", Attributes: map[string]string{"tier": "2"}},
		{ID: "vip", Attributes: map[string]string{"vip": "TRUE"}},
		{ID: "plain2"},
		{ID: "base3", Priority: 3},
		{ID: "tier2b", Attributes: map[string]string{"tier": " 2 "}},
		{ID: "badtier", Attributes: map[string]string{"tier": "gold"}},
	} {
		c.Queue = "q"
		f.enqueue(c)
		f.advance(time.Second)
	}
	snap := f.r.Snapshot()
	var order []string
	for _, c := range snap.Queues[0].Contacts {
		order = append(order, c.ContactID)
	}
	want := "vip base3 tier2 tier2b plain1 plain2 badtier"
	if strings.Join(order, " ") != want {
		t.Fatalf("queue order %v, want %s", order, want)
	}
	if snap.Queues[0].Contacts[0].Priority != 10 || snap.Queues[0].Contacts[0].Position != 1 {
		t.Fatalf("first %+v", snap.Queues[0].Contacts[0])
	}
	f.login("a")
	var served []string
	for range order {
		o := f.offer("a")
		served = append(served, o.Contact.ID)
		f.ok(f.r.Accept("a", o.ID))
		f.ok(f.r.CallEnded("a", o.Contact.ID))
	}
	if strings.Join(served, " ") != want {
		t.Fatalf("served %v, want %s", served, want)
	}
}

func TestLongestIdleAgent(t *testing.T) {
	f := newFixture(t, oneQueue(acd.Queue{}, acd.Agent{ID: "a"}, acd.Agent{ID: "b"}, acd.Agent{ID: "c"}))
	f.login("b")
	f.advance(time.Second)
	f.login("a")
	f.advance(time.Second)
	f.login("c")
	// b is idle longest; then a; then c.
	for _, want := range []string{"b", "a", "c"} {
		tk := f.enqueue(acd.Contact{Queue: "q"})
		o := f.offer(want)
		f.ok(f.r.Accept(want, o.ID))
		outcome(t, tk)
		f.advance(time.Second)
	}
	// c ends first, then b, then a: c is now the longest idle.
	for _, c := range []string{"c", "b", "a"} {
		f.ok(f.r.CallEnded(c, f.state(c).Calls[0]))
		f.advance(time.Second)
	}
	f.enqueue(acd.Contact{Queue: "q"})
	f.offer("c")
}

func TestMultiCallAgentCountsAsAvailable(t *testing.T) {
	f := newFixture(t, oneQueue(acd.Queue{}, acd.Agent{ID: "chat", MaxCalls: 2}, acd.Agent{ID: "voice"}))
	f.login("chat")
	f.advance(time.Second)
	f.login("voice")
	for range 4 {
		f.enqueue(acd.Contact{Queue: "q"})
	}
	// chat (idle longer) gets one, voice one (least loaded first), chat the
	// second; the fourth waits.
	snap := f.r.Snapshot()
	if len(snap.Offers) != 3 || snap.Queues[0].Waiting != 4 || snap.Queues[0].Ringing != 3 {
		t.Fatalf("offers %d, waiting %d", len(snap.Offers), snap.Queues[0].Waiting)
	}
	got := []string{snap.Offers[0].AgentID, snap.Offers[1].AgentID, snap.Offers[2].AgentID}
	if strings.Join(got, ",") != "chat,voice,chat" {
		t.Fatalf("offers to %v", got)
	}
	offers, _ := f.r.Offers("chat")
	f.ok(f.r.Accept("chat", offers[0].ID))
	if st := f.state("chat"); st.State != acd.OnCall || len(st.Calls) != 1 || len(st.Offers) != 1 {
		t.Fatalf("chat %+v", st)
	}
	f.ok(f.r.Accept("chat", offers[1].ID))
	f.ok(f.r.CallEnded("chat", offers[0].Contact.ID))
	// One call left, capacity for one more: the fourth contact comes.
	if o := f.offer("chat"); o.Contact.ID != snap.Queues[0].Contacts[3].ContactID {
		t.Fatalf("chat offered %+v", o)
	}
}

func TestOverflowKeepsWaitTime(t *testing.T) {
	cfg := acd.Config{WrapUp: -1, Queues: []acd.Queue{
		{ID: "sales", Skills: map[string]int{"sales": 1}, Overflow: &acd.Overflow{Target: "general", After: time.Minute}},
		{ID: "general"},
	}, Agents: []acd.Agent{{ID: "a"}}}
	f := newFixture(t, cfg)
	early := f.enqueue(acd.Contact{ID: "early", Queue: "sales"})
	f.advance(30 * time.Second)
	late := f.enqueue(acd.Contact{ID: "late", Queue: "general"})
	f.advance(29 * time.Second)
	if st := early.Status(); st.Queue != "sales" || st.Position != 1 {
		t.Fatalf("before the overflow %+v", st)
	}
	f.advance(time.Second)
	st := early.Status()
	if st.Queue != "general" || st.Position != 1 || st.Waited != time.Minute || st.InQueue != 0 {
		t.Fatalf("after the overflow %+v (it waited longer than late)", st)
	}
	if p := late.Position(); p != 2 {
		t.Fatalf("late position %d", p)
	}
	if q := early.Queue(); q.ID != "general" {
		t.Fatalf("ticket queue %s", q.ID)
	}
	var ov *acd.Event
	for _, ev := range f.events() {
		if ev.Kind == acd.ContactOverflowed {
			ov = &ev
		}
	}
	if ov == nil || ov.FromQueue != "sales" || ov.Queue != "general" || ov.ContactID != "early" {
		t.Fatalf("overflow event %+v", ov)
	}
	f.login("a")
	if o := f.offer("a"); o.Contact.ID != "early" || o.Contact.Queue != "general" {
		t.Fatalf("offer %+v", o)
	}
	snap := f.r.Snapshot()
	if snap.Queues[0].Overflowed != 1 || snap.Queues[1].Waiting != 2 {
		t.Fatalf("stats %+v", snap.Queues)
	}
}

func TestOverflowWaitsForRingingOffer(t *testing.T) {
	cfg := acd.Config{WrapUp: -1, RingTimeout: 20 * time.Second, Queues: []acd.Queue{
		{ID: "a", Overflow: &acd.Overflow{Target: "b", After: 10 * time.Second}},
		{ID: "b"},
	}, Agents: []acd.Agent{{ID: "x"}}}
	f := newFixture(t, cfg)
	f.enqueue(acd.Contact{ID: "c", Queue: "a"})
	f.advance(5 * time.Second)
	f.login("x")
	o := f.offer("x")
	f.advance(10 * time.Second) // overflow due while ringing
	if st := f.r.Snapshot(); st.Queues[0].Waiting != 1 {
		t.Fatal("overflowed while ringing")
	}
	f.ok(f.r.Reject("x", o.ID))
	if st := f.r.Snapshot(); st.Queues[1].Waiting != 1 {
		t.Fatalf("not overflowed after the reject: %+v", st.Queues)
	}
}

func TestMaxWaitTimesOut(t *testing.T) {
	f := newFixture(t, oneQueue(acd.Queue{MaxWait: 2 * time.Minute}))
	tk := f.enqueue(acd.Contact{ID: "c", Queue: "q", EnqueuedAt: f.clock.Now().Add(-time.Minute)})
	f.advance(59 * time.Second)
	pending(t, tk)
	f.advance(time.Second)
	if out := outcome(t, tk); out.Kind != acd.TimedOut || out.Waited != 2*time.Minute {
		t.Fatalf("outcome %+v", out)
	}
	if st := f.r.Snapshot().Queues[0]; st.TimedOut != 1 || st.Waiting != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestCallbackAndAbandon(t *testing.T) {
	cfg := acd.Config{WrapUp: -1, Queues: []acd.Queue{{ID: "cb", Callback: true}, {ID: "nocb"}}, Agents: []acd.Agent{{ID: "a"}}}
	f := newFixture(t, cfg)
	tk := f.enqueue(acd.Contact{ID: "c1", Queue: "cb", CallerID: "+8613800000000"})
	f.ok(f.r.RequestCallback("c1", ""))
	if out := outcome(t, tk); out.Kind != acd.CallbackRequested || out.Number != "+8613800000000" {
		t.Fatalf("outcome %+v", out)
	}
	var number string
	for _, ev := range f.events() {
		if ev.Kind == acd.ContactCallbackRequested {
			number = ev.Number
		}
	}
	if number != "+8613800000000" {
		t.Fatalf("callback event number %q", number)
	}
	f.enqueue(acd.Contact{ID: "c2", Queue: "nocb", CallerID: "1"})
	if err := f.r.RequestCallback("c2", ""); !errors.Is(err, acd.ErrCallbackNotAllowed) {
		t.Fatalf("callback in nocb: %v", err)
	}
	f.enqueue(acd.Contact{ID: "c3", Queue: "cb"})
	if err := f.r.RequestCallback("c3", ""); !errors.Is(err, acd.ErrInvalidContact) {
		t.Fatalf("callback without a number: %v", err)
	}
	f.ok(f.r.RequestCallback("c3", "+15550100"))

	// Abandon while ringing: the offer is withdrawn, the agent stays available.
	f.login("a")
	o := f.offer("a")
	f.ok(f.r.Hangup("c2"))
	if err := f.r.Accept("a", o.ID); !errors.Is(err, acd.ErrOfferWithdrawn) {
		t.Fatalf("accept after hangup: %v", err)
	}
	if st := f.state("a"); st.State != acd.Available || len(st.Offers) != 0 {
		t.Fatalf("agent %+v", st)
	}
	if err := f.r.Hangup("c2"); !errors.Is(err, acd.ErrUnknownContact) {
		t.Fatalf("second hangup: %v", err)
	}
	var abandoned acd.Event
	for _, ev := range f.events() {
		if ev.Kind == acd.ContactAbandoned {
			abandoned = ev
		}
	}
	if abandoned.OfferID != o.ID || abandoned.AgentID != "a" {
		t.Fatalf("abandon event %+v", abandoned)
	}
}

func TestContextEndAbandons(t *testing.T) {
	f := newFixture(t, oneQueue(acd.Queue{}))
	ctx, cancel := context.WithCancel(context.Background())
	tk, err := f.r.Enqueue(ctx, acd.Contact{Queue: "q"})
	f.ok(err)
	cancel()
	select {
	case out := <-tk.Done():
		if out.Kind != acd.Abandoned {
			t.Fatalf("outcome %+v", out)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no outcome after the context ended")
	}
	if _, err := f.r.Enqueue(ctx, acd.Contact{Queue: "q"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("enqueue with an ended context: %v", err)
	}
}

func TestHangupDuringCallEndsIt(t *testing.T) {
	f := newFixture(t, oneQueue(acd.Queue{}, acd.Agent{ID: "a"}))
	f.login("a")
	f.enqueue(acd.Contact{ID: "c", Queue: "q"})
	f.ok(f.r.Accept("a", f.offer("a").ID))
	f.advance(90 * time.Second)
	f.ok(f.r.Hangup("c"))
	if st := f.state("a"); st.State != acd.Available {
		t.Fatalf("agent %s after the caller hung up", st.State)
	}
	if st := f.r.Snapshot().Queues[0]; st.Ended != 1 || st.AvgHandleTime != 90*time.Second {
		t.Fatalf("stats %+v", st)
	}
}

func TestStateTransitions(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fixture)
		to    acd.State
		want  error
		state acd.State
		next  bool // a pending state after the call
	}{
		{"offline to available", nil, acd.Available, nil, acd.Available, false},
		{"offline to away", nil, acd.Away, nil, acd.Away, false},
		{"offline to on_call", nil, acd.OnCall, acd.ErrInvalidState, acd.Offline, false},
		{"available to wrap_up", func(f *fixture) { f.login("a") }, acd.WrapUp, acd.ErrInvalidState, acd.Available, false},
		{"unknown state", nil, acd.State(42), acd.ErrInvalidState, acd.Offline, false},
		{"on call to away waits", onCall, acd.Away, nil, acd.OnCall, true},
		{"on call to offline waits", onCall, acd.Offline, nil, acd.OnCall, true},
		{"on call to available", onCall, acd.Available, nil, acd.OnCall, false},
		{"wrap-up to available early", wrapUp, acd.Available, nil, acd.Available, false},
		{"wrap-up to away", wrapUp, acd.Away, nil, acd.Away, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := acd.Queue{WrapUp: time.Minute}
			f := newFixture(t, oneQueue(q, acd.Agent{ID: "a"}))
			if tt.setup != nil {
				tt.setup(f)
			}
			err := f.r.SetState("a", tt.to, "")
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("SetState(%s) = %v, want %v", tt.to, err, tt.want)
			}
			if st := f.state("a"); st.State != tt.state || st.HasNext != tt.next {
				t.Fatalf("state %s next %v, want %s next %v", st.State, st.HasNext, tt.state, tt.next)
			}
		})
	}
	if _, err := acd.ParseState("lunch"); !errors.Is(err, acd.ErrInvalidState) {
		t.Fatalf("ParseState: %v", err)
	}
}

func onCall(f *fixture) {
	f.login("a")
	f.enqueue(acd.Contact{ID: "c", Queue: "q"})
	f.ok(f.r.Accept("a", f.offer("a").ID))
}

func wrapUp(f *fixture) {
	onCall(f)
	f.ok(f.r.CallEnded("a", "c"))
}

func TestAwayAfterCall(t *testing.T) {
	f := newFixture(t, oneQueue(acd.Queue{WrapUp: 10 * time.Second}, acd.Agent{ID: "a", MaxCalls: 2}))
	onCall(f)
	f.ok(f.r.SetState("a", acd.Away, "lunch"))
	f.enqueue(acd.Contact{ID: "c2", Queue: "q"})
	f.noOffer("a") // capacity left, but going away
	f.ok(f.r.CallEnded("a", "c"))
	if st := f.state("a"); st.State != acd.WrapUp || st.Next != acd.Away || st.NextReason != "lunch" {
		t.Fatalf("after the call %+v", st)
	}
	f.advance(10 * time.Second)
	if st := f.state("a"); st.State != acd.Away || st.Reason != "lunch" {
		t.Fatalf("after wrap-up %+v", st)
	}
}

func TestUnknownIDs(t *testing.T) {
	f := newFixture(t, oneQueue(acd.Queue{}, acd.Agent{ID: "a"}))
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"set state", f.r.SetState("zz", acd.Available, ""), acd.ErrUnknownAgent},
		{"accept agent", f.r.Accept("zz", "o1"), acd.ErrUnknownAgent},
		{"accept offer", f.r.Accept("a", "o999"), acd.ErrUnknownOffer},
		{"reject offer", f.r.Reject("a", "o999"), acd.ErrUnknownOffer},
		{"call ended", f.r.CallEnded("a", "c"), acd.ErrUnknownContact},
		{"hangup", f.r.Hangup("c"), acd.ErrUnknownContact},
		{"callback", f.r.RequestCallback("c", "1"), acd.ErrUnknownContact},
		{"dequeue", f.r.Dequeue("c", ""), acd.ErrUnknownContact},
		{"remove agent", f.r.RemoveAgent("zz"), acd.ErrUnknownAgent},
		{"remove queue", f.r.RemoveQueue("zz"), acd.ErrUnknownQueue},
		{"update queue", f.r.UpdateQueue(acd.Queue{ID: "zz"}), acd.ErrUnknownQueue},
	}
	_, err := f.r.Enqueue(context.Background(), acd.Contact{Queue: "zz"})
	tests = append(tests, struct {
		name string
		err  error
		want error
	}{"enqueue", err, acd.ErrUnknownQueue})
	for _, tt := range tests {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	f.enqueue(acd.Contact{ID: "dup", Queue: "q"})
	if _, err := f.r.Enqueue(context.Background(), acd.Contact{ID: "dup", Queue: "q"}); !errors.Is(err, acd.ErrDuplicate) {
		t.Errorf("duplicate contact: %v", err)
	}
	if _, err := f.r.Enqueue(context.Background(), acd.Contact{Queue: "q", Language: "english!"}); !errors.Is(err, acd.ErrInvalidContact) {
		t.Errorf("bad language: %v", err)
	}
	if _, err := f.r.Enqueue(context.Background(), acd.Contact{Queue: "q", Handoff: []byte("{")}); !errors.Is(err, acd.ErrInvalidContact) {
		t.Errorf("bad handoff: %v", err)
	}
	// Another agent's offer is not yours.
	f.login("a")
	o := f.offer("a")
	f.ok(f.r.AddAgent(acd.Agent{ID: "b"}))
	if err := f.r.Accept("b", o.ID); !errors.Is(err, acd.ErrUnknownOffer) {
		t.Errorf("accept of another agent's offer: %v", err)
	}
}

func TestRuntimeChanges(t *testing.T) {
	f := newFixture(t, oneQueue(acd.Queue{Skills: map[string]int{"x": 5}}, acd.Agent{ID: "a", Skills: map[string]int{"x": 3}}))
	f.login("a")
	f.enqueue(acd.Contact{ID: "c", Queue: "q"})
	f.noOffer("a")
	// Training pays off.
	f.ok(f.r.UpdateAgent(acd.Agent{ID: "a", Skills: map[string]int{"x": 5}}))
	o := f.offer("a")
	if st := f.state("a"); st.State != acd.Available {
		t.Fatalf("update changed the state: %s", st.State)
	}
	if err := f.r.UpdateAgent(acd.Agent{ID: "a", Skills: map[string]int{"x": 11}}); !errors.Is(err, acd.ErrInvalidConfig) ||
		!strings.Contains(err.Error(), "agent.skills.x: level 11") {
		t.Fatalf("bad update: %v", err)
	}
	f.ok(f.r.Accept("a", o.ID))
	if err := f.r.RemoveAgent("a"); !errors.Is(err, acd.ErrInUse) {
		t.Fatalf("remove agent on a call: %v", err)
	}
	// A new queue overflowing into q; q cannot go while it is a target.
	f.ok(f.r.AddQueue(acd.Queue{ID: "new", Overflow: &acd.Overflow{Target: "q", After: time.Minute}}))
	if err := f.r.AddQueue(acd.Queue{ID: "new"}); !errors.Is(err, acd.ErrDuplicate) {
		t.Fatalf("duplicate queue: %v", err)
	}
	if err := f.r.UpdateQueue(acd.Queue{ID: "q", Overflow: &acd.Overflow{Target: "new", After: time.Minute}}); !errors.Is(err, acd.ErrInvalidConfig) ||
		!strings.Contains(err.Error(), "overflow cycle q → new → q") {
		t.Fatalf("cycle: %v", err)
	}
	if err := f.r.RemoveQueue("q"); !errors.Is(err, acd.ErrInUse) {
		t.Fatalf("remove an overflow target: %v", err)
	}
	tk := f.enqueue(acd.Contact{ID: "w", Queue: "new"})
	f.ok(f.r.RemoveQueue("new")) // its contact moves to its target
	if st := tk.Status(); st.Queue != "q" {
		t.Fatalf("after removing its queue %+v", st)
	}
	f.ok(f.r.RemoveQueue("q"))
	if out := outcome(t, tk); out.Kind != acd.Removed || out.Reason != "queue removed" {
		t.Fatalf("outcome %+v", out)
	}
	cfg := f.r.Config()
	if len(cfg.Queues) != 0 || len(cfg.Agents) != 1 || cfg.Agents[0].Skills["x"] != 5 {
		t.Fatalf("config %+v", cfg)
	}
}

func TestQueueStatistics(t *testing.T) {
	q := acd.Queue{ServiceLevel: 20 * time.Second}
	cfg := oneQueue(q, acd.Agent{ID: "a"})
	cfg.StatsWindow = 10 * time.Minute
	f := newFixture(t, cfg)
	f.login("a")
	// Answered in 5s (in SL) with 60s handle time.
	f.ok(f.r.SetState("a", acd.Away, ""))
	f.enqueue(acd.Contact{ID: "fast", Queue: "q"})
	f.advance(5 * time.Second)
	f.login("a")
	f.ok(f.r.Accept("a", f.offer("a").ID))
	// Waits 30s (past SL) before it is answered.
	f.enqueue(acd.Contact{ID: "slow", Queue: "q"})
	f.advance(60 * time.Second)
	f.ok(f.r.CallEnded("a", "fast"))
	f.ok(f.r.Accept("a", f.offer("a").ID))
	f.advance(120 * time.Second)
	f.ok(f.r.CallEnded("a", "slow"))
	f.ok(f.r.SetState("a", acd.Away, ""))
	// One short abandon (not held against SL), one long.
	f.enqueue(acd.Contact{ID: "short", Queue: "q"})
	f.advance(10 * time.Second)
	f.ok(f.r.Hangup("short"))
	f.enqueue(acd.Contact{ID: "long", Queue: "q"})
	f.advance(40 * time.Second)
	f.ok(f.r.Hangup("long"))
	f.enqueue(acd.Contact{ID: "waiting", Queue: "q"})
	f.advance(15 * time.Second)
	st := f.r.Snapshot().Queues[0]
	want := acd.QueueStatus{ID: "q", Name: "q", Waiting: 1, LongestWait: 15 * time.Second, Window: 10 * time.Minute,
		Answered: 2, AnsweredInSL: 1, Abandoned: 2, AbandonedInSL: 1, Ended: 2,
		ServiceLevel: 1.0 / 3, AbandonRate: 0.5, AvgHandleTime: 90 * time.Second, AvgAnswerTime: (5*time.Second + 60*time.Second) / 2,
		Agents: acd.AgentCounts{Qualified: 1, Away: 1}}
	st.Contacts = nil
	if !reflect.DeepEqual(st, want) {
		t.Fatalf("stats\n got %+v\nwant %+v", st, want)
	}
	if a := f.state("a"); a.Handled != 2 {
		t.Fatalf("handled %d", a.Handled)
	}
	// Ten minutes later the window has moved past all of it.
	f.advance(10 * time.Minute)
	st = f.r.Snapshot().Queues[0]
	if st.Answered != 0 || st.Abandoned != 0 || st.ServiceLevel != 1 || f.state("a").Handled != 0 {
		t.Fatalf("after the window %+v", st)
	}
}

func TestEstimatedWait(t *testing.T) {
	cfg := oneQueue(acd.Queue{}, acd.Agent{ID: "a"}, acd.Agent{ID: "b"})
	cfg.DefaultHandleTime = 2 * time.Minute
	f := newFixture(t, cfg)
	tk := f.enqueue(acd.Contact{Queue: "q"})
	if _, ok := tk.EWT(); ok {
		t.Fatal("an estimate with nobody logged in")
	}
	f.ok(f.r.SetState("a", acd.Away, ""))
	if _, ok := tk.EWT(); ok {
		t.Fatal("an estimate with nobody staffed")
	}
	f.login("a", "b")
	// Two on calls, five waiting: positions 1-2 wait one round, 3-4 two, 5 three.
	var tks []*acd.Ticket
	for range 6 {
		tks = append(tks, f.enqueue(acd.Contact{Queue: "q"}))
	}
	for _, id := range []string{"a", "b"} {
		f.ok(f.r.Accept(id, f.offer(id).ID))
	}
	for i, want := range []time.Duration{2, 2, 4, 4, 6} {
		tk := tks[i+1]
		ewt, ok := tk.EWT()
		if !ok || ewt != want*time.Minute || tk.Position() != i+1 {
			t.Errorf("contact %d: position %d EWT %s %v, want %d min", i, tk.Position(), ewt, ok, want)
		}
	}
}

func TestSlowSubscriberGap(t *testing.T) {
	f := newFixture(t, oneQueue(acd.Queue{}))
	slow := f.r.Subscribe(2)
	for range 5 {
		f.enqueue(acd.Contact{Queue: "q"})
	}
	// contact_enqueued ×5 and one queue_stats (the others are coalesced
	// into the next second's): 2 buffered, 4 dropped.
	if slow.Dropped() != 4 {
		t.Fatalf("dropped %d, want 4", slow.Dropped())
	}
	a, b := <-slow.C(), <-slow.C()
	f.enqueue(acd.Contact{Queue: "q"})
	c := <-slow.C()
	if b.Seq != a.Seq+1 || c.Seq != b.Seq+1+slow.Dropped() {
		t.Fatalf("seqs %d %d %d with %d dropped", a.Seq, b.Seq, c.Seq, slow.Dropped())
	}
	// The others were not held up.
	if evs := f.events(); f.sub.Dropped() != 0 || len(evs) != 7 {
		t.Fatalf("a slow subscriber affected another: %s", kinds(evs, false))
	}
	// The coalesced statistics come when the second is up.
	f.advance(time.Second)
	evs := f.events()
	if len(evs) != 1 || evs[0].Kind != acd.QueueStats || evs[0].Stats.Waiting != 6 {
		t.Fatalf("after a second: %s", kinds(evs, false))
	}
	slow.Close()
	slow.Close()
	for range slow.C() { // what was buffered, then closed
	}
	if snap := f.r.Snapshot(); snap.Seq != evs[0].Seq {
		t.Fatalf("snapshot seq %d, last event %d", snap.Seq, evs[0].Seq)
	}
}

func TestCloseRemovesWaitingAndStops(t *testing.T) {
	clock := acdtest.NewClock(time.Time{})
	r, err := acd.New(oneQueue(acd.Queue{}), acd.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	sub := r.Subscribe(0)
	tk, err := r.Enqueue(context.Background(), acd.Contact{Queue: "q"})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if out := outcome(t, tk); out.Kind != acd.Removed {
		t.Fatalf("outcome %+v", out)
	}
	n := 0
	for range sub.C() {
		n++
	}
	if n == 0 {
		t.Fatal("no events before the close")
	}
	if err := r.SetState("x", acd.Available, ""); !errors.Is(err, acd.ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
	if clock.Pending() != 0 {
		t.Fatalf("%d timers left running", clock.Pending())
	}
	r.Close()
}

// TestTargetedContact: a contact for a named agent (a transfer) waits for
// that agent only, whatever the queue's skills, while the others go on
// taking the queue's other contacts.
func TestTargetedContact(t *testing.T) {
	q := acd.Queue{Skills: map[string]int{"billing": 5}}
	f := newFixture(t, oneQueue(q,
		acd.Agent{ID: "expert", Skills: map[string]int{"billing": 8}},
		acd.Agent{ID: "trainee"}, // lacks the skill
	))
	if _, err := f.r.Enqueue(context.Background(), acd.Contact{ID: "x", Queue: "q", Agent: "ghost"}); !errors.Is(err, acd.ErrUnknownAgent) {
		t.Fatalf("contact for an unknown agent: %v", err)
	}
	f.login("expert")
	tk := f.enqueue(acd.Contact{ID: "for-trainee", Queue: "q", Agent: "trainee"})
	f.enqueue(acd.Contact{ID: "anyone", Queue: "q"})
	// The expert takes the ordinary contact, never the targeted one.
	if o := f.offer("expert"); o.Contact.ID != "anyone" {
		t.Fatalf("expert offered %s", o.Contact.ID)
	}
	if st := tk.Status(); !st.Waiting || st.EWTKnown {
		t.Errorf("targeted contact, its agent offline: %+v", st)
	}
	f.login("trainee")
	o := f.offer("trainee")
	if o.Contact.ID != "for-trainee" || o.Contact.Agent != "trainee" {
		t.Fatalf("trainee offered %+v", o.Contact)
	}
	f.ok(f.r.Accept("trainee", o.ID))
	if out := outcome(t, tk); out.Kind != acd.Answered || out.AgentID != "trainee" {
		t.Fatalf("outcome %+v", out)
	}
}
