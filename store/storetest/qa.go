package storetest

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/store"
)

var qaTests = []test{
	{"Results", testQAResults},
	{"ResultsInvalid", testQAResultsInvalid},
	{"ScorecardResults", testScorecardResults},
	{"Overrides", testOverrides},
	{"Alerts", testAlerts},
	{"TurnSentiment", testTurnSentiment},
	{"SessionSummary", testSessionSummary},
}

func sameResult(a, b store.QAResult) bool {
	return a.SessionID == b.SessionID && a.Scorecard == b.Scorecard && a.Version == b.Version &&
		a.Score == b.Score && a.CriticalFailed == b.CriticalFailed && jsonEqual(a.Result, b.Result) &&
		a.ScoredAt.Equal(b.ScoredAt)
}

func sameResults(t *testing.T, what string, got, want []store.QAResult) {
	t.Helper()
	ok := got != nil && len(got) == len(want)
	for i := 0; ok && i < len(got); i++ {
		ok = sameResult(got[i], want[i])
	}
	if !ok {
		t.Errorf("%s = %+v\nwant %+v", what, got, want)
	}
}

func testQAResults(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b"}))
	got, err := st.QAResults(ctx, "s")
	must(t, err)
	sameResults(t, "QAResults of an unscored session", got, []store.QAResult{})

	r1 := store.QAResult{SessionID: "s", Scorecard: "compliance", Version: 1, Score: 80, CriticalFailed: false,
		Result: json.RawMessage(`{"greeting":{"answer":"yes","evidence":[{"turn":1,"text":"您好"}]}}`), ScoredAt: t0}
	r2 := store.QAResult{SessionID: "s", Scorecard: "billing", Version: 3, Score: 0, CriticalFailed: true,
		Result: json.RawMessage(`{}`), ScoredAt: t0.Add(time.Minute)}
	must(t, st.SaveQAResult(ctx, r1))
	must(t, st.SaveQAResult(ctx, r2))
	o, err := st.AddOverride(ctx, store.QAOverride{SessionID: "s", Scorecard: "compliance", QuestionID: "greeting",
		Answer: "no", Auto: "yes", Reviewer: "qa1"})
	must(t, err)
	want := func(r store.QAResult) store.QAResult { r.ScoredAt = stored(r.ScoredAt); return r }
	got, err = st.QAResults(ctx, "s")
	must(t, err)
	sameResults(t, "QAResults", got, []store.QAResult{want(r2), want(r1)})

	// A rescore with a new scorecard version replaces the result and keeps
	// the reviewer's overrides.
	r1b := store.QAResult{SessionID: "s", Scorecard: "compliance", Version: 2, Score: 100,
		Result: json.RawMessage(`{"greeting":{"answer":"yes"}}`)}
	must(t, st.SaveQAResult(ctx, r1b))
	got, err = st.QAResults(ctx, "s")
	must(t, err)
	if len(got) != 2 || got[1].Version != 2 || got[1].Score != 100 || !jsonEqual(got[1].Result, r1b.Result) {
		t.Errorf("after the rescore: %+v", got)
	} else {
		recent(t, "ScoredAt of a result saved without one", got[1].ScoredAt)
	}
	os, err := st.Overrides(ctx, "s", "compliance")
	must(t, err)
	if len(os) != 1 || os[0].ID != o.ID {
		t.Errorf("overrides after the rescore = %+v, want the one added", os)
	}

	wantErr(t, "SaveQAResult on unknown session",
		st.SaveQAResult(ctx, store.QAResult{SessionID: "nope", Scorecard: "c", Version: 1, Result: json.RawMessage(`{}`)}),
		store.ErrNotFound)
	_, err = st.QAResults(ctx, "nope")
	wantErr(t, "QAResults of unknown session", err, store.ErrNotFound)
}

func testQAResultsInvalid(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b"}))
	ok := json.RawMessage(`{}`)
	for _, r := range []store.QAResult{
		{SessionID: "", Scorecard: "c", Version: 1, Result: ok},
		{SessionID: "s", Scorecard: "", Version: 1, Result: ok},
		{SessionID: "s", Scorecard: "c", Version: 0, Result: ok},
		{SessionID: "s", Scorecard: "c", Version: 1, Score: -0.5, Result: ok},
		{SessionID: "s", Scorecard: "c", Version: 1, Score: 100.5, Result: ok},
		{SessionID: "s", Scorecard: "c", Version: 1, Score: math.NaN(), Result: ok},
		{SessionID: "s", Scorecard: "c", Version: 1},
		{SessionID: "s", Scorecard: "c", Version: 1, Result: json.RawMessage(`{"a"`)},
	} {
		wantErr(t, fmt.Sprintf("SaveQAResult(%+v)", r), st.SaveQAResult(ctx, r), store.ErrInvalid)
	}
	got, err := st.QAResults(ctx, "s")
	must(t, err)
	if len(got) != 0 {
		t.Errorf("invalid results were stored: %+v", got)
	}
	_, err = st.ScorecardResults(ctx, "", time.Time{}, -1)
	wantErr(t, "ScorecardResults with limit -1", err, store.ErrInvalid)
}

