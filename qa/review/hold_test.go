package review

import (
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/store"
)

// TestHoldsFromTurns: turns stored with the action "hold" become the
// call's holds, not utterances.
func TestHoldsFromTurns(t *testing.T) {
	sess := store.Session{ID: "s", StartedAt: time.Now()}
	turns := []store.Turn{
		{Seq: 1, Speaker: "caller", Text: "hello", Timings: map[string]int64{"offset": 1_000_000, "duration": 800_000}},
		{Seq: 2, Speaker: "agent", Action: "hold", Timings: map[string]int64{"offset": 5_000_000, "duration": 45_000_000}},
		{Seq: 3, Speaker: "agent", Text: "thanks for holding", Timings: map[string]int64{"offset": 50_500_000, "duration": 1_000_000}},
	}
	c := buildCall(sess, turns, nil)
	if len(c.Turns) != 2 || c.Turns[1].Text != "thanks for holding" {
		t.Fatalf("turns %+v", c.Turns)
	}
	if len(c.Holds) != 1 || c.Holds[0].Start != 5*time.Second || c.Holds[0].Len() != 45*time.Second {
		t.Fatalf("holds %+v", c.Holds)
	}
}
