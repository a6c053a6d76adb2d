package storetest

import (
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/store"
)

var searchTests = []test{
	{"Filters", testSearchFilters},
	{"Sort", testSearchSort},
	{"Pages", testSearchPages},
	{"Rows", testSearchRows},
	{"Invalid", testSearchInvalid},
	{"DefaultLimit", testSearchDefaultLimit},
}

// searchSession is one session of the search data set and how it went.
type searchSession struct {
	id, bot string
	start   time.Duration // after t0
	outcome store.Outcome // "": still open
	ended   time.Duration // after start: the bot's part
	callEnd time.Duration // after start; 0: not recorded
	handoff string        // handoff queue
	agent   string
	queue   string // the queue the agent answered from
	score   *float64
	feel    *float64 // the caller's sentiment
	alerts  []string // kinds
	texts   []string // caller and bot turns, alternating
}

// searchData is the search data set: eight sessions a minute apart. The
// durations are call end (or session end) minus start: 2m, 9m, 3m, 17m,
// open, 2m, 1s, 2m.
var searchData = []searchSession{
	{id: "s01", bot: "billing", start: 0, outcome: store.OutcomeResolved, ended: 2 * time.Minute,
		score: f(90), feel: f(0.5), texts: []string{"I want my BALANCE", "Your balance is 12 yuan."}},
	{id: "s02", bot: "billing", start: time.Minute, outcome: store.OutcomeHandedOff, ended: 30 * time.Second,
		callEnd: 9 * time.Minute, handoff: "billing-l2", agent: "a1", queue: "billing-l2", score: f(60), feel: f(-0.6),
		alerts: []string{"profanity", "silence"}, texts: []string{"Ärger mit der Rechnung", "Einen Moment bitte."}},
	{id: "s03", bot: "sales", start: 2 * time.Minute, outcome: store.OutcomeAbandoned, ended: 3 * time.Minute,
		texts: []string{"hello?", "Can I HELP you?"}},
	{id: "s04", bot: "sales", start: 3 * time.Minute, outcome: store.OutcomeHandedOff, ended: 10 * time.Second,
		callEnd: 17 * time.Minute, handoff: "sales", agent: "a2", queue: "sales-vip", score: f(75), feel: f(0),
		alerts: []string{"silence"}, texts: []string{"我想查账单", "好的，请稍等。"}},
	{id: "s05", bot: "billing", start: 4 * time.Minute, feel: f(-0.9), alerts: []string{"escalation"},
		texts: []string{"cancel my account 100%"}},
	{id: "s06", bot: "support", start: 5 * time.Minute, outcome: store.OutcomeHandedOff, ended: time.Minute,
		callEnd: 2 * time.Minute, handoff: "support", agent: "a1", queue: "support", score: f(40), feel: f(-0.2),
		texts: []string{"Balance transfer", "Transferring you."}},
	{id: "s07", bot: "support", start: 6 * time.Minute, outcome: store.OutcomeResolved, ended: time.Second,
		score: f(100), feel: f(0.9), texts: []string{"thanks"}},
	{id: "s08", bot: "billing", start: 7 * time.Minute, outcome: store.OutcomeResolved, ended: 2 * time.Minute,
		score: f(75), feel: f(0.3), alerts: []string{"profanity"}, texts: []string{"what is my balance", "12 yuan."}},
}