func testScorecardResults(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	var all []store.QAResult
	for i := 0; i < 4; i++ {
		id := fmt.Sprintf("s%d", i)
		must(t, st.CreateSession(ctx, store.Session{ID: id, Bot: "b"}))
		for j, sc := range []string{"a", "b"} {
			// Scored newest first, so that the list's order is not the
			// order of writing.
			r := store.QAResult{SessionID: id, Scorecard: sc, Version: 1, Score: float64(10*i + j),
				Result: json.RawMessage(`{}`), ScoredAt: t0.Add(time.Duration(4-i) * time.Minute)}
			must(t, st.SaveQAResult(ctx, r))
			r.ScoredAt = stored(r.ScoredAt)
			all = append(all, r)
		}
	}
	pick := func(idx ...int) []store.QAResult {
		out := []store.QAResult{}
		for _, i := range idx {
			out = append(out, all[i])
		}
		return out
	}
	for _, tc := range []struct {
		scorecard string
		since     time.Time
		limit     int
		want      []store.QAResult
	}{
		{"a", time.Time{}, 0, pick(6, 4, 2, 0)},
		{"", time.Time{}, 0, pick(6, 7, 4, 5, 2, 3, 0, 1)},
		{"b", t0.Add(2 * time.Minute), 0, pick(5, 3, 1)},
		{"", t0.Add(3 * time.Minute), 3, pick(2, 3, 0)},
		{"c", time.Time{}, 0, pick()},
	} {
		got, err := st.ScorecardResults(ctx, tc.scorecard, tc.since, tc.limit)
		must(t, err)
		sameResults(t, fmt.Sprintf("ScorecardResults(%q, %v, %d)", tc.scorecard, tc.since, tc.limit), got, tc.want)
	}
}

func testOverrides(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	for _, id := range []string{"s1", "s2"} {
		must(t, st.CreateSession(ctx, store.Session{ID: id, Bot: "b"}))
	}
	in := []store.QAOverride{
		{SessionID: "s1", Scorecard: "c", QuestionID: "q1", Answer: "no", Auto: "yes", Comment: "agent never greeted",
			Reviewer: "qa1", At: t0},
		{SessionID: "s2", Scorecard: "c", QuestionID: "q1", Answer: "yes", Reviewer: "qa2", At: t0.Add(time.Minute)},
		// A second reviewer answers the same question: added, not replacing.
		{SessionID: "s1", Scorecard: "c", QuestionID: "q1", Answer: "yes", Auto: "yes", Comment: "复核：已问候",
			Reviewer: "qa2", At: t0.Add(2 * time.Minute)},
		{SessionID: "s1", Scorecard: "d", QuestionID: "q9", Answer: "n/a", Reviewer: "qa1", At: t0.Add(30 * time.Second)},
	}
	out := addEach(t, "AddOverride", in, func(o store.QAOverride) (store.QAOverride, error) {
		return st.AddOverride(ctx, o)
	}, func(o, got store.QAOverride) (store.QAOverride, int64) {
		o.ID, o.At = got.ID, stored(o.At)
		return o, got.ID
	})
	for _, tc := range []struct {
		session, scorecard string
		want               []store.QAOverride
	}{
		{"s1", "c", []store.QAOverride{out[0], out[2]}},
		{"s1", "", []store.QAOverride{out[0], out[3], out[2]}},
		{"", "c", []store.QAOverride{out[0], out[1], out[2]}},
		{"", "", []store.QAOverride{out[0], out[3], out[1], out[2]}},
		{"s2", "d", []store.QAOverride{}},
	} {
		got, err := st.Overrides(ctx, tc.session, tc.scorecard)
		must(t, err)
		if got == nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("Overrides(%q, %q) = %+v\nwant %+v", tc.session, tc.scorecard, got, tc.want)
		}
	}
	now, err := st.AddOverride(ctx, store.QAOverride{SessionID: "s2", Scorecard: "c", QuestionID: "q2", Answer: "no", Reviewer: "qa1"})
	must(t, err)
	recent(t, "At of an override added without one", now.At)
	_, err = st.AddOverride(ctx, store.QAOverride{SessionID: "nope", Scorecard: "c", QuestionID: "q", Answer: "a", Reviewer: "r"})
	wantErr(t, "AddOverride on unknown session", err, store.ErrNotFound)
	for _, o := range []store.QAOverride{
		{SessionID: "", Scorecard: "c", QuestionID: "q", Answer: "a", Reviewer: "r"},
		{SessionID: "s1", Scorecard: "", QuestionID: "q", Answer: "a", Reviewer: "r"},
		{SessionID: "s1", Scorecard: "c", QuestionID: "", Answer: "a", Reviewer: "r"},
		{SessionID: "s1", Scorecard: "c", QuestionID: "q", Answer: "", Reviewer: "r"},
		{SessionID: "s1", Scorecard: "c", QuestionID: "q", Answer: "a", Reviewer: ""},
	} {
		_, err := st.AddOverride(ctx, o)
		wantErr(t, fmt.Sprintf("AddOverride(%+v)", o), err, store.ErrInvalid)
	}
}

