package alert

import (
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/qa"
)

// BenchmarkTurn is the cost of evaluating one final utterance with the
// default rules (11 rules, about 290 phrase spellings after synonyms): on
// the call's goroutine, between the final transcript and the alert.
func BenchmarkTurn(b *testing.B) {
	rules, err := Compile(Config{})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		text string
		want int
	}{
		{"en", "Hi, I noticed a charge on my statement from last Tuesday that I don't recognise, can you help me with that?", 0},
		{"zh", "你好，我上周二的账单上有一笔消费我不认识，能帮我查一下是怎么回事吗？", 0},
		{"en_alert", "This is ridiculous, I want to speak to your supervisor or I'm calling my lawyer.", 2},
		{"zh_alert", "你们再不处理我就投诉到12315，找你们领导来！", 2},
	} {
		b.Run(bc.name, func(b *testing.B) {
			now := t0
			m := NewMonitor(rules, Call{SessionID: "s", StartedAt: t0}, WithClock(func() time.Time { return now }))
			if got := len(m.Turn(qa.Turn{Seq: 1, Speaker: qa.Caller, Text: bc.text})); got != bc.want {
				b.Fatalf("%d alerts, want %d", got, bc.want)
			}
			b.ReportAllocs()
			seq := 1
			for b.Loop() {
				seq++
				now = now.Add(10 * time.Minute) // past every cooldown: alerts fire each time
				m.Turn(qa.Turn{Seq: seq, Speaker: qa.Caller, Text: bc.text, Sentiment: qa.Sentiment{Score: -0.2, Label: qa.Neutral}})
			}
		})
	}
}

// BenchmarkTick is one tick of one monitor (a Watcher ticks every live
// call every 250 ms).
func BenchmarkTick(b *testing.B) {
	rules, err := Compile(Config{})
	if err != nil {
		b.Fatal(err)
	}
	m := NewMonitor(rules, Call{SessionID: "s", StartedAt: t0})
	m.SpeechStart(qa.Caller)
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Millisecond)
		m.Tick(now)
	}
}

// BenchmarkCompile is the start-up cost of the default rule set.
func BenchmarkCompile(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(Config{}); err != nil {
			b.Fatal(err)
		}
	}
}
