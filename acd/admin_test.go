package acd_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
)

func TestUpdateQueueReranksAndKeepsWait(t *testing.T) {
	f := newFixture(t, oneQueue(acd.Queue{MaxWait: 10 * time.Minute}))
	plain := f.enqueue(acd.Contact{ID: "plain", Queue: "q"})
	f.advance(time.Minute)
	vip := f.enqueue(acd.Contact{ID: "vip", Queue: "q", Attributes: map[string]string{"vip": "yes"}})
	f.advance(time.Minute)
	if vip.Position() != 2 {
		t.Fatalf("vip position %d before the rule", vip.Position())
	}
	f.ok(f.r.UpdateQueue(acd.Queue{ID: "q", MaxWait: 3 * time.Minute,
		Priority: []acd.PriorityRule{{Attribute: "vip", Equals: "yes", Boost: 1}}}))
	if st := vip.Status(); st.Position != 1 || st.Priority != 1 || st.InQueue != time.Minute {
		t.Fatalf("vip after the rule %+v", st)
	}
	// The new max wait counts from the first enqueue: plain has waited 2 of 3 minutes.
	f.advance(time.Minute)
	if out := outcome(t, plain); out.Kind != acd.TimedOut || out.Waited != 3*time.Minute {
		t.Fatalf("plain %+v", out)
	}
	pending(t, vip)
}

func TestAgentLeavingWithdrawsOffers(t *testing.T) {
	for _, tt := range []struct {
		name   string
		act    func(r *acd.Router) error
		reason string
	}{
		{"away", func(r *acd.Router) error { return r.SetState("a", acd.Away, "coffee") }, "agent away"},
		{"offline", func(r *acd.Router) error { return r.SetState("a", acd.Offline, "") }, "agent offline"},
		{"removed", func(r *acd.Router) error { return r.RemoveAgent("a") }, "agent removed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, oneQueue(acd.Queue{}, acd.Agent{ID: "a"}, acd.Agent{ID: "b"}))
			f.login("a")
			f.advance(time.Second)
			f.login("b")
			f.enqueue(acd.Contact{ID: "c", Queue: "q"})
			o := f.offer("a")
			f.events()
			f.ok(tt.act(f.r))
			if err := f.r.Accept("a", o.ID); !errors.Is(err, acd.ErrOfferWithdrawn) && !errors.Is(err, acd.ErrUnknownAgent) {
				t.Fatalf("accept after leaving: %v", err)
			}
			// Not its fault: no cooldown, and the contact goes straight to b.
			if o2 := f.offer("b"); o2.Contact.ID != "c" {
				t.Fatalf("b offered %+v", o2)
			}
			var withdrawn *acd.Event
			for _, ev := range f.events() {
				if ev.Kind == acd.OfferWithdrawn {
					withdrawn = &ev
				}
			}
			if withdrawn == nil || withdrawn.OfferID != o.ID || withdrawn.Reason != tt.reason {
				t.Fatalf("withdrawn event %+v", withdrawn)
			}
		})
	}
}

func TestDequeue(t *testing.T) {
	f := newFixture(t, oneQueue(acd.Queue{}))
	tk := f.enqueue(acd.Contact{ID: "c", Queue: "q"})
	f.ok(f.r.Dequeue("c", "voicemail"))
	if out := outcome(t, tk); out.Kind != acd.Removed || out.Reason != "voicemail" {
		t.Fatalf("outcome %+v", out)
	}
	if tk.Position() != 0 || tk.Status().Waiting {
		t.Fatal("still waiting after Dequeue")
	}
	if st := f.r.Snapshot().Queues[0]; st.Removed != 1 || st.Waiting != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestEventsMarshalAsJSON(t *testing.T) {
	f := newFixture(t, oneQueue(acd.Queue{}, acd.Agent{ID: "a"}))
	f.login("a")
	f.enqueue(acd.Contact{ID: "c", Queue: "q", Handoff: []byte(`{"slots":{"card":"1234"}}`)})
	for _, ev := range f.events() {
		b, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if !strings.Contains(s, `"kind":"`+ev.Kind.String()+`"`) {
			t.Fatalf("%s without its kind name", s)
		}
		if ev.Kind == acd.ContactOffered && !strings.Contains(s, `"handoff":{"slots":{"card":"1234"}}`) {
			t.Fatalf("offer without the handoff: %s", s)
		}
		if ev.Kind == acd.AgentState && !strings.Contains(s, `"state":"available"`) {
			t.Fatalf("agent state: %s", s)
		}
	}
	var st acd.State
	if err := json.Unmarshal([]byte(`"wrap_up"`), &st); err != nil || st != acd.WrapUp {
		t.Fatalf("state from JSON: %v %v", st, err)
	}
}

func TestConfigDefaultsResolvedForTicket(t *testing.T) {
	cfg := acd.Config{RingTimeout: 12 * time.Second, Queues: []acd.Queue{{ID: "q", Announce: acd.Announce{Position: true}}}}
	f := newFixture(t, cfg)
	q := f.enqueue(acd.Contact{Queue: "q"}).Queue()
	if q.Name != "q" || q.RingTimeout != 12*time.Second || q.ServiceLevel != acd.DefaultServiceLevel || q.Announce.Interval != acd.DefaultAnnounceInterval {
		t.Fatalf("queue %+v", q)
	}
}
