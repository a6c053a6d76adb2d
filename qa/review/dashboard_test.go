package review_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/qa/review"
	"github.com/switchboard-voice/switchboard/qa/review/reviewtest"
	"github.com/switchboard-voice/switchboard/qa/scorecard"
	"github.com/switchboard-voice/switchboard/store"
)

// dashCall is one call of the dashboard data set.
type dashCall struct {
	id        string
	at        time.Duration // after reviewtest.Day 00:00
	outcome   store.Outcome
	reason    string
	agent     string
	queue     string
	length    time.Duration // call length
	wrapups   []time.Duration
	score     *float64
	sentiment *float64
	alerts    []string
	answers   []scorecard.Answer
}

func fp(v float64) *float64 { return &v }

var day0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

func counted(q string, weight, points float64) scorecard.Answer {
	return scorecard.Answer{Question: q, Type: scorecard.YesNo, Weight: weight, Points: points, Counted: true,
		Auto: scorecard.Value{Status: scorecard.Answered, Choice: "yes"}, Source: scorecard.SourceRule}
}

// dashData: five calls over two days in range, one the day after.
var dashData = []dashCall{
	{id: "d1", at: 10 * time.Hour, outcome: store.OutcomeResolved, length: time.Minute, score: fp(80), sentiment: fp(0.5),
		answers: []scorecard.Answer{counted("greet", 50, 50), counted("close", 50, 25)}},
	{id: "d2", at: 11 * time.Hour, outcome: store.OutcomeHandedOff, reason: "caller asked for a human", agent: "a1", queue: "q1",
		length: 300 * time.Second, wrapups: []time.Duration{200 * time.Second}, score: fp(60), sentiment: fp(-0.5), alerts: []string{"silence"},
		answers: []scorecard.Answer{func() scorecard.Answer {
			a := counted("greet", 50, 0)
			a.Auto.Choice = "no"
			a.Override = &scorecard.Override{Question: "greet", Value: scorecard.Value{Status: scorecard.Answered, Choice: "yes"}}
			return a
		}(), {Question: "close", Weight: 50, Type: scorecard.YesNo, Auto: scorecard.Value{Status: scorecard.NotApplicable}}}},
	{id: "d3", at: 34 * time.Hour, outcome: store.OutcomeAbandoned, length: 30 * time.Second, sentiment: fp(-0.2)},
	{id: "d4", at: 35 * time.Hour, outcome: store.OutcomeHandedOff, reason: "caller asked for a human", agent: "a1", queue: "q1",
		length: 400 * time.Second, score: fp(70), alerts: []string{"profanity", "silence"},
		answers: []scorecard.Answer{counted("greet", 50, 50)}},
	{id: "d5", at: 36 * time.Hour, outcome: store.OutcomeHandedOff, reason: "intent complaint", agent: "a2", queue: "q2",
		length: 100 * time.Second, wrapups: []time.Duration{30 * time.Second, 50 * time.Second}, score: fp(90)},
	{id: "d6", at: 58 * time.Hour, outcome: store.OutcomeResolved, length: time.Minute, score: fp(10), sentiment: fp(-1), alerts: []string{"silence"}},
}

