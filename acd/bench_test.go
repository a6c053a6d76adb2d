package acd_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
	"github.com/switchboard-voice/switchboard/acd/acdtest"
)

// benchCenter is a call center of 500 agents over 20 queues (one or two
// of 10 skills at random levels, English and Chinese), every agent on a
// call, with 200 contacts waiting.
func benchCenter(b *testing.B, subscribe bool) (*acd.Router, *acdtest.Clock, []string) {
	rng := rand.New(rand.NewPCG(1, 1))
	cfg := acd.Config{WrapUp: -1, RingTimeout: time.Hour}
	for i := range 20 {
		q := acd.Queue{ID: fmt.Sprintf("q%d", i), Skills: map[string]int{fmt.Sprintf("s%d", i%10): 1 + rng.IntN(5)},
			Priority: []acd.PriorityRule{{Attribute: "vip", Equals: "true", Boost: 5}}}
		if i%3 == 0 {
			q.Skills[fmt.Sprintf("s%d", (i+1)%10)] = 1
		}
		cfg.Queues = append(cfg.Queues, q)
	}
	langs := [][]string{{"en"}, {"en"}, {"zh"}, {"en", "zh"}}
	for i := range 500 {
		a := acd.Agent{ID: fmt.Sprintf("a%03d", i), Languages: langs[i%4], Skills: map[string]int{}}
		for s := range 10 {
			if rng.IntN(3) > 0 {
				a.Skills[fmt.Sprintf("s%d", s)] = 1 + rng.IntN(10)
			}
		}
		cfg.Agents = append(cfg.Agents, a)
	}
	clock := acdtest.NewClock(time.Time{})
	r, err := acd.New(cfg, acd.WithClock(clock))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { r.Close() })
	if subscribe {
		sub := r.Subscribe(1 << 10)
		go func() {
			for range sub.C() {
			}
		}()
	}
	ctx := context.Background()
	// Put every agent on a call: enqueue plain contacts until all are busy.
	var ids []string
	for _, a := range cfg.Agents {
		if err := r.SetState(a.ID, acd.Available, ""); err != nil {
			b.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	for n := 0; ; n++ {
		snap := r.Snapshot()
		if len(snap.Offers) == 0 && n > 0 {
			busy := 0
			for _, a := range snap.Agents {
				if a.State == acd.OnCall {
					busy++
				}
			}
			if busy == len(ids) {
				break
			}
		}
		for _, o := range snap.Offers {
			if err := r.Accept(o.AgentID, o.ID); err != nil {
				b.Fatal(err)
			}
		}
		for i := range cfg.Queues {
			for _, l := range []string{"en", "zh"} {
				if _, err := r.Enqueue(ctx, acd.Contact{Queue: cfg.Queues[i].ID, Language: l}); err != nil {
					b.Fatal(err)
				}
			}
		}
		if n > 200 {
			b.Fatal("could not make every agent busy")
		}
	}
	// Drop the leftovers, then 200 waiting contacts.
	for _, q := range r.Snapshot().Queues {
		for _, c := range q.Contacts {
			r.Hangup(c.ContactID)
		}
	}
	for i := range 200 {
		c := acd.Contact{Queue: cfg.Queues[rng.IntN(20)].ID, Language: []string{"en", "zh"}[rng.IntN(2)]}
		if i%10 == 0 {
			c.Attributes = map[string]string{"vip": "true"}
		}
		if _, err := r.Enqueue(ctx, c); err != nil {
			b.Fatal(err)
		}
		clock.Advance(100 * time.Millisecond)
	}
	return r, clock, ids
}

// BenchmarkRouteAgentFreed times one routing decision: an agent's call
// ends with 200 contacts waiting and 499 other agents busy; the router
// picks the best contact the agent qualifies for and offers it. Not timed:
// the agent accepting and a new contact arriving, to keep 200 waiting.
func BenchmarkRouteAgentFreed(b *testing.B) {
	for _, sub := range []bool{false, true} {
		b.Run(fmt.Sprint("subscriber=", sub), func(b *testing.B) {
			r, clock, ids := benchCenter(b, sub)
			rng := rand.New(rand.NewPCG(2, 2))
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				id := ids[rng.IntN(len(ids))]
				st, _ := r.AgentStatus(id)
				clock.Advance(time.Second)
				b.StartTimer()
				if err := r.CallEnded(id, st.Calls[0]); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				offers, _ := r.Offers(id)
				if len(offers) == 1 {
					r.Accept(id, offers[0].ID)
					r.Enqueue(ctx, acd.Contact{Queue: offers[0].Contact.Queue, Language: offers[0].Contact.Language})
				} else { // nothing it qualifies for: put it back on a call
					r.SetState(id, acd.Away, "")
					tk, _ := r.Enqueue(ctx, acd.Contact{Queue: "q0"})
					r.Hangup(tk.ContactID())
					b.Fatalf("agent %s got no offer", id)
				}
				b.StartTimer()
			}
		})
	}
}

// BenchmarkEnqueue times a contact arriving (placed in order, routing pass)
// with 200 waiting and 500 agents busy; the contact then hangs up
// (timed too: it is the other half of the cycle).
func BenchmarkEnqueue(b *testing.B) {
	r, _, _ := benchCenter(b, false)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		tk, err := r.Enqueue(ctx, acd.Contact{Queue: "q7", Language: "en"})
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Hangup(tk.ContactID()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRouteNoMatch is the routing pass's worst shape: 250 agents
// free, 200 contacts waiting, and no free agent qualifies for any of
// them (a Chinese-only queue, English-only free agents). Timed: an
// agent's state change and the pass it triggers.
func BenchmarkRouteNoMatch(b *testing.B) {
	cfg := acd.Config{Queues: []acd.Queue{{ID: "zh", Language: "zh"}}}
	for i := range 500 {
		cfg.Agents = append(cfg.Agents, acd.Agent{ID: fmt.Sprintf("a%03d", i), Languages: []string{"en"}})
	}
	clock := acdtest.NewClock(time.Time{})
	r, err := acd.New(cfg, acd.WithClock(clock))
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	for i := range 250 {
		r.SetState(cfg.Agents[i].ID, acd.Available, "")
	}
	for range 200 {
		if _, err := r.Enqueue(context.Background(), acd.Contact{Queue: "zh"}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r.SetState("a499", acd.Available, "")
		r.SetState("a499", acd.Offline, "")
	}
}

// BenchmarkSnapshot is the wallboard's full state: 20 queues, 500 agents,
// 200 waiting contacts with positions and wait estimates.
func BenchmarkSnapshot(b *testing.B) {
	r, _, _ := benchCenter(b, false)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if s := r.Snapshot(); len(s.Agents) != 500 {
			b.Fatal("agents missing")
		}
	}
}
