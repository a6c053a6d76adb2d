package acd_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
)

// checkFor polls fn until it returns true or the deadline passes.
func checkFor(t *testing.T, d time.Duration, what string, fn func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !fn() {
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestRealClockTimers: with the system clock the router's own goroutine
// fires the ring timeout and the wrap-up with nobody calling in, and Close
// leaves no goroutine behind.
func TestRealClockTimers(t *testing.T) {
	before := runtime.NumGoroutine()
	cfg := acd.Config{Queues: []acd.Queue{{ID: "q", RingTimeout: 50 * time.Millisecond, WrapUp: 50 * time.Millisecond}},
		Agents: []acd.Agent{{ID: "a"}, {ID: "b"}}}
	r, err := acd.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	sub := r.Subscribe(0)
	r.SetState("a", acd.Available, "")
	time.Sleep(2 * time.Millisecond)
	r.SetState("b", acd.Available, "")
	tk, err := r.Enqueue(context.Background(), acd.Contact{ID: "c", Queue: "q"})
	if err != nil {
		t.Fatal(err)
	}
	// a (idle longer) lets it ring out; the router withdraws it by itself.
	var missed bool
	checkFor(t, 5*time.Second, "no contact_missed event", func() bool {
		for {
			select {
			case ev := <-sub.C():
				missed = missed || (ev.Kind == acd.ContactMissed && ev.AgentID == "a")
				continue
			default:
			}
			return missed
		}
	})
	offers, _ := r.Offers("b")
	if len(offers) != 1 {
		t.Fatalf("b has %d offers", len(offers))
	}
	if err := r.Accept("b", offers[0].ID); err != nil {
		t.Fatal(err)
	}
	if out := <-tk.Done(); out.AgentID != "b" {
		t.Fatalf("outcome %+v", out)
	}
	if err := r.CallEnded("b", "c"); err != nil {
		t.Fatal(err)
	}
	checkFor(t, 5*time.Second, "wrap-up did not end", func() bool {
		st, _ := r.AgentStatus("b")
		return st.State == acd.Available
	})
	r.Close()
	checkFor(t, 5*time.Second, "goroutines left after Close", func() bool {
		return runtime.NumGoroutine() <= before
	})
}
