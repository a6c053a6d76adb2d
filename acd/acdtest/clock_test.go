package acdtest_test

import (
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/acd/acdtest"
)

func TestClock(t *testing.T) {
	c := acdtest.NewClock(time.Time{})
	start := c.Now()
	a, b, stopped := c.NewTimer(2*time.Second), c.NewTimer(time.Second), c.NewTimer(time.Second)
	if !stopped.Stop() || stopped.Stop() {
		t.Fatal("Stop should report true once")
	}
	if now := c.NewTimer(0); len(now.C()) != 1 {
		t.Fatal("a timer of 0 should fire at once")
	}
	c.Advance(999 * time.Millisecond)
	if len(a.C()) != 0 || len(b.C()) != 0 || c.Pending() != 2 {
		t.Fatal("fired early")
	}
	c.Advance(time.Millisecond)
	if at := <-b.C(); !at.Equal(start.Add(time.Second)) || len(a.C()) != 0 {
		t.Fatalf("b fired at %v", at)
	}
	c.Set(start) // never backwards
	if !c.Now().Equal(start.Add(time.Second)) {
		t.Fatal("Set moved the clock back")
	}
	c.Set(start.Add(time.Hour))
	if at := <-a.C(); !at.Equal(start.Add(2*time.Second)) || c.Pending() != 0 || len(stopped.C()) != 0 {
		t.Fatalf("a fired at %v", at)
	}
	if a.Stop() {
		t.Fatal("Stop of a fired timer should report false")
	}
}