func seedDashboard(t testing.TB, st store.Store) {
	ctx := context.Background()
	for _, c := range dashData {
		start := day0.Add(c.at)
		reviewtest.Seed(t, st, store.Session{ID: c.id, Bot: reviewtest.Bot, Channel: "sip", StartedAt: start},
			[]reviewtest.Turn{{Speaker: "caller", Text: "hello", Dur: 1}})
		queue := ""
		if c.outcome == store.OutcomeHandedOff {
			queue = c.queue
		}
		if err := st.EndSession(ctx, c.id, c.outcome, queue, c.reason, start.Add(min(c.length, 30*time.Second))); err != nil {
			t.Fatal(err)
		}
		if c.agent != "" {
			if err := st.AssignAgent(ctx, c.id, c.agent, c.queue); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.EndCall(ctx, c.id, start.Add(c.length)); err != nil {
			t.Fatal(err)
		}
		for i, w := range c.wrapups {
			if err := st.SaveWrapup(ctx, store.Wrapup{SessionID: c.id, AgentID: []string{c.agent, "other"}[i], HandleTime: w}); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.SetSessionSummary(ctx, c.id, store.SessionSummary{Score: c.score, Sentiment: c.sentiment}); err != nil {
			t.Fatal(err)
		}
		for i, k := range c.alerts {
			if err := st.SaveAlert(ctx, store.Alert{ID: c.id + "-" + k + string(rune('a'+i)), SessionID: c.id, Kind: k, At: start}); err != nil {
				t.Fatal(err)
			}
		}
		if c.answers != nil {
			data, _ := json.Marshal(scorecard.Result{Card: "c", SessionID: c.id, Score: *c.score, Answers: c.answers})
			if err := st.SaveQAResult(ctx, store.QAResult{SessionID: c.id, Scorecard: "c", Version: 1, Score: *c.score, Result: data, ScoredAt: start.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func TestDashboard(t *testing.T) {
	f := reviewtest.New(t)
	seedDashboard(t, f.Store)
	ctx := context.Background()
	// 2 March 00:00 to 4 March 00:00: the fixture's two calls (on 2
	// March, not scored) and d1-d5.
	d, err := f.Service.Dashboard(ctx, review.DashboardQuery{Since: day0, Until: day0.Add(48 * time.Hour), Queue: ""})
	if err != nil {
		t.Fatal(err)
	}
	if d.Sessions != 7 {
		t.Errorf("%d sessions", d.Sessions)
	}
	// Bot sessions: the fixture's (resolved, handed off) and d1-d5;
	// contained: the fixture's bot call and d1.
	if c := d.Containment; c.BotSessions != 7 || c.Contained != 2 || c.Rate != 0.2857 {
		t.Errorf("containment %+v", c)
	}
	if got := d.ContainmentDaily; len(got) != 2 || got[0] != (review.Rate{Day: "2026-03-02", BotSessions: 4, Contained: 2, Rate: 0.5}) ||
		got[1] != (review.Rate{Day: "2026-03-03", BotSessions: 3, Contained: 0, Rate: 0}) {
		t.Errorf("daily containment %+v", got)
	}
	if got := d.HandoffReasons; len(got) != 2 || got[0] != (review.Count{Key: "caller asked for a human", Count: 2}) ||
		got[1] != (review.Count{Key: "intent complaint", Count: 2}) {
		t.Errorf("handoff reasons %+v", got)
	}
	// Agent calls: the fixture's (wrap-up 50 s), d2 (200 s), d4 (no
	// wrap-up: its 400 s), d5 (30 + 50 s).
	if h := d.HandleTime; h.AgentCalls != 4 || h.FromWrapups != 3 || h.Average != 182.5 || h.Calls != 7 || h.AverageCall != 136.71 /* (25+42+60+300+30+400+100)/7 */ {
		t.Errorf("handle time %+v", h)
	}
	wantAgents := []review.ScoreGroup{{Key: "a1", Calls: 2, Average: 65}, {Key: "a2", Calls: 1, Average: 90}}
	if !equalGroups(d.Agents, wantAgents) {
		t.Errorf("agents %+v", d.Agents)
	}
	if !equalGroups(d.Queues, []review.ScoreGroup{{Key: "q1", Calls: 2, Average: 65}, {Key: "q2", Calls: 1, Average: 90}}) {
		t.Errorf("queues %+v", d.Queues)
	}
	if !equalGroups(d.AgentsDaily, []review.ScoreGroup{{Key: "a1", Day: "2026-03-02", Calls: 1, Average: 60},
		{Key: "a1", Day: "2026-03-03", Calls: 1, Average: 70}, {Key: "a2", Day: "2026-03-03", Calls: 1, Average: 90}}) {
		t.Errorf("agents daily %+v", d.AgentsDaily)
	}
	if !equalGroups(d.Scores, []review.ScoreGroup{{Day: "2026-03-02", Calls: 2, Average: 70}, {Day: "2026-03-03", Calls: 2, Average: 80}}) {
		t.Errorf("scores %+v", d.Scores)
	}
	if !equalGroups(d.Sentiment, []review.ScoreGroup{{Day: "2026-03-02", Calls: 2, Average: 0}, {Day: "2026-03-03", Calls: 1, Average: -0.2}}) {
		t.Errorf("sentiment %+v", d.Sentiment)
	}
	if got := d.Alerts; len(got) != 2 || got[0] != (review.Count{Key: "silence", Count: 2}) || got[1] != (review.Count{Key: "profanity", Count: 1}) {
		t.Errorf("alerts %+v", got)
	}
	wantQ := []review.QuestionDay{
		{Day: "2026-03-02", Card: "c", Question: "close", Answers: 1, Average: 50},
		// d2's override (yes) counts: its points are the seeded 0.
		{Day: "2026-03-02", Card: "c", Question: "greet", Answers: 2, Average: 50},
		{Day: "2026-03-03", Card: "c", Question: "greet", Answers: 1, Average: 100},
	}
	if len(d.Questions) != len(wantQ) {
		t.Fatalf("questions %+v", d.Questions)
	}
	for i := range wantQ {
		q := d.Questions[i]
		q.Text = ""
		if q != wantQ[i] {
			t.Errorf("question row %d: %+v, want %+v", i, q, wantQ[i])
		}
	}
	if len(d.Agreement) != 1 || d.Agreement[0].Question != "greet" || d.Agreement[0].Reviewed != 1 || d.Agreement[0].Agreed != 0 {
		t.Errorf("agreement %+v", d.Agreement)
	}

	var b bytes.Buffer
	if err := d.CSV(&b, "containment"); err != nil {
		t.Fatal(err)
	}
	if want := "day,bot_sessions,contained,rate\n2026-03-02,4,2,0.5\n2026-03-03,3,0,0\nall,7,2,0.2857\n"; b.String() != want {
		t.Errorf("containment CSV:\n%s\nwant:\n%s", b.String(), want)
	}
	for _, table := range review.Tables() {
		b.Reset()
		if err := d.CSV(&b, table); err != nil || !strings.Contains(b.String(), "\n") {
			t.Errorf("table %s: %q %v", table, b.String(), err)
		}
	}
	b.Reset()
	_ = d.CSV(&b, "handoff_reasons")
	if want := "reason,count\ncaller asked for a human,2\nintent complaint,2\n"; b.String() != want {
		t.Errorf("handoff CSV %q", b.String())
	}
	if err := d.CSV(&b, "nope"); !errors.Is(err, review.ErrInvalid) {
		t.Errorf("unknown table: %v", err)
	}

	// Narrowed to a queue; bad ranges.
	d, err = f.Service.Dashboard(ctx, review.DashboardQuery{Since: day0, Until: day0.Add(48 * time.Hour), Queue: "q1"})
	if err != nil || d.Sessions != 2 || d.HandleTime.Average != 300 {
		t.Errorf("queue q1: %+v %v", d, err)
	}
	for _, q := range []review.DashboardQuery{{}, {Since: day0, Until: day0}, {Since: day0, Until: day0.Add(400 * 24 * time.Hour)}} {
		if _, err := f.Service.Dashboard(ctx, q); !errors.Is(err, review.ErrInvalid) {
			t.Errorf("%+v: %v", q, err)
		}
	}
}

func equalGroups(a, b []review.ScoreGroup) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
