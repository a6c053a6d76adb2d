package kb_test

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
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

// A search large enough to be split between CPUs returns the exact top k,
// as a brute-force scan finds it.
func TestMemoryStoreLargeExact(t *testing.T) {
	const n, dims, k = 3000, 1024, 10
	s := kb.NewMemoryStore()
	ctx := context.Background()
	if err := s.EnsureCollection(ctx, "c", dims); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	vecs := make([][]float32, n)
	pts := make([]kb.Point, n)
	for i := range vecs {
		v := make([]float32, dims)
		for j := range v {
			v[j] = float32(r.NormFloat64())
		}
		vecs[i] = v
		pts[i] = kb.Point{ID: kb.PointID(fmt.Sprint(i)), Vector: v, Payload: kb.Payload{Bot: "b", Build: fmt.Sprint(i % 2), ArticleID: fmt.Sprint(i)}}
	}
	if err := s.Upsert(ctx, "c", pts); err != nil {
		t.Fatal(err)
	}
	q := vecs[17]
	type scored struct {
		id    string
		score float64
	}
	var want []scored
	for i, v := range vecs {
		want = append(want, scored{fmt.Sprint(i), kb.Cosine(q, v)})
	}
	slices.SortFunc(want, func(a, b scored) int { return cmp.Compare(b.score, a.score) })
	got, err := s.Search(ctx, "c", q, k, kb.Filter{Bot: "b"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != k {
		t.Fatalf("%d matches", len(got))
	}
	for i := range got {
		if got[i].Payload.ArticleID != want[i].id || math.Abs(got[i].Score-want[i].score) > 1e-4 {
			t.Fatalf("match %d: %s %.5f, want %s %.5f", i, got[i].Payload.ArticleID, got[i].Score, want[i].id, want[i].score)
		}
	}
}
