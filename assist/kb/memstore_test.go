package kb_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/switchboard-voice/switchboard/assist/kb"
	"github.com/switchboard-voice/switchboard/assist/kb/kbtest"
)

func TestMemoryStoreConformance(t *testing.T) {
	kbtest.Run(t, func(t *testing.T) kb.VectorStore { return kb.NewMemoryStore() })
}

// One store shared by every subtest, as a server would be.
func TestMemoryStoreConformanceShared(t *testing.T) {
	s := kb.NewMemoryStore()
	kbtest.Run(t, func(t *testing.T) kb.VectorStore { return s })
}

// BenchmarkMemoryStoreSearch is an exact top-10 search among 10,000
// chunks of one bot (1,024 dimensions, the HashEmbedder default), with
// another bot's 10,000 chunks in the same collection.
func BenchmarkMemoryStoreSearch(b *testing.B) {
	for _, dims := range []int{256, 1024, 1536} {
		b.Run(fmt.Sprintf("chunks=10000/dims=%d", dims), func(b *testing.B) {
			s := kb.NewMemoryStore()
			ctx := context.Background()
			if err := s.EnsureCollection(ctx, "bench", dims); err != nil {
				b.Fatal(err)
			}
			r := rand.New(rand.NewPCG(1, 2))
			vec := func() []float32 {
				v := make([]float32, dims)
				for i := range v {
					v[i] = float32(r.NormFloat64())
				}
				return v
			}
			for _, bot := range []string{"bank", "other"} {
				pts := make([]kb.Point, 0, 10000)
				for i := range 10000 {
					pts = append(pts, kb.Point{
						ID: kb.PointID(bot, fmt.Sprint(i)), Vector: vec(),
						Payload: kb.Payload{Bot: bot, Build: "1", ArticleID: fmt.Sprint(i / 10), Chunk: i % 10},
					})
				}
				if err := s.Upsert(ctx, "bench", pts); err != nil {
					b.Fatal(err)
				}
			}
			q := vec()
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				ms, err := s.Search(ctx, "bench", q, 10, kb.Filter{Bot: "bank", Build: "1"})
				if err != nil || len(ms) != 10 {
					b.Fatal(err, len(ms))
				}
			}
		})
	}
}
