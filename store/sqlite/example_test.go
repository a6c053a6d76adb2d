package sqlite_test

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/sqlite"
)

// A handed-off call from start to QA review: the bot's part, the agent's,
// the QA results, then the console's search.
func ExampleStore_SearchSessions() {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, sqlite.Memory)
	if err != nil {
		panic(err)
	}
	defer st.Close()
	start := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	for i, text := range []string{"我想查一下账单", "I want to cancel my contract"} {
		id := fmt.Sprint("call-", i+1)
		must(st.CreateSession(ctx, store.Session{ID: id, Bot: "billing", Channel: "sip", StartedAt: start}))
		_, err := st.AppendTurns(ctx, id, store.Turn{Speaker: "caller", Text: text, At: start})
		must(err)
		must(st.EndSession(ctx, id, store.OutcomeHandedOff, "billing", "asked for a human", start.Add(time.Minute)))
		must(st.AssignAgent(ctx, id, "agent-7", "billing"))
		must(st.EndCall(ctx, id, start.Add(time.Duration(4+i)*time.Minute)))

		// QA: each turn's sentiment, the scorecard's result, the summary.
		must(st.SetTurnSentiment(ctx, id, 1, -0.5, "negative"))
		score, overall := float64(95-40*i), -0.5
		must(st.SaveQAResult(ctx, store.QAResult{SessionID: id, Scorecard: "compliance", Version: 1,
			Score: score, Result: json.RawMessage(`{"greeting":{"answer":"yes"}}`)}))
		must(st.SetSessionSummary(ctx, id, store.SessionSummary{Sentiment: &overall, Score: &score}))
		start = start.Add(time.Minute)
	}
	must(st.SaveAlert(ctx, store.Alert{ID: "al-1", SessionID: "call-2", Kind: "churn_risk", At: start}))

	below := 60.0
	page, err := st.SearchSessions(ctx, store.SessionQuery{Agent: "agent-7", MaxScore: &below,
		AlertKind: store.AnyAlert, Text: "CANCEL", Sort: "duration", Desc: true})
	must(err)
	for _, r := range page.Rows {
		fmt.Printf("%s: score %.0f, %d alert, call of %v\n", r.ID, *r.Score, r.Alerts, r.CallEndedAt.Sub(r.StartedAt))
	}
	fmt.Println("total", page.Total)
	// Output:
	// call-2: score 55, 1 alert, call of 5m0s
	// total 1
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}
