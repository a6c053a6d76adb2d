package storetest

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/store"
)

var sessionTests = []test{
	{"RoundTrip", testSessionRoundTrip},
	{"Duplicate", testSessionDuplicate},
	{"NotFound", testSessionNotFound},
	{"Invalid", testSessionInvalid},
	{"List", testSessionList},
	{"ListDefaultLimit", testSessionDefaultLimit},
	{"End", testSessionEnd},
}

// t0 has nanoseconds and a zone, which the store turns into UTC
// microseconds.
var t0 = time.Date(2025, 3, 1, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))

func sameSession(a, b store.Session) bool {
	return a.ID == b.ID && a.Bot == b.Bot && a.BotVersion == b.BotVersion && a.Channel == b.Channel &&
		a.CallerID == b.CallerID && a.Language == b.Language && a.StartedAt.Equal(b.StartedAt) &&
		a.EndedAt.Equal(b.EndedAt) && a.Outcome == b.Outcome && a.HandoffQueue == b.HandoffQueue &&
		a.HandoffReason == b.HandoffReason && a.CallID == b.CallID && a.AgentID == b.AgentID &&
		a.Queue == b.Queue && a.CallEndedAt.Equal(b.CallEndedAt) && sameFloat(a.Sentiment, b.Sentiment) &&
		sameFloat(a.Score, b.Score)
}

// sameFloat compares optional numbers.
func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// f returns a pointer to v, for optional numbers.
func f(v float64) *float64 { return &v }

func testSessionRoundTrip(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	s := store.Session{
		ID: "s-1", Bot: "billing", BotVersion: 3, Channel: "sip", CallerID: "+4930123456",
		Language: "zh", StartedAt: t0, CallID: "a84b4c76e66710@pbx.example.com",
	}
	must(t, st.CreateSession(ctx, s))
	got, err := st.Session(ctx, "s-1")
	must(t, err)
	want := s
	want.StartedAt = stored(t0)
	if !sameSession(got, want) || got.StartedAt.Location() != time.UTC || !got.EndedAt.IsZero() {
		t.Errorf("Session = %+v, want %+v", got, want)
	}

	must(t, st.CreateSession(ctx, store.Session{ID: "s-now", Bot: "billing", Channel: "text"}))
	got, err = st.Session(ctx, "s-now")
	must(t, err)
	recent(t, "StartedAt of a session created without one", got.StartedAt)

	ended := store.Session{ID: "s-imported", Bot: "b", StartedAt: t0, EndedAt: t0.Add(time.Minute),
		Outcome: store.OutcomeHandedOff, HandoffQueue: "billing", HandoffReason: "asked",
		AgentID: "agent-7", Queue: "billing-l2", CallEndedAt: t0.Add(5 * time.Minute),
		Sentiment: f(-0.25), Score: f(87.5)}
	must(t, st.CreateSession(ctx, ended))
	got, err = st.Session(ctx, "s-imported")
	must(t, err)
	want = ended
	want.StartedAt, want.EndedAt, want.CallEndedAt = stored(t0), stored(t0.Add(time.Minute)), stored(t0.Add(5*time.Minute))
	if !sameSession(got, want) || got.CallEndedAt.Location() != time.UTC {
		t.Errorf("ended session = %+v, want %+v", got, want)
	}
	list, err := st.Sessions(ctx, store.SessionFilter{Bot: "b"})
	must(t, err)
	if len(list) != 1 || !sameSession(list[0], want) {
		t.Errorf("Sessions = %+v, want [%+v]", list, want)
	}
}

func testSessionDuplicate(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CreateSession(ctx, store.Session{ID: "dup", Bot: "a", StartedAt: t0}))
	wantErr(t, "second CreateSession", st.CreateSession(ctx, store.Session{ID: "dup", Bot: "b"}), store.ErrConflict)
	got, err := st.Session(ctx, "dup")
	must(t, err)
	if got.Bot != "a" {
		t.Errorf("duplicate create overwrote the session: %+v", got)
	}
}

func testSessionNotFound(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	_, err := st.Session(ctx, "nope")
	wantErr(t, "Session", err, store.ErrNotFound)
}

func testSessionInvalid(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	for _, s := range []store.Session{
		{ID: "", Bot: "b"},
		{ID: "x", Bot: ""},
		{ID: "x", Bot: "b", Outcome: "won"},
		{ID: "x", Bot: "b", BotVersion: -1},
		{ID: "x", Bot: "b", EndedAt: t0},
		{ID: "x", Bot: "b", Sentiment: f(1.5)},
		{ID: "x", Bot: "b", Sentiment: f(math.NaN())},
		{ID: "x", Bot: "b", Score: f(-1)},
		{ID: "x", Bot: "b", Score: f(100.01)},
	} {
		wantErr(t, fmt.Sprintf("CreateSession(%+v)", s), st.CreateSession(ctx, s), store.ErrInvalid)
	}
	_, err := st.Session(ctx, "x")
	wantErr(t, "session of failed creates", err, store.ErrNotFound)
	_, err = st.Sessions(ctx, store.SessionFilter{Outcome: "won"})
	wantErr(t, "Sessions with unknown outcome", err, store.ErrInvalid)
	_, err = st.Sessions(ctx, store.SessionFilter{Limit: -1})
	wantErr(t, "Sessions with limit -1", err, store.ErrInvalid)
}