// seedSearch stores the search data set through the store's own writes,
// as calls would.
func seedSearch(t testing.TB, st store.Store) {
	ctx := ctxT(t)
	for _, s := range searchData {
		start := t0.Add(s.start)
		must(t, st.CreateSession(ctx, store.Session{ID: s.id, Bot: s.bot, Channel: "sip", StartedAt: start}))
		var turns []store.Turn
		for i, text := range s.texts {
			turns = append(turns, store.Turn{Speaker: []string{"caller", "bot"}[i%2], Text: text, At: start})
		}
		_, err := st.AppendTurns(ctx, s.id, turns...)
		must(t, err)
		if s.outcome != "" {
			must(t, st.EndSession(ctx, s.id, s.outcome, s.handoff, "", start.Add(s.ended)))
		}
		if s.agent != "" {
			must(t, st.AssignAgent(ctx, s.id, s.agent, s.queue))
		}
		if s.callEnd != 0 {
			must(t, st.EndCall(ctx, s.id, start.Add(s.callEnd)))
		}
		if s.score != nil || s.feel != nil {
			must(t, st.SetSessionSummary(ctx, s.id, store.SessionSummary{Sentiment: s.feel, Score: s.score}))
		}
		for i, kind := range s.alerts {
			must(t, st.SaveAlert(ctx, store.Alert{ID: fmt.Sprintf("%s-%d", s.id, i), SessionID: s.id, Kind: kind,
				At: start.Add(time.Second)}))
		}
	}
	// Alerts that belong to no stored session match nothing.
	must(t, st.SaveAlert(ctx, store.Alert{ID: "orphan", Kind: "profanity", At: t0}))
	must(t, st.SaveAlert(ctx, store.Alert{ID: "other", SessionID: "s99", Kind: "silence", At: t0}))
}

// search runs a query and checks the IDs of the page and the total.
func search(t *testing.T, st store.Store, q store.SessionQuery, total int, want ...string) {
	t.Helper()
	page, err := st.SearchSessions(ctxT(t), q)
	if err != nil {
		t.Errorf("SearchSessions(%s): %v", fmtQuery(q), err)
		return
	}
	got := []string{}
	for _, r := range page.Rows {
		got = append(got, r.ID)
	}
	if want == nil {
		want = []string{}
	}
	if !equalStrings(got, want) || page.Total != total || page.Rows == nil {
		t.Errorf("SearchSessions(%s) = %v of %d, want %v of %d", fmtQuery(q), got, page.Total, want, total)
	}
}

// fmtQuery shows a query's set fields.
func fmtQuery(q store.SessionQuery) string {
	s := fmt.Sprintf("%+v", q)
	for _, p := range []struct {
		name string
		v    *float64
	}{{"MinScore", q.MinScore}, {"MaxScore", q.MaxScore}, {"MinSentiment", q.MinSentiment}, {"MaxSentiment", q.MaxSentiment}} {
		if p.v != nil {
			s += fmt.Sprintf(" %s=%v", p.name, *p.v)
		}
	}
	return s
}

// all is every ID of the data set, newest first.
var all = []string{"s08", "s07", "s06", "s05", "s04", "s03", "s02", "s01"}

