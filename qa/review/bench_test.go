package review_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/qa/review"
	"github.com/switchboard-voice/switchboard/qa/review/reviewtest"
	"github.com/switchboard-voice/switchboard/store"
)

// BenchmarkScore scores the agent call (10 turns, the sample agent card,
// rules only, redaction on) again and again: CallFor, redaction,
// sentiment of the turns already scored is kept, evaluation, saving the
// result and the summary. The recording is not part of it.
func BenchmarkScore(b *testing.B) {
	f := reviewtest.New(b, reviewtest.WithConfig(func(c *review.Config) { c.RecordingDir = "" }))
	ctx := context.Background()
	if err := f.Service.Score(ctx, reviewtest.AgentCall); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := f.Service.Score(ctx, reviewtest.AgentCall); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDashboard computes the dashboards of 10,000 calls over 30 days
// (a third handed off to 20 agents, each scored, one in ten with an alert,
// agent calls with a wrap-up) on SQLite.
func BenchmarkDashboard(b *testing.B) {
	f := reviewtest.New(b)
	seedMany(b, f.Store, 10000)
	ctx := context.Background()
	q := review.DashboardQuery{Since: day0, Until: day0.AddDate(0, 0, 31)}
	b.ResetTimer()
	for b.Loop() {
		d, err := f.Service.Dashboard(ctx, q)
		if err != nil {
			b.Fatal(err)
		}
		if d.Sessions < 10000 {
			b.Fatalf("%d sessions", d.Sessions)
		}
	}
}

// seedMany stores n scored calls over 30 days.
func seedMany(b *testing.B, st store.Store, n int) {
	ctx := context.Background()
	for i := range n {
		id := fmt.Sprintf("m%05d", i)
		start := day0.Add(time.Duration(i) * (30 * 24 * time.Hour / time.Duration(n)))
		reviewtest.Seed(b, st, store.Session{ID: id, Bot: "tinybank", Channel: "sip", StartedAt: start},
			[]reviewtest.Turn{{Speaker: "bot", Text: "Hello"}, {Speaker: "caller", Text: "I want to pay my bill", Offset: 2, Dur: 2}})
		outcome, queue, agent := store.OutcomeResolved, "", ""
		if i%3 == 0 {
			outcome, queue, agent = store.OutcomeHandedOff, fmt.Sprintf("q%d", i%4), fmt.Sprintf("a%02d", i%20)
		}
		must(b, st.EndSession(ctx, id, outcome, queue, "caller asked for a human", start.Add(time.Minute)))
		if agent != "" {
			must(b, st.AssignAgent(ctx, id, agent, queue))
			must(b, st.SaveWrapup(ctx, store.Wrapup{SessionID: id, AgentID: agent, HandleTime: 3 * time.Minute}))
		}
		must(b, st.EndCall(ctx, id, start.Add(5*time.Minute)))
		score, feel := float64(50+i%50), float64(i%21-10)/10
		must(b, st.SetSessionSummary(ctx, id, store.SessionSummary{Score: &score, Sentiment: &feel}))
		if i%10 == 0 {
			must(b, st.SaveAlert(ctx, store.Alert{ID: "al-" + id, SessionID: id, Kind: "silence", At: start}))
		}
		res := fmt.Appendf(nil, `{"card":"c","session_id":%q,"score":%v,"answers":[{"question":"greet","type":"yes_no","auto":{"status":"answered","choice":"yes"},"source":"rule","weight":50,"counted":true,"points":50},{"question":"close","type":"yes_no","auto":{"status":"answered","choice":"no"},"source":"rule","weight":50,"counted":true,"points":0}]}`, id, score)
		must(b, st.SaveQAResult(ctx, store.QAResult{SessionID: id, Scorecard: "c", Version: 1, Score: score, Result: res, ScoredAt: start.Add(time.Hour)}))
	}
}

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
