package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/store"
)

var lifecycleTests = []test{
	{"Ping", testPing},
	{"Canceled", testCanceled},
	{"Closed", testClosed},
}

func testPing(t *testing.T, st store.Store) {
	must(t, st.Ping(ctxT(t)))
}

func testCanceled(t *testing.T, st store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := st.Bots(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Bots with a canceled context: %v", err)
	}
	err = st.SaveDraft(ctx, "b", json.RawMessage(`{}`))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("SaveDraft with a canceled context: %v", err)
	}
	if _, err := st.Bot(context.Background(), "b"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a canceled SaveDraft stored the bot: %v", err)
	}
}

func testClosed(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	_, err := st.Publish(ctx, "b", json.RawMessage(`{}`), "")
	must(t, err)
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b"}))
	must(t, st.Close())
	must(t, st.Close())
	raw := json.RawMessage(`{}`)
	calls := map[string]func() error{
		"SaveDraft": func() error { return st.SaveDraft(ctx, "b", raw) },
		"Bot":       func() error { _, err := st.Bot(ctx, "b"); return err },
		"Bots":      func() error { _, err := st.Bots(ctx); return err },
		"Publish":   func() error { _, err := st.Publish(ctx, "b", raw, ""); return err },
		"Version":   func() error { _, err := st.Version(ctx, "b", 1); return err },
		"Versions":  func() error { _, err := st.Versions(ctx, "b"); return err },
		"Activate":  func() error { return st.Activate(ctx, "b", 1) },
		"CreateSession": func() error {
			return st.CreateSession(ctx, store.Session{ID: "s2", Bot: "b"})
		},
		"Session":  func() error { _, err := st.Session(ctx, "s"); return err },
		"Sessions": func() error { _, err := st.Sessions(ctx, store.SessionFilter{}); return err },
		"AppendTurns": func() error {
			_, err := st.AppendTurns(ctx, "s", store.Turn{Speaker: "caller"})
			return err
		},
		"AppendNoTurns": func() error { _, err := st.AppendTurns(ctx, "s"); return err },
		"Turns":         func() error { _, err := st.Turns(ctx, "s"); return err },
		"EndSession": func() error {
			return st.EndSession(ctx, "s", store.OutcomeResolved, "", "", time.Time{})
		},
		"Ping": func() error { return st.Ping(ctx) },

		"PutAgent":    func() error { return st.PutAgent(ctx, store.Agent{ID: "a", Definition: raw}) },
		"Agent":       func() error { _, err := st.Agent(ctx, "a"); return err },
		"Agents":      func() error { _, err := st.Agents(ctx); return err },
		"DeleteAgent": func() error { return st.DeleteAgent(ctx, "a") },
		"PutQueue":    func() error { return st.PutQueue(ctx, store.Queue{ID: "q", Definition: raw}) },
		"Queue":       func() error { _, err := st.Queue(ctx, "q"); return err },
		"Queues":      func() error { _, err := st.Queues(ctx); return err },
		"DeleteQueue": func() error { return st.DeleteQueue(ctx, "q") },
		"AppendAgentEvent": func() error {
			_, err := st.AppendAgentEvent(ctx, store.AgentEvent{AgentID: "a", State: "away"})
			return err
		},
		"AgentEvents": func() error { _, err := st.AgentEvents(ctx, "", time.Time{}, 0); return err },
		"SaveWrapup":  func() error { return st.SaveWrapup(ctx, store.Wrapup{SessionID: "s", AgentID: "a"}) },
		"Wrapups":     func() error { _, err := st.Wrapups(ctx, "s"); return err },
		"AddFeedback": func() error {
			_, err := st.AddFeedback(ctx, store.Feedback{SessionID: "s", AgentID: "a", Kind: "reply", Ref: "r"})
			return err
		},
		"Feedback": func() error { _, err := st.Feedback(ctx, "", 0); return err },
		"AppendAudit": func() error {
			_, err := st.AppendAudit(ctx, store.AuditEntry{Actor: "a", Action: "listen"})
			return err
		},
		"Audit": func() error { _, err := st.Audit(ctx, time.Time{}, 0); return err },
		"CreateCallback": func() error {
			return st.CreateCallback(ctx, store.Callback{ID: "c", Queue: "q", CallerID: "1"})
		},
		"Callbacks": func() error { _, err := st.Callbacks(ctx, ""); return err },
		"SetCallbackStatus": func() error {
			return st.SetCallbackStatus(ctx, "c", store.CallbackDone, time.Time{})
		},
		"AssignAgent": func() error { return st.AssignAgent(ctx, "s", "a", "q") },
		"EndCall":     func() error { return st.EndCall(ctx, "s", time.Time{}) },

		"SaveScorecardDraft": func() error { return st.SaveScorecardDraft(ctx, "c", raw) },
		"Scorecard":          func() error { _, err := st.Scorecard(ctx, "c"); return err },
		"Scorecards":         func() error { _, err := st.Scorecards(ctx); return err },
		"PublishScorecard":   func() error { _, err := st.PublishScorecard(ctx, "c", raw, ""); return err },
		"ScorecardVersion":   func() error { _, err := st.ScorecardVersion(ctx, "c", 1); return err },
		"ScorecardVersions":  func() error { _, err := st.ScorecardVersions(ctx, "c"); return err },
		"ActivateScorecard":  func() error { return st.ActivateScorecard(ctx, "c", 1) },
		"SaveQAResult": func() error {
			return st.SaveQAResult(ctx, store.QAResult{SessionID: "s", Scorecard: "c", Version: 1, Result: raw})
		},
		"QAResults":        func() error { _, err := st.QAResults(ctx, "s"); return err },
		"ScorecardResults": func() error { _, err := st.ScorecardResults(ctx, "", time.Time{}, 0); return err },
		"AddOverride": func() error {
			_, err := st.AddOverride(ctx, store.QAOverride{SessionID: "s", Scorecard: "c", QuestionID: "q",
				Answer: "no", Reviewer: "r"})
			return err
		},
		"Overrides": func() error { _, err := st.Overrides(ctx, "", ""); return err },
		"SaveAlert": func() error { return st.SaveAlert(ctx, store.Alert{ID: "a", Kind: "silence"}) },
		"Alerts":    func() error { _, err := st.Alerts(ctx, store.AlertFilter{}); return err },
		"SetTurnSentiment": func() error {
			return st.SetTurnSentiment(ctx, "s", 1, 0, "neutral")
		},
		"SetSessionSummary": func() error {
			return st.SetSessionSummary(ctx, "s", store.SessionSummary{})
		},
		"SearchSessions": func() error { _, err := st.SearchSessions(ctx, store.SessionQuery{}); return err },
	}
	for name, call := range calls {
		wantErr(t, name+" after Close", call(), store.ErrUnavailable)
	}
}

