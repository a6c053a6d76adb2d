package storetest

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/store"
)

var turnTests = []test{
	{"RoundTrip", testTurnRoundTrip},
	{"UnknownSession", testTurnUnknownSession},
	{"HalfwayFailureStoresNothing", testTurnHalfway},
	{"Invalid", testTurnInvalid},
}

func sameTurn(a, b store.Turn) bool {
	return a.SessionID == b.SessionID && a.Seq == b.Seq && a.Speaker == b.Speaker && a.Text == b.Text &&
		a.Intent == b.Intent && a.Confidence == b.Confidence && jsonEqual(a.Entities, b.Entities) &&
		a.Action == b.Action && a.Flow == b.Flow && a.Step == b.Step &&
		reflect.DeepEqual(a.Timings, b.Timings) && a.At.Equal(b.At) && a.Sentiment == b.Sentiment &&
		a.SentimentLabel == b.SentimentLabel
}

func sameTurns(t *testing.T, what string, got, want []store.Turn) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d turns, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !sameTurn(got[i], want[i]) {
			t.Errorf("%s: turn %d = %+v\nwant %+v", what, i, got[i], want[i])
		}
	}
}

func testTurnRoundTrip(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b"}))
	turns, err := st.Turns(ctx, "s")
	must(t, err)
	if len(turns) != 0 {
		t.Fatalf("Turns of a new session = %+v", turns)
	}
	long := strings.Repeat("0123456789", 1000)
	in := []store.Turn{
		{Speaker: "caller", Text: "我想查一下我的账单，谢谢", Intent: "billing.balance", Confidence: 0.875,
			Sentiment: -0.5, SentimentLabel: "negative",
			Entities: json.RawMessage(`{"account":"12-34","amount":{"value":12.5,"currency":"CNY"},"tags":["a","ü"]}`),
			At:       t0},
		{Speaker: "bot", Text: "好的 👍", Action: "say", Flow: "balance", Step: "ask_account",
			Timings: map[string]int64{"nlu": 120, "flow": 40, "tts": 98765432101}, At: t0.Add(time.Second)},
		{Speaker: "agent", Text: long, At: t0.Add(2 * time.Second)},
	}
	got, err := st.AppendTurns(ctx, "s", in...)
	must(t, err)
	want := make([]store.Turn, len(in))
	for i, tr := range in {
		tr.SessionID, tr.Seq, tr.At = "s", i+1, stored(tr.At)
		want[i] = tr
	}
	sameTurns(t, "AppendTurns result", got, want)
	turns, err = st.Turns(ctx, "s")
	must(t, err)
	sameTurns(t, "Turns", turns, want)
	if len(turns) == 3 {
		if turns[0].Entities == nil || turns[1].Entities != nil || turns[0].Timings != nil ||
			len(turns[2].Text) != 10000 || turns[2].At.Location() != time.UTC {
			t.Errorf("nil/non-nil fields changed: %+v", turns)
		}
	}

	more, err := st.AppendTurns(ctx, "s", store.Turn{Speaker: "caller", Text: "again"})
	must(t, err)
	if len(more) != 1 || more[0].Seq != 4 || more[0].SessionID != "s" {
		t.Fatalf("second AppendTurns = %+v, want seq 4", more)
	}
	recent(t, "At of a turn appended without one", more[0].At)
	none, err := st.AppendTurns(ctx, "s")
	must(t, err)
	if len(none) != 0 {
		t.Errorf("AppendTurns with no turns = %+v", none)
	}
}

func testTurnUnknownSession(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	_, err := st.AppendTurns(ctx, "nope", store.Turn{Speaker: "caller", Text: "hi"})
	wantErr(t, "AppendTurns to unknown session", err, store.ErrNotFound)
	_, err = st.Turns(ctx, "nope")
	wantErr(t, "Turns of unknown session", err, store.ErrNotFound)
	_, err = st.AppendTurns(ctx, "", store.Turn{Speaker: "caller"})
	wantErr(t, "AppendTurns with empty session id", err, store.ErrInvalid)
}

func testTurnHalfway(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b"}))
	_, err := st.AppendTurns(ctx, "s", store.Turn{Speaker: "caller", Text: "one"}, store.Turn{Speaker: "bot", Text: "two"})
	must(t, err)
	_, err = st.AppendTurns(ctx, "s",
		store.Turn{Speaker: "caller", Text: "three"},
		store.Turn{Speaker: "bot", Text: "four"},
		store.Turn{Speaker: "robot", Text: "bad speaker"},
		store.Turn{Speaker: "bot", Text: "six"})
	wantErr(t, "AppendTurns with a bad third turn", err, store.ErrInvalid)
	if err != nil && !strings.Contains(err.Error(), "session s") {
		t.Errorf("error %q does not name the session", err)
	}
	turns, err := st.Turns(ctx, "s")
	must(t, err)
	if len(turns) != 2 {
		t.Fatalf("after a failed append: %d turns, want 2", len(turns))
	}
	got, err := st.AppendTurns(ctx, "s", store.Turn{Speaker: "caller", Text: "three"})
	must(t, err)
	if got[0].Seq != 3 {
		t.Errorf("append after a failed one got seq %d, want 3 (no gap)", got[0].Seq)
	}
}

func testTurnInvalid(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b"}))
	for _, tr := range []store.Turn{
		{Speaker: ""},
		{Speaker: "caller", Entities: json.RawMessage(`{"a":`)},
		{Speaker: "bot", Action: "dance"},
		{Speaker: "caller", SessionID: "other"},
		{Speaker: "caller", Sentiment: 0.5},
		{Speaker: "caller", Sentiment: 1.5, SentimentLabel: "positive"},
		{Speaker: "caller", Sentiment: 0.5, SentimentLabel: "happy"},
	} {
		_, err := st.AppendTurns(ctx, "s", tr)
		wantErr(t, "AppendTurns bad turn", err, store.ErrInvalid)
	}
	turns, err := st.Turns(ctx, "s")
	must(t, err)
	if len(turns) != 0 {
		t.Errorf("invalid turns were stored: %+v", turns)
	}
}
