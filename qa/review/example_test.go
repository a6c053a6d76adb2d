package review_test

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/qa/review"
	"github.com/switchboard-voice/switchboard/qa/review/reviewtest"
	"github.com/switchboard-voice/switchboard/qa/scorecard"
	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/sqlite"
)

// A call ends: it is scored with the active scorecards, and the session
// gets its score and the caller's sentiment.
func ExampleService_Score() {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, sqlite.Memory)
	if err != nil {
		panic(err)
	}
	defer st.Close()
	svc, err := review.New(review.Config{Store: st})
	if err != nil {
		panic(err)
	}
	if _, err := svc.LoadDir(ctx, reviewtest.CardsDir()); err != nil { // scorecards/
		panic(err)
	}

	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	_ = st.CreateSession(ctx, store.Session{ID: "s1", Bot: "tinybank", Channel: "text", StartedAt: start})
	_, _ = st.AppendTurns(ctx, "s1",
		store.Turn{Speaker: "bot", Text: "Hello, welcome to Tiny Bank. This call is recorded.", At: start},
		store.Turn{Speaker: "caller", Text: "What are your opening hours?", Intent: "hours", At: start.Add(3 * time.Second)},
		store.Turn{Speaker: "bot", Text: "We are open 9 to 5.", At: start.Add(4 * time.Second)},
		store.Turn{Speaker: "caller", Text: "Great, thank you!", At: start.Add(8 * time.Second)})
	_ = st.EndSession(ctx, "s1", store.OutcomeResolved, "", "", start.Add(10*time.Second))

	if err := svc.Score(ctx, "s1"); err != nil {
		panic(err)
	}
	s, _ := st.Session(ctx, "s1")
	fmt.Printf("score %.0f, caller sentiment positive: %v\n", *s.Score, *s.Sentiment > 0)
	// Output: score 100, caller sentiment positive: true
}

// A reviewer disagrees with an automatic answer: the call is scored again
// with the override.
func ExampleService_Override() {
	ctx := context.Background()
	st, _ := sqlite.Open(ctx, sqlite.Memory)
	defer st.Close()
	svc, _ := review.New(review.Config{Store: st})
	_, _ = svc.LoadDir(ctx, reviewtest.CardsDir())
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	_ = st.CreateSession(ctx, store.Session{ID: "s1", Bot: "tinybank", Channel: "text", StartedAt: start})
	_, _ = st.AppendTurns(ctx, "s1",
		store.Turn{Speaker: "bot", Text: "Hello, welcome. This call is recorded.", At: start},
		store.Turn{Speaker: "caller", Text: "opening hours?", Intent: "hours", At: start.Add(3 * time.Second)})
	_ = st.EndSession(ctx, "s1", store.OutcomeResolved, "", "", start.Add(10*time.Second))
	_ = svc.Score(ctx, "s1")

	res, err := svc.Override(ctx, review.OverrideRequest{SessionID: "s1", Scorecard: "bot-calls",
		Question: "resolution", Answer: "abandoned", Comment: "the caller hung up", Reviewer: "qa-lead"})
	if err != nil {
		panic(err)
	}
	fmt.Printf("score %.0f after the override\n", res.Score)
	// Output: score 76 after the override
}

// A reviewer's answers to a bot call are set beside the rules': the
// report says how often they agree and where they do not.
func ExampleMeasureAgreement() {
	cards, err := scorecard.LoadDir(reviewtest.CardsDir()) // scorecards/
	if err != nil {
		panic(err)
	}
	s := time.Second
	call := qa.Call{SessionID: "s1", Bot: "banking", Language: "en", Outcome: "abandoned", Turns: []qa.Turn{
		{Seq: 1, Speaker: qa.Bot, Text: "Hi, this is Ava. This call may be recorded. How can I help?", End: 4 * s},
		{Seq: 2, Speaker: qa.Caller, Text: "How long does a new card take?", Start: 5 * s, End: 7 * s, Intent: "card_delivery_estimate"},
		{Seq: 3, Speaker: qa.Bot, Text: "Three to five working days. Anything else?", Start: 8 * s, End: 11 * s},
	}}
	na := review.LabelledAnswer{NA: true}
	set := []review.LabelledCall{{Name: "hangup", Call: call, Reviewer: "ana", Answers: map[string]map[string]review.LabelledAnswer{
		"bot-calls": {
			"greeted": {Text: "yes"}, "disclosure": {Text: "yes"}, "identified_intent": {Text: "yes"},
			"no_repeated_failures": {Text: "yes"},
			"resolution":           {Text: "resolved", Comment: "answered; the caller hung up at 'anything else'"},
			"sentiment_change":     na, "caller_goal": {Text: "How long a new card takes."},
		}}}}
	rep, err := review.MeasureAgreement(context.Background(), set, review.AgreementConfig{Cards: cards})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d of %d answers agree\n", rep.Overall.Agreed, rep.Overall.N)
	for _, d := range rep.Disagreements {
		fmt.Printf("%s: rules %s (%s), reviewer %s (%s)\n", d.Question, d.Auto, d.Note, d.Reviewer, d.Comment)
	}
	// Output:
	// 5 of 6 answers agree
	// resolution: rules abandoned (the call ended abandoned), reviewer resolved (answered; the caller hung up at 'anything else')
}