// RunDurable checks that what one store wrote is there after it is closed
// and the same database is opened again. open and reopen must open the
// same database.
func RunDurable(t *testing.T, open, reopen func(t *testing.T) store.Store) {
	ctx := ctxT(t)
	st := open(t)
	def := json.RawMessage(`{"greeting":"你好"}`)
	_, err := st.Publish(ctx, "b", def, "v1")
	must(t, err)
	_, err = st.Publish(ctx, "b", def, "v2")
	must(t, err)
	must(t, st.Activate(ctx, "b", 1))
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b", BotVersion: 1, StartedAt: t0}))
	in, err := st.AppendTurns(ctx, "s",
		store.Turn{Speaker: "caller", Text: "hello", Entities: json.RawMessage(`{"n":1}`)},
		store.Turn{Speaker: "bot", Text: "hi", Timings: map[string]int64{"nlu": 5}})
	must(t, err)
	must(t, st.EndSession(ctx, "s", store.OutcomeResolved, "", "", t0.Add(time.Minute)))
	must(t, st.AssignAgent(ctx, "s", "a1", "billing"))
	must(t, st.SetSessionSummary(ctx, "s", store.SessionSummary{Sentiment: f(0.25), Score: f(90)}))
	must(t, st.SetTurnSentiment(ctx, "s", 1, 0.5, "positive"))
	in[0].Sentiment, in[0].SentimentLabel = 0.5, "positive"
	must(t, st.PutAgent(ctx, store.Agent{ID: "a1", Definition: json.RawMessage(`{"name":"李雷"}`)}))
	_, err = st.PublishScorecard(ctx, "c", json.RawMessage(`{"questions":[]}`), "v1")
	must(t, err)
	must(t, st.SaveQAResult(ctx, store.QAResult{SessionID: "s", Scorecard: "c", Version: 1, Score: 90,
		Result: json.RawMessage(`{}`)}))
	ev, err := st.AppendAgentEvent(ctx, store.AgentEvent{AgentID: "a1", State: "available"})
	must(t, err)
	must(t, st.Close())
	_, err = st.Bot(ctx, "b")
	wantErr(t, "Bot after Close", err, store.ErrUnavailable)

	st = reopen(t)
	defer st.Close()
	b, err := st.Bot(ctx, "b")
	must(t, err)
	if b.ActiveVersion != 1 || b.LatestVersion != 2 {
		t.Errorf("bot after reopen = %+v", b)
	}
	ses, err := st.Session(ctx, "s")
	must(t, err)
	if ses.Outcome != store.OutcomeResolved || !ses.StartedAt.Equal(stored(t0)) || ses.AgentID != "a1" ||
		!sameFloat(ses.Score, f(90)) || !sameFloat(ses.Sentiment, f(0.25)) {
		t.Errorf("session after reopen = %+v", ses)
	}
	if _, err := st.Agent(ctx, "a1"); err != nil {
		t.Errorf("agent after reopen: %v", err)
	}
	if sc, err := st.Scorecard(ctx, "c"); err != nil || sc.ActiveVersion != 1 {
		t.Errorf("scorecard after reopen: %+v, %v", sc, err)
	}
	if rs, err := st.QAResults(ctx, "s"); err != nil || len(rs) != 1 || rs[0].Score != 90 {
		t.Errorf("QA results after reopen: %+v, %v", rs, err)
	}
	ev2, err := st.AppendAgentEvent(ctx, store.AgentEvent{AgentID: "a1", State: "away"})
	must(t, err)
	if ev2.ID <= ev.ID {
		t.Errorf("event ID after reopen %d, before %d: IDs must keep increasing", ev2.ID, ev.ID)
	}
	turns, err := st.Turns(ctx, "s")
	must(t, err)
	sameTurns(t, "turns after reopen", turns, in)
	more, err := st.AppendTurns(ctx, "s", store.Turn{Speaker: "agent", Text: "late"})
	must(t, err)
	if more[0].Seq != 3 {
		t.Errorf("append after reopen got seq %d, want 3", more[0].Seq)
	}
}
