package scorecard_test

import (
	"context"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/switchboard-voice/switchboard/qa"
	"github.com/switchboard-voice/switchboard/qa/scorecard"
)

// tenMinutes builds a dense 10-minute call from the turns of a testdata
// call: its turns over and over, each 0.4s after the last (keeping their
// lengths), with one 60-second hold in the middle; about 160 turns.
func tenMinutes(tb testing.TB, name string) *qa.Call {
	src := loadCall(tb, name)
	call := *src
	call.Turns, call.Holds = nil, nil
	const gap = 400 * time.Millisecond
	at := time.Duration(0)
	for i := 0; at < 10*time.Minute; i++ {
		t := src.Turns[i%len(src.Turns)]
		if at >= 5*time.Minute && len(call.Holds) == 0 {
			call.Holds = append(call.Holds, qa.Span{Start: at, End: at + time.Minute})
			at += time.Minute + gap
		}
		length := t.End - t.Start
		t.Seq, t.Start, t.End, t.Words = len(call.Turns)+1, at, at+length, nil
		call.Turns = append(call.Turns, t)
		at += length + gap
	}
	call.Duration = at
	return &call
}

func benchmarkEvaluate(b *testing.B, cardName, callName string) {
	cards, err := scorecard.LoadDir("../../scorecards")
	if err != nil {
		b.Fatal(err)
	}
	var c *scorecard.Card
	for _, x := range cards {
		if x.Name == cardName {
			c = x
		}
	}
	call := tenMinutes(b, callName)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := scorecard.Evaluate(ctx, c, call); err != nil {
			b.Fatal(err)
		}
	}
	chars := 0
	for _, t := range call.Turns {
		chars += utf8.RuneCountInString(t.Text)
	}
	b.ReportMetric(float64(len(call.Turns)), "turns")
	b.ReportMetric(float64(chars), "chars")
}

// BenchmarkEvaluate scores a 10-minute call with the sample cards, rules
// only.
func BenchmarkEvaluate(b *testing.B) {
	b.Run("agent-calls/en", func(b *testing.B) { benchmarkEvaluate(b, "agent-calls", "en_agent_good") })
	b.Run("agent-calls/zh", func(b *testing.B) { benchmarkEvaluate(b, "agent-calls", "zh_agent_complaint") })
	b.Run("bot-calls/en", func(b *testing.B) { benchmarkEvaluate(b, "bot-calls", "en_bot_resolved") })
}

// BenchmarkParse parses the agent card.
func BenchmarkParse(b *testing.B) {
	data := []byte(card())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := scorecard.Parse("card.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}