func testSearchFilters(t *testing.T, st store.Store) {
	seedSearch(t, st)
	for _, tc := range []struct {
		q    store.SessionQuery
		want []string
	}{
		{store.SessionQuery{}, all},
		{store.SessionQuery{Since: t0.Add(2 * time.Minute), Until: t0.Add(5 * time.Minute)}, []string{"s05", "s04", "s03"}},
		{store.SessionQuery{Since: t0.Add(2*time.Minute + time.Microsecond)}, []string{"s08", "s07", "s06", "s05", "s04"}},
		{store.SessionQuery{Until: t0.Add(time.Minute + time.Microsecond)}, []string{"s02", "s01"}},
		{store.SessionQuery{Since: t0.Add(time.Hour), Until: t0.Add(time.Hour)}, nil},
		{store.SessionQuery{Bot: "billing"}, []string{"s08", "s05", "s02", "s01"}},
		{store.SessionQuery{Bot: "nope"}, nil},
		// Queue: the handoff queue or the queue the agent answered from.
		{store.SessionQuery{Queue: "billing-l2"}, []string{"s02"}},
		{store.SessionQuery{Queue: "sales"}, []string{"s04"}},
		{store.SessionQuery{Queue: "sales-vip"}, []string{"s04"}},
		{store.SessionQuery{Agent: "a1"}, []string{"s06", "s02"}},
		{store.SessionQuery{Outcome: store.OutcomeHandedOff}, []string{"s06", "s04", "s02"}},
		{store.SessionQuery{Outcome: store.OutcomeResolved}, []string{"s08", "s07", "s01"}},
		{store.SessionQuery{MinScore: f(75)}, []string{"s08", "s07", "s04", "s01"}},
		{store.SessionQuery{MaxScore: f(60)}, []string{"s06", "s02"}},
		{store.SessionQuery{MinScore: f(60), MaxScore: f(75)}, []string{"s08", "s04", "s02"}},
		{store.SessionQuery{MinScore: f(0)}, []string{"s08", "s07", "s06", "s04", "s02", "s01"}},
		{store.SessionQuery{MinSentiment: f(0)}, []string{"s08", "s07", "s04", "s01"}},
		{store.SessionQuery{MaxSentiment: f(-0.5)}, []string{"s05", "s02"}},
		{store.SessionQuery{MinSentiment: f(-1), MaxSentiment: f(1)}, []string{"s08", "s07", "s06", "s05", "s04", "s02", "s01"}},
		{store.SessionQuery{AlertKind: store.AnyAlert}, []string{"s08", "s05", "s04", "s02"}},
		{store.SessionQuery{AlertKind: "silence"}, []string{"s04", "s02"}},
		{store.SessionQuery{AlertKind: "profanity"}, []string{"s08", "s02"}},
		{store.SessionQuery{AlertKind: "fraud"}, nil},
		// Text: case-insensitive, Unicode, in any turn (the bot's too),
		// never a pattern.
		{store.SessionQuery{Text: "balance"}, []string{"s08", "s06", "s01"}},
		{store.SessionQuery{Text: "BALANCE IS"}, []string{"s01"}},
		{store.SessionQuery{Text: "ärger"}, []string{"s02"}},
		{store.SessionQuery{Text: "ÄRGER"}, []string{"s02"}},
		{store.SessionQuery{Text: "账单"}, []string{"s04"}},
		{store.SessionQuery{Text: "help"}, []string{"s03"}},
		{store.SessionQuery{Text: "100%"}, []string{"s05"}},
		{store.SessionQuery{Text: "%"}, []string{"s05"}},
		{store.SessionQuery{Text: "_"}, nil},
		{store.SessionQuery{Text: "' OR 1=1 --"}, nil},
		// Filters combine.
		{store.SessionQuery{Bot: "billing", Outcome: store.OutcomeResolved, MinScore: f(80)}, []string{"s01"}},
		{store.SessionQuery{Agent: "a1", AlertKind: store.AnyAlert, Text: "rechnung"}, []string{"s02"}},
		{store.SessionQuery{Bot: "billing", Text: "balance", Since: t0.Add(time.Minute)}, []string{"s08"}},
	} {
		search(t, st, tc.q, len(tc.want), tc.want...)
	}
}

func testSearchSort(t *testing.T, st store.Store) {
	seedSearch(t, st)
	for _, tc := range []struct {
		q    store.SessionQuery
		want []string
	}{
		{store.SessionQuery{Sort: "started_at"}, []string{"s01", "s02", "s03", "s04", "s05", "s06", "s07", "s08"}},
		{store.SessionQuery{Sort: "started_at", Desc: true}, all},
		// Sort "" is the default view, newest first, whatever Desc says.
		{store.SessionQuery{Desc: true}, all},
		// Ties go by ID in the sort's direction; sessions without the key
		// come last either way.
		{store.SessionQuery{Sort: "score"}, []string{"s06", "s02", "s04", "s08", "s01", "s07", "s03", "s05"}},
		{store.SessionQuery{Sort: "score", Desc: true}, []string{"s07", "s01", "s08", "s04", "s02", "s06", "s05", "s03"}},
		{store.SessionQuery{Sort: "sentiment"}, []string{"s05", "s02", "s06", "s04", "s08", "s01", "s07", "s03"}},
		{store.SessionQuery{Sort: "sentiment", Desc: true}, []string{"s07", "s01", "s08", "s04", "s06", "s02", "s05", "s03"}},
		{store.SessionQuery{Sort: "duration"}, []string{"s07", "s01", "s06", "s08", "s03", "s02", "s04", "s05"}},
		{store.SessionQuery{Sort: "duration", Desc: true}, []string{"s04", "s02", "s03", "s08", "s06", "s01", "s07", "s05"}},
		// Sorted and filtered.
		{store.SessionQuery{Sort: "score", Desc: true, Bot: "billing"}, []string{"s01", "s08", "s02", "s05"}},
		{store.SessionQuery{Sort: "duration", Agent: "a1"}, []string{"s06", "s02"}},
	} {
		search(t, st, tc.q, len(tc.want), tc.want...)
	}
}

