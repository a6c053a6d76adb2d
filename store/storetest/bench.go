package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

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
