package storetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/store"
)

var concurrentTests = []test{
	{"AppendOneSession", testConcurrentOneSession},
	{"AppendManySessions", testConcurrentManySessions},
	{"CreateSameSession", testConcurrentCreate},
	{"EndSameSession", testConcurrentEnd},
	{"AgentEvents", testConcurrentAgentEvents},
	{"Overrides", testConcurrentOverrides},
	{"EndSameCall", testConcurrentEndCall},
	{"SetCallbackStatus", testConcurrentCallback},
}

const (
	writers = 8
	rounds  = 50
)

// parallel runs fn(i) for i in [0, n) at once and returns the errors.
func parallel(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = fn(i)
		}()
	}
	wg.Wait()
	return errs
}

func testConcurrentOneSession(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b"}))
	errs := parallel(writers, func(w int) error {
		for r := 0; r < rounds; r++ {
			got, err := st.AppendTurns(ctx, "s", store.Turn{Speaker: "caller", Text: fmt.Sprintf("%d/%d", w, r)})
			if err != nil {
				return err
			}
			if len(got) != 1 || got[0].Seq < 1 || got[0].Seq > writers*rounds {
				return fmt.Errorf("AppendTurns returned %+v", got)
			}
		}
		return nil
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	turns, err := st.Turns(ctx, "s")
	must(t, err)
	if len(turns) != writers*rounds {
		t.Fatalf("%d turns, want %d", len(turns), writers*rounds)
	}
	seen := map[string]bool{}
	last := map[int]int{}
	for i, tr := range turns {
		if tr.Seq != i+1 {
			t.Fatalf("turn %d has seq %d: gaps or duplicates", i, tr.Seq)
		}
		if seen[tr.Text] {
			t.Fatalf("turn %q stored twice", tr.Text)
		}
		seen[tr.Text] = true
		// Each writer's turns keep their order.
		var w, r int
		fmt.Sscanf(tr.Text, "%d/%d", &w, &r)
		if r < last[w] {
			t.Fatalf("writer %d: round %d stored after round %d", w, r, last[w])
		}
		last[w] = r
	}
}

func testConcurrentManySessions(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	for w := 0; w < writers; w++ {
		must(t, st.CreateSession(ctx, store.Session{ID: fmt.Sprintf("s%d", w), Bot: "b"}))
	}
	errs := parallel(writers, func(w int) error {
		id := fmt.Sprintf("s%d", w)
		for r := 0; r < rounds; r++ {
			// Batches of two: the caller's turn and the bot's answer.
			got, err := st.AppendTurns(ctx, id,
				store.Turn{Speaker: "caller", Text: fmt.Sprint(r)},
				store.Turn{Speaker: "bot", Text: fmt.Sprint(r), Action: "say"})
			if err != nil {
				return err
			}
			if got[0].Seq != 2*r+1 || got[1].Seq != 2*r+2 {
				return fmt.Errorf("session %s round %d got seqs %d,%d", id, r, got[0].Seq, got[1].Seq)
			}
		}
		return nil
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for w := 0; w < writers; w++ {
		turns, err := st.Turns(ctx, fmt.Sprintf("s%d", w))
		must(t, err)
		if len(turns) != 2*rounds || turns[2*rounds-1].Seq != 2*rounds {
			t.Errorf("session s%d: %d turns", w, len(turns))
		}
	}
}

func testConcurrentPublish(t *testing.T, st drafts) {
	ctx := ctxT(t)
	const each = 5
	var mu sync.Mutex
	var got []int
	errs := parallel(writers, func(w int) error {
		for r := 0; r < each; r++ {
			v, err := st.publish(ctx, "b", json.RawMessage(fmt.Sprintf(`{"w":%d,"r":%d}`, w, r)), "")
			if err != nil {
				return err
			}
			mu.Lock()
			got = append(got, v)
			mu.Unlock()
		}
		return nil
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	sort.Ints(got)
	for i, v := range got {
		if v != i+1 {
			t.Fatalf("published versions %v: want 1..%d without gaps or duplicates", got, writers*each)
		}
	}
	vs, err := st.versions(ctx, "b")
	must(t, err)
	b, err := st.get(ctx, "b")
	must(t, err)
	if len(vs) != writers*each || vs[len(vs)-1].Version != writers*each || b.LatestVersion != writers*each ||
		b.ActiveVersion != writers*each {
		t.Errorf("after concurrent publishes: %d versions, bot %+v", len(vs), b)
	}
}

// exactlyOne checks one call succeeded and the others failed with want.
func exactlyOne(t *testing.T, what string, errs []error, want error) {
	t.Helper()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, want):
			t.Errorf("%s: %v, want nil or %v", what, err, want)
		}
	}
	if ok != 1 {
		t.Errorf("%s: %d calls succeeded, want 1", what, ok)
	}
}

func testConcurrentCreate(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	errs := parallel(writers, func(w int) error {
		return st.CreateSession(ctx, store.Session{ID: "same", Bot: fmt.Sprint(w)})
	})
	exactlyOne(t, "concurrent CreateSession", errs, store.ErrConflict)
}

func testConcurrentEnd(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b"}))
	errs := parallel(writers, func(w int) error {
		return st.EndSession(ctx, "s", store.OutcomeResolved, "", fmt.Sprint(w), t0)
	})
	exactlyOne(t, "concurrent EndSession", errs, store.ErrConflict)
}

// distinctIDs runs writers that each add rounds rows with add, and checks
// every row got its own ID, increasing for each writer, and that list
// returns them all.
func distinctIDs(t *testing.T, add func(w, r int) (int64, error), list func() (int, error)) {
	t.Helper()
	var mu sync.Mutex
	seen := map[int64]bool{}
	errs := parallel(writers, func(w int) error {
		var last int64
		for r := 0; r < rounds; r++ {
			id, err := add(w, r)
			if err != nil {
				return err
			}
			if id <= last {
				return fmt.Errorf("writer %d got ID %d after %d", w, id, last)
			}
			last = id
			mu.Lock()
			dup := seen[id]
			seen[id] = true
			mu.Unlock()
			if dup {
				return fmt.Errorf("ID %d given twice", id)
			}
		}
		return nil
	})
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	n, err := list()
	must(t, err)
	if n != writers*rounds || len(seen) != writers*rounds {
		t.Errorf("%d rows listed, %d IDs, want %d", n, len(seen), writers*rounds)
	}
}

func testConcurrentAgentEvents(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	distinctIDs(t, func(w, r int) (int64, error) {
		e, err := st.AppendAgentEvent(ctx, store.AgentEvent{AgentID: fmt.Sprint("a", w), State: "available",
			Reason: fmt.Sprint(r)})
		return e.ID, err
	}, func() (int, error) {
		es, err := st.AgentEvents(ctx, "", time.Time{}, 0)
		return len(es), err
	})
}

func testConcurrentOverrides(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b"}))
	distinctIDs(t, func(w, r int) (int64, error) {
		o, err := st.AddOverride(ctx, store.QAOverride{SessionID: "s", Scorecard: "c", QuestionID: fmt.Sprint("q", r),
			Answer: "yes", Reviewer: fmt.Sprint("r", w)})
		return o.ID, err
	}, func() (int, error) {
		os, err := st.Overrides(ctx, "s", "c")
		return len(os), err
	})
}

func testConcurrentEndCall(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b"}))
	errs := parallel(writers, func(w int) error {
		return st.EndCall(ctx, "s", t0.Add(time.Duration(w)*time.Second))
	})
	exactlyOne(t, "concurrent EndCall", errs, store.ErrConflict)
}

func testConcurrentCallback(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CreateCallback(ctx, store.Callback{ID: "cb", Queue: "q", CallerID: "1"}))
	errs := parallel(writers, func(w int) error {
		status := []store.CallbackStatus{store.CallbackDone, store.CallbackCancelled}[w%2]
		return st.SetCallbackStatus(ctx, "cb", status, time.Time{})
	})
	exactlyOne(t, "concurrent SetCallbackStatus", errs, store.ErrConflict)
}