func testSearchPages(t *testing.T, st store.Store) {
	seedSearch(t, st)
	search(t, st, store.SessionQuery{Limit: 3}, 8, "s08", "s07", "s06")
	search(t, st, store.SessionQuery{Limit: 3, Offset: 3}, 8, "s05", "s04", "s03")
	search(t, st, store.SessionQuery{Limit: 3, Offset: 6}, 8, "s02", "s01")
	search(t, st, store.SessionQuery{Limit: 3, Offset: 8}, 8)
	search(t, st, store.SessionQuery{Offset: 100}, 8)
	search(t, st, store.SessionQuery{Offset: 7}, 8, "s01")
	search(t, st, store.SessionQuery{Limit: 100000}, 8, all...)
	// Pages of a sorted, filtered search: the total counts every match.
	search(t, st, store.SessionQuery{Sort: "score", Desc: true, Limit: 2, Offset: 2}, 8, "s08", "s04")
	search(t, st, store.SessionQuery{Sort: "duration", Limit: 3, Offset: 6}, 8, "s04", "s05")
	search(t, st, store.SessionQuery{Bot: "billing", Sort: "started_at", Limit: 1, Offset: 1}, 4, "s02")
	search(t, st, store.SessionQuery{AlertKind: store.AnyAlert, Limit: 1}, 4, "s08")
	search(t, st, store.SessionQuery{Text: "nothing like this", Limit: 5}, 0)
}

func testSearchRows(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	seedSearch(t, st)
	page, err := st.SearchSessions(ctx, store.SessionQuery{})
	must(t, err)
	counts := map[string][2]int{}
	for _, s := range searchData {
		counts[s.id] = [2]int{len(s.alerts), len(s.texts)}
	}
	for _, r := range page.Rows {
		want, err := st.Session(ctx, r.ID)
		must(t, err)
		if !sameSession(r.Session, want) {
			t.Errorf("row %s = %+v, want the session %+v", r.ID, r.Session, want)
		}
		if c := counts[r.ID]; r.Alerts != c[0] || r.Turns != c[1] {
			t.Errorf("row %s has %d alerts and %d turns, want %d and %d", r.ID, r.Alerts, r.Turns, c[0], c[1])
		}
	}
	s02, err := st.Session(ctx, "s02")
	must(t, err)
	start := t0.Add(time.Minute)
	if s02.AgentID != "a1" || s02.Queue != "billing-l2" || !s02.CallEndedAt.Equal(stored(start.Add(9*time.Minute))) ||
		!sameFloat(s02.Score, f(60)) || !sameFloat(s02.Sentiment, f(-0.6)) || s02.Outcome != store.OutcomeHandedOff {
		t.Errorf("s02 = %+v", s02)
	}
}

func testSearchInvalid(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	for _, q := range []store.SessionQuery{
		{Outcome: "won"},
		{Sort: "caller_id"},
		{Sort: "score; DROP TABLE sessions"},
		{Limit: -1},
		{Offset: -1},
		{Since: t0.Add(time.Minute), Until: t0},
		{MinScore: f(80), MaxScore: f(20)},
		{MinSentiment: f(0.5), MaxSentiment: f(-0.5)},
		{MinScore: f(math.NaN())},
		{MaxSentiment: f(math.NaN())},
	} {
		_, err := st.SearchSessions(ctx, q)
		wantErr(t, fmt.Sprintf("SearchSessions(%s)", fmtQuery(q)), err, store.ErrInvalid)
	}
}

func testSearchDefaultLimit(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	for i := 0; i < 55; i++ {
		must(t, st.CreateSession(ctx, store.Session{ID: fmt.Sprintf("s%03d", i), Bot: "b",
			StartedAt: t0.Add(time.Duration(i) * time.Second)}))
	}
	page, err := st.SearchSessions(ctx, store.SessionQuery{})
	must(t, err)
	if len(page.Rows) != 50 || page.Total != 55 || page.Rows[0].ID != "s054" || page.Rows[49].ID != "s005" {
		t.Errorf("SearchSessions with no limit: %d rows of %d", len(page.Rows), page.Total)
	}
}