func testAlerts(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	in := []store.Alert{
		{ID: "al1", SessionID: "s1", CallID: "c1@pbx", Rule: "profanity-zh", Kind: "profanity", Severity: "high",
			At: t0, Payload: json.RawMessage(`{"text":"***","turn":3}`)},
		{ID: "al2", SessionID: "s1", Kind: "silence", Severity: "low", At: t0.Add(time.Minute)},
		{ID: "al3", SessionID: "s2", Kind: "profanity", At: t0.Add(2 * time.Minute)},
		{ID: "al4", Kind: "silence", At: t0.Add(90 * time.Second)}, // a call without a session
	}
	for _, a := range in {
		must(t, st.SaveAlert(ctx, a))
	}
	wantErr(t, "SaveAlert with a used ID", st.SaveAlert(ctx, store.Alert{ID: "al1", Kind: "x"}), store.ErrConflict)
	sameAlert := func(a, b store.Alert) bool {
		return a.ID == b.ID && a.SessionID == b.SessionID && a.CallID == b.CallID && a.Rule == b.Rule &&
			a.Kind == b.Kind && a.Severity == b.Severity && a.At.Equal(b.At) && jsonEqual(a.Payload, b.Payload)
	}
	for _, tc := range []struct {
		f    store.AlertFilter
		want []string
	}{
		{store.AlertFilter{}, []string{"al3", "al4", "al2", "al1"}},
		{store.AlertFilter{SessionID: "s1"}, []string{"al2", "al1"}},
		{store.AlertFilter{Kind: "profanity"}, []string{"al3", "al1"}},
		{store.AlertFilter{SessionID: "s1", Kind: "silence"}, []string{"al2"}},
		{store.AlertFilter{Since: t0.Add(time.Minute)}, []string{"al3", "al4", "al2"}},
		{store.AlertFilter{Limit: 2}, []string{"al3", "al4"}},
		{store.AlertFilter{SessionID: "s9"}, []string{}},
	} {
		got, err := st.Alerts(ctx, tc.f)
		must(t, err)
		ids := []string{}
		for _, a := range got {
			ids = append(ids, a.ID)
		}
		if got == nil || !equalStrings(ids, tc.want) {
			t.Errorf("Alerts(%+v) = %v, want %v", tc.f, ids, tc.want)
		}
	}
	got, err := st.Alerts(ctx, store.AlertFilter{Kind: "profanity", SessionID: "s1"})
	must(t, err)
	want := in[0]
	want.At = stored(want.At)
	if len(got) != 1 || !sameAlert(got[0], want) {
		t.Errorf("alert read back = %+v, want %+v", got, want)
	}
	got, err = st.Alerts(ctx, store.AlertFilter{SessionID: "s2"})
	must(t, err)
	if len(got) != 1 || got[0].Payload != nil {
		t.Errorf("an alert without payload came back as %+v", got)
	}
	must(t, st.SaveAlert(ctx, store.Alert{ID: "now", Kind: "silence"}))
	got, err = st.Alerts(ctx, store.AlertFilter{Limit: 1})
	must(t, err)
	if len(got) != 1 || got[0].ID != "now" {
		t.Fatalf("newest alert = %+v, want the one saved without a time", got)
	}
	recent(t, "At of an alert saved without one", got[0].At)

	for _, a := range []store.Alert{
		{ID: "", Kind: "silence"},
		{ID: "x", Kind: ""},
		{ID: "x", Kind: store.AnyAlert},
		{ID: "x", Kind: "silence", Payload: json.RawMessage(`{`)},
	} {
		wantErr(t, fmt.Sprintf("SaveAlert(%+v)", a), st.SaveAlert(ctx, a), store.ErrInvalid)
	}
	_, err = st.Alerts(ctx, store.AlertFilter{Limit: -1})
	wantErr(t, "Alerts with limit -1", err, store.ErrInvalid)
}

