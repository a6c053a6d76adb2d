package sentiment_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/qa/sentiment"
)

func ExampleLexicon_Score() {
	lex, err := sentiment.New()
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	for _, text := range []string{
		"flight cancelled, two hours on hold, still no refund",
		"Could you send the invoice to my email instead?",
		"Thanks, that's sorted then!",
		"我的快递一直没到，已经一个星期了。",
		"太感谢你了，帮了我大忙。",
	} {
		s, err := lex.Score(ctx, text, "")
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-8s %+.2f %s\n", s.Label, s.Score, text)
	}
	// Output:
	// negative -0.86 flight cancelled, two hours on hold, still no refund
	// neutral  +0.00 Could you send the invoice to my email instead?
	// positive +0.64 Thanks, that's sorted then!
	// negative -0.75 我的快递一直没到，已经一个星期了。
	// positive +0.75 太感谢你了，帮了我大忙。
}

func ExampleLexicon_Analyze() {
	lex, _ := sentiment.New()
	a, _ := lex.Analyze("The agent was friendly but my card is still not working.", "")
	fmt.Printf("%s %+.2f (%s)\n", a.Label, a.Score, a.Lang)
	for _, h := range a.Hits {
		fmt.Printf("  %-13q %+.2f -> %+.2f\n", h.Text, h.Valence, h.Final)
	}
	// Output:
	// negative -0.64 (en)
	//   "friendly"    +2.00 -> +1.00
	//   "still"       -0.60 -> -0.90
	//   "not working" -2.20 -> -3.30
}

func ExampleSummarize() {
	lex, _ := sentiment.New()
	s := time.Second
	turns := []qa.Turn{
		{Seq: 1, Speaker: qa.Caller, Start: 0, End: 4 * s, Text: "This is the third time I'm calling about my refund."},
		{Seq: 2, Speaker: qa.Agent, Start: 5 * s, End: 9 * s, Text: "I'm sorry about that, let me check."},
		{Seq: 3, Speaker: qa.Caller, Start: 10 * s, End: 11 * s, Text: "OK."},
		{Seq: 4, Speaker: qa.Agent, Start: 30 * s, End: 34 * s, Text: "The refund has been approved today."},
		{Seq: 5, Speaker: qa.Caller, Start: 35 * s, End: 38 * s, Text: "Oh that's a relief, thank you so much!"},
	}
	if err := sentiment.ScoreTurns(context.Background(), lex, "en", turns); err != nil {
		panic(err)
	}
	sum := sentiment.Summarize(turns)
	fmt.Printf("caller: %s %+.2f\n", sum.Caller.Label, sum.Caller.Score)
	fmt.Printf("first half %+.2f, second half %+.2f, change %+.2f\n", sum.Start, sum.End, sum.Change)
	for _, p := range sum.Timeline[qa.Caller] {
		fmt.Printf("  %v %+.2f\n", p.Offset, p.Score)
	}
	// Output:
	// caller: positive +0.35
	// first half -0.18, second half +0.80, change +0.98
	//   0s -0.44
	//   10s +0.08
	//   35s +0.80
}

func ExampleWithFallback() {
	lex, _ := sentiment.New()
	// A remote scorer that is down; in production, qa/sentiment/openai.
	down := sentiment.ScorerFunc(func(context.Context, string, string) (qa.Sentiment, error) {
		return qa.Sentiment{}, fmt.Errorf("%w: HTTP 503", sentiment.ErrUnavailable)
	})
	s, err := sentiment.WithFallback(down, lex).Score(context.Background(), "still no refund", "en")
	fmt.Println(s.Label, err, errors.Is(err, sentiment.ErrUnavailable))
	// Output:
	// negative <nil> false
}
