package acd_test

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
	"github.com/switchboard-voice/switchboard/acd/acdtest"
)

func Example() {
	cfg, err := acd.Parse([]byte(`
queues:
  - id: billing
    skills: {billing: 3}
    language: en
    priority:
      - {attribute: vip, equals: "true", boost: 10}
    overflow: {target: general, after: 2m}
  - id: general
agents:
  - {id: alice, skills: {billing: 8}, languages: [en]}
  - {id: bob, skills: {billing: 2}, languages: [en, zh]}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	clock := acdtest.NewClock(time.Time{})
	r, err := acd.New(cfg, acd.WithClock(clock))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	events := r.Subscribe(0)

	r.SetState("alice", acd.Available, "")
	r.SetState("bob", acd.Available, "")
	t, _ := r.Enqueue(context.Background(), acd.Contact{ID: "call-1", Queue: "billing",
		Attributes: map[string]string{"vip": "true"}, Handoff: []byte(`{"summary":"card lost"}`)})

	// The desktop learns of the offer from the events (or r.Offers).
	for ev := range events.C() {
		if ev.Kind == acd.ContactOffered {
			fmt.Println("offered", ev.ContactID, "to", ev.AgentID, "priority", ev.Offer.Contact.Priority)
			clock.Advance(4 * time.Second)
			r.Accept(ev.AgentID, ev.OfferID)
			break
		}
	}
	out := <-t.Done()
	fmt.Println(out.Kind, "by", out.AgentID, "after", out.Waited)
	r.CallEnded(out.AgentID, out.ContactID)
	st, _ := r.AgentStatus("alice")
	fmt.Println("alice", st.State, "until", st.WrapUpUntil.Sub(clock.Now()))
	// Output:
	// offered call-1 to alice priority 10
	// answered by alice after 4s
	// alice wrap_up until 10s
}

func ExampleTicket_Status() {
	cfg := acd.Config{Queues: []acd.Queue{{ID: "q"}}, Agents: []acd.Agent{{ID: "a"}}, DefaultHandleTime: 3 * time.Minute}
	r, _ := acd.New(cfg, acd.WithClock(acdtest.NewClock(time.Time{})))
	defer r.Close()
	r.SetState("a", acd.Available, "")
	first, _ := r.Enqueue(context.Background(), acd.Contact{Queue: "q"})
	second, _ := r.Enqueue(context.Background(), acd.Contact{Queue: "q"})
	fmt.Println("first:", first.Status().OfferedTo)
	s := second.Status()
	fmt.Println("second: position", s.Position, "estimated wait", s.EWT)
	// Output:
	// first: a
	// second: position 2 estimated wait 3m10s
}