func testTurnSentiment(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b"}))
	_, err := st.AppendTurns(ctx, "s",
		store.Turn{Speaker: "caller", Text: "this is the third time I call!"},
		store.Turn{Speaker: "bot", Text: "I am sorry."},
		store.Turn{Speaker: "caller", Text: "thanks, that works", Sentiment: 0.4, SentimentLabel: "positive"})
	must(t, err)
	must(t, st.SetTurnSentiment(ctx, "s", 1, -0.75, "negative"))
	must(t, st.SetTurnSentiment(ctx, "s", 3, 0.9, "positive")) // a rescore replaces
	turns, err := st.Turns(ctx, "s")
	must(t, err)
	got := fmt.Sprint(turns[0].Sentiment, turns[0].SentimentLabel, turns[1].Sentiment, turns[1].SentimentLabel,
		turns[2].Sentiment, turns[2].SentimentLabel)
	if want := fmt.Sprint(-0.75, "negative", 0.0, "", 0.9, "positive"); got != want {
		t.Errorf("sentiments = %s, want %s", got, want)
	}
	if turns[0].Text != "this is the third time I call!" {
		t.Errorf("SetTurnSentiment changed the turn: %+v", turns[0])
	}
	wantErr(t, "unknown turn", st.SetTurnSentiment(ctx, "s", 4, 0, "neutral"), store.ErrNotFound)
	wantErr(t, "unknown session", st.SetTurnSentiment(ctx, "nope", 1, 0, "neutral"), store.ErrNotFound)
	wantErr(t, "empty session", st.SetTurnSentiment(ctx, "", 1, 0, "neutral"), store.ErrInvalid)
	for _, tc := range []struct {
		seq   int
		score float64
		label string
	}{
		{0, 0, "neutral"},
		{1, 1.01, "positive"},
		{1, -1.5, "negative"},
		{1, math.NaN(), "neutral"},
		{1, 0, ""},
		{1, 0, "angry"},
	} {
		wantErr(t, fmt.Sprintf("SetTurnSentiment(%d, %v, %q)", tc.seq, tc.score, tc.label),
			st.SetTurnSentiment(ctx, "s", tc.seq, tc.score, tc.label), store.ErrInvalid)
	}
}

func testSessionSummary(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b"}))
	got, err := st.Session(ctx, "s")
	must(t, err)
	if got.Sentiment != nil || got.Score != nil {
		t.Fatalf("a new session has a summary: %+v", got)
	}
	check := func(what string, sentiment, score *float64) {
		t.Helper()
		got, err := st.Session(ctx, "s")
		must(t, err)
		if !sameFloat(got.Sentiment, sentiment) || !sameFloat(got.Score, score) {
			t.Errorf("%s: sentiment %v score %v, want %v %v", what, fmtFloat(got.Sentiment), fmtFloat(got.Score),
				fmtFloat(sentiment), fmtFloat(score))
		}
	}
	must(t, st.SetSessionSummary(ctx, "s", store.SessionSummary{Sentiment: f(-0.3)}))
	check("sentiment only", f(-0.3), nil)
	must(t, st.SetSessionSummary(ctx, "s", store.SessionSummary{Score: f(72.5)}))
	check("then the score", f(-0.3), f(72.5))
	must(t, st.SetSessionSummary(ctx, "s", store.SessionSummary{Sentiment: f(1), Score: f(0)}))
	check("both", f(1), f(0))
	must(t, st.SetSessionSummary(ctx, "s", store.SessionSummary{}))
	check("nothing", f(1), f(0))

	wantErr(t, "unknown session", st.SetSessionSummary(ctx, "nope", store.SessionSummary{Score: f(1)}), store.ErrNotFound)
	wantErr(t, "unknown session, empty summary", st.SetSessionSummary(ctx, "nope", store.SessionSummary{}), store.ErrNotFound)
	wantErr(t, "empty session", st.SetSessionSummary(ctx, "", store.SessionSummary{}), store.ErrInvalid)
	for _, s := range []store.SessionSummary{
		{Sentiment: f(-1.01)},
		{Sentiment: f(math.Inf(1))},
		{Score: f(101)},
		{Score: f(math.NaN())},
		{Sentiment: f(0), Score: f(-1)},
	} {
		wantErr(t, fmt.Sprintf("SetSessionSummary(%v, %v)", fmtFloat(s.Sentiment), fmtFloat(s.Score)),
			st.SetSessionSummary(ctx, "s", s), store.ErrInvalid)
	}
	check("after invalid summaries", f(1), f(0))
}

func fmtFloat(v *float64) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprint(*v)
}