func ids(ss []store.Session) []string {
	out := []string{}
	for _, s := range ss {
		out = append(out, s.ID)
	}
	return out
}

func testSessionList(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	got, err := st.Sessions(ctx, store.SessionFilter{})
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("Sessions on an empty store = %v", ids(got))
	}
	// s0..s5, one minute apart, alternating bots; some ended.
	for i := 0; i < 6; i++ {
		bot := []string{"a", "b"}[i%2]
		must(t, st.CreateSession(ctx, store.Session{ID: fmt.Sprintf("s%d", i), Bot: bot,
			StartedAt: t0.Add(time.Duration(i) * time.Minute)}))
	}
	must(t, st.EndSession(ctx, "s1", store.OutcomeResolved, "", "", t0.Add(time.Hour)))
	must(t, st.EndSession(ctx, "s2", store.OutcomeHandedOff, "q", "r", t0.Add(time.Hour)))
	must(t, st.EndSession(ctx, "s4", store.OutcomeResolved, "", "", t0.Add(time.Hour)))

	for _, tc := range []struct {
		f    store.SessionFilter
		want []string
	}{
		{store.SessionFilter{}, []string{"s5", "s4", "s3", "s2", "s1", "s0"}},
		{store.SessionFilter{Bot: "a"}, []string{"s4", "s2", "s0"}},
		{store.SessionFilter{Bot: "c"}, []string{}},
		{store.SessionFilter{Since: t0.Add(3 * time.Minute)}, []string{"s5", "s4", "s3"}},
		// Times compare at the stored precision, microseconds.
		{store.SessionFilter{Since: t0.Add(3*time.Minute + time.Nanosecond)}, []string{"s5", "s4", "s3"}},
		{store.SessionFilter{Since: t0.Add(3*time.Minute + time.Microsecond)}, []string{"s5", "s4"}},
		{store.SessionFilter{Outcome: store.OutcomeResolved}, []string{"s4", "s1"}},
		{store.SessionFilter{Bot: "a", Outcome: store.OutcomeResolved}, []string{"s4"}},
		{store.SessionFilter{Bot: "b", Since: t0.Add(2 * time.Minute), Limit: 1}, []string{"s5"}},
		{store.SessionFilter{Limit: 2}, []string{"s5", "s4"}},
	} {
		got, err := st.Sessions(ctx, tc.f)
		must(t, err)
		if !equalStrings(ids(got), tc.want) {
			t.Errorf("Sessions(%+v) = %v, want %v", tc.f, ids(got), tc.want)
		}
	}
	got, err = st.Sessions(ctx, store.SessionFilter{Outcome: store.OutcomeHandedOff})
	must(t, err)
	if len(got) != 1 || got[0].HandoffQueue != "q" || got[0].HandoffReason != "r" ||
		!got[0].EndedAt.Equal(stored(t0.Add(time.Hour))) {
		t.Errorf("handed-off sessions = %+v", got)
	}
}

func testSessionDefaultLimit(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	for i := 0; i < 105; i++ {
		must(t, st.CreateSession(ctx, store.Session{ID: fmt.Sprintf("s%03d", i), Bot: "b",
			StartedAt: t0.Add(time.Duration(i) * time.Second)}))
	}
	got, err := st.Sessions(ctx, store.SessionFilter{})
	must(t, err)
	if len(got) != 100 || got[0].ID != "s104" || got[99].ID != "s005" {
		t.Errorf("Sessions with no limit: %d sessions, %v...", len(got), ids(got[:min(3, len(got))]))
	}
}

func testSessionEnd(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b", StartedAt: t0}))
	end := t0.Add(90 * time.Second)
	must(t, st.EndSession(ctx, "s", store.OutcomeHandedOff, "billing-l2", "caller asked for a human", end))
	got, err := st.Session(ctx, "s")
	must(t, err)
	if got.Outcome != store.OutcomeHandedOff || !got.EndedAt.Equal(stored(end)) ||
		got.HandoffQueue != "billing-l2" || got.HandoffReason != "caller asked for a human" {
		t.Errorf("ended session = %+v", got)
	}
	wantErr(t, "ending twice", st.EndSession(ctx, "s", store.OutcomeResolved, "", "", time.Time{}), store.ErrConflict)
	again, err := st.Session(ctx, "s")
	must(t, err)
	if !sameSession(again, got) {
		t.Errorf("second EndSession changed the session: %+v", again)
	}
	wantErr(t, "ending unknown", st.EndSession(ctx, "nope", store.OutcomeResolved, "", "", time.Time{}), store.ErrNotFound)
	must(t, st.CreateSession(ctx, store.Session{ID: "open", Bot: "b"}))
	wantErr(t, "unknown outcome", st.EndSession(ctx, "open", "won", "", "", time.Time{}), store.ErrInvalid)
	wantErr(t, "empty outcome", st.EndSession(ctx, "open", "", "", "", time.Time{}), store.ErrInvalid)
	wantErr(t, "empty id", st.EndSession(ctx, "", store.OutcomeResolved, "", "", time.Time{}), store.ErrInvalid)
	must(t, st.EndSession(ctx, "open", store.OutcomeAbandoned, "", "", time.Time{}))
	got, err = st.Session(ctx, "open")
	must(t, err)
	recent(t, "EndedAt of EndSession without a time", got.EndedAt)
}
