package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/store"
)

// BenchAppendTurn measures AppendTurns of one turn: serially on one session,
// and in parallel, one session per goroutine.
func BenchAppendTurn(b *testing.B, st store.Store) {
	ctx := context.Background()
	turn := store.Turn{Speaker: "caller", Text: "I would like to check my balance please",
		Intent: "billing.balance", Confidence: 0.93, Timings: map[string]int64{"asr": 900, "nlu": 120}}
	b.Run("Serial", func(b *testing.B) {
		if err := st.CreateSession(ctx, store.Session{ID: "bench-serial", Bot: "b"}); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := st.AppendTurns(ctx, "bench-serial", turn); err != nil {
				b.Fatal(err)
			}
		}
	})
	var sessions atomic.Int64
	b.Run("Parallel", func(b *testing.B) {
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			id := fmt.Sprintf("bench-par-%d", sessions.Add(1))
			if err := st.CreateSession(ctx, store.Session{ID: id, Bot: "b"}); err != nil {
				b.Error(err)
				return
			}
			for pb.Next() {
				if _, err := st.AppendTurns(ctx, id, turn); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// SeedSessions stores n sessions for the search benchmark, a day of a
// busy contact centre (a session every 8.64 s): four bots, half handed
// off to one of 40 agents in eight queues, QA scores and sentiments on
// most, an alert on one in ten, two turns each (one caller turn in a
// hundred asks for a refund of order 4711).
func SeedSessions(b testing.TB, st store.Store, n int) {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	bots := []string{"billing", "sales", "support", "tech"}
	says := []string{"I would like to check my balance", "我想查一下我的账单", "my internet is down again",
		"can I speak to a human please", "我要投诉", "what are your opening hours"}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("bench-%06d", i)
		start := t0.Add(time.Duration(i) * 8640 * time.Millisecond)
		s := store.Session{ID: id, Bot: bots[i%len(bots)], Channel: "sip", StartedAt: start,
			EndedAt: start.Add(time.Duration(20+rng.IntN(300)) * time.Second), Outcome: store.OutcomeResolved}
		if rng.IntN(2) == 0 {
			s.Outcome, s.HandoffQueue = store.OutcomeHandedOff, fmt.Sprint("queue-", rng.IntN(8))
			s.AgentID, s.Queue = fmt.Sprint("agent-", rng.IntN(40)), s.HandoffQueue
			s.CallEndedAt = s.EndedAt.Add(time.Duration(rng.IntN(900)) * time.Second)
		}
		if rng.IntN(10) < 8 {
			s.Score, s.Sentiment = f(float64(rng.IntN(101))), f(float64(rng.IntN(201)-100)/100)
		}
		if err := st.CreateSession(ctx, s); err != nil {
			b.Fatal(err)
		}
		text := says[rng.IntN(len(says))]
		if i%100 == 50 {
			text = "I want a refund for order 4711"
		}
		if _, err := st.AppendTurns(ctx, id, store.Turn{Speaker: "caller", Text: text, At: start},
			store.Turn{Speaker: "bot", Text: "One moment, please.", Action: "say", At: start}); err != nil {
			b.Fatal(err)
		}
		if i%10 == 0 {
			kind := []string{"silence", "profanity", "escalation"}[rng.IntN(3)]
			if err := st.SaveAlert(ctx, store.Alert{ID: "alert-" + id, SessionID: id, Kind: kind, At: start}); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchSearchSessions measures SearchSessions on a store holding
// SeedSessions(n): one page of 50 and the total, for the QA console's
// usual queries.
func BenchSearchSessions(b *testing.B, st store.Store, n int) {
	SeedSessions(b, st, n)
	ctx := context.Background()
	day := t0.Add(12 * time.Hour)
	for _, q := range []struct {
		name string
		q    store.SessionQuery
	}{
		{"Newest", store.SessionQuery{}},
		{"HourOfBot", store.SessionQuery{Since: day, Until: day.Add(time.Hour), Bot: "billing"}},
		{"Agent", store.SessionQuery{Agent: "agent-7"}},
		{"Queue", store.SessionQuery{Queue: "queue-3", Outcome: store.OutcomeHandedOff}},
		{"LowScores", store.SessionQuery{MaxScore: f(40), Sort: "score"}},
		{"NegativeByDuration", store.SessionQuery{MaxSentiment: f(-0.5), Sort: "duration", Desc: true}},
		{"AnyAlert", store.SessionQuery{AlertKind: store.AnyAlert}},
		{"Text", store.SessionQuery{Text: "REFUND"}},
		{"TextCombined", store.SessionQuery{Text: "账单", Bot: "billing", MinScore: f(50)}},
		{"DeepPage", store.SessionQuery{Sort: "score", Desc: true, Offset: n / 2}},
	} {
		b.Run(q.name, func(b *testing.B) {
			b.ReportAllocs()
			var total int
			for b.Loop() {
				page, err := st.SearchSessions(ctx, q.q)
				if err != nil {
					b.Fatal(err)
				}
				total = page.Total
			}
			b.ReportMetric(float64(total), "matches")
		})
	}
}
