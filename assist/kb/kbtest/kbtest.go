// Package kbtest is the conformance suite for kb.VectorStore
// implementations: the in-process kb.MemoryStore and assist/kb/qdrant run
// the same tests, so that the Index behaves the same on either.
//
//	func TestConformance(t *testing.T) {
//		kbtest.Run(t, func(t *testing.T) kb.VectorStore { return kb.NewMemoryStore() })
//	}
//
// Every test uses collections with a fresh random name and drops them at
// the end, so a shared server can run the suite.
package kbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/switchboard-voice/switchboard/assist/kb"
)

// Run runs the suite; open returns a store for one subtest (it may return
// the same store each time).
func Run(t *testing.T, open func(t *testing.T) kb.VectorStore) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s kb.VectorStore, coll string)
	}{
		{"EnsureCollection", testEnsure},
		{"SearchOrderAndScores", testSearch},
		{"FilterByBotAndBuild", testFilter},
		{"UpsertReplaces", testUpsertReplaces},
		{"Delete", testDelete},
		{"DropCollection", testDrop},
		{"BadInput", testBadInput},
		{"Concurrent", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			coll := Collection(t)
			tc.fn(t, s, coll)
		})
	}
}

// Collection returns a fresh random collection name, so that runs on a
// shared server never meet. The suite drops the collections it creates.
func Collection(t *testing.T) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "kbtest_" + hex.EncodeToString(b[:])
}

const dims = 8

// unit returns a unit vector close to axis i, tilted towards axis j by w.
func unit(i, j int, w float64) []float32 {
	v := make([]float32, dims)
	v[i] = 1
	v[j] += float32(w)
	n := math.Sqrt(1 + w*w)
	if i == j {
		n = 1 + w
	}
	for k := range v {
		v[k] = float32(float64(v[k]) / n)
	}
	return v
}

func point(bot, build, art string, chunk int, vec []float32) kb.Point {
	return kb.Point{
		ID:      kb.PointID(bot, build, art, fmt.Sprint(chunk)),
		Vector:  vec,
		Payload: kb.Payload{Bot: bot, Build: build, ArticleID: art, Chunk: chunk, Text: art + " text " + fmt.Sprint(chunk)},
	}
}

func setup(t *testing.T, s kb.VectorStore, coll string, pts ...kb.Point) context.Context {
	t.Helper()
	ctx := context.Background()
	if err := s.EnsureCollection(ctx, coll, dims); err != nil {
		t.Fatalf("EnsureCollection: %v", err)
	}
	t.Cleanup(func() {
		if err := s.DropCollection(context.Background(), coll); err != nil {
			t.Errorf("DropCollection: %v", err)
		}
	})
	if len(pts) > 0 {
		if err := s.Upsert(ctx, coll, pts); err != nil {
			t.Fatalf("Upsert: %v", err)
		}
	}
	return ctx
}

func ids(ms []kb.Match) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Payload.ArticleID + "#" + fmt.Sprint(m.Payload.Chunk)
	}
	return out
}

func search(t *testing.T, s kb.VectorStore, coll string, v []float32, k int, f kb.Filter) []kb.Match {
	t.Helper()
	ms, err := s.Search(context.Background(), coll, v, k, f)
	if err != nil {
		t.Fatalf("Search: %v", err)
	}
	return ms
}

func testEnsure(t *testing.T, s kb.VectorStore, coll string) {
	ctx := setup(t, s, coll)
	if err := s.EnsureCollection(ctx, coll, dims); err != nil {
		t.Fatalf("second EnsureCollection: %v", err)
	}
	if err := s.EnsureCollection(ctx, coll, dims*2); !errors.Is(err, kb.ErrDimensions) {
		t.Fatalf("EnsureCollection with other dimensions: %v, want ErrDimensions", err)
	}
	if _, err := s.Search(ctx, coll+"_missing", unit(0, 0, 0), 3, kb.Filter{Bot: "b"}); !errors.Is(err, kb.ErrNoCollection) {
		t.Fatalf("Search in a missing collection: %v, want ErrNoCollection", err)
	}
	if err := s.Upsert(ctx, coll+"_missing", []kb.Point{point("b", "1", "a", 0, unit(0, 0, 0))}); !errors.Is(err, kb.ErrNoCollection) {
		t.Fatalf("Upsert into a missing collection: %v, want ErrNoCollection", err)
	}
	if err := s.Delete(ctx, coll+"_missing", kb.Filter{Bot: "b"}); err != nil {
		t.Fatalf("Delete from a missing collection: %v", err)
	}
}

func testSearch(t *testing.T, s kb.VectorStore, coll string) {
	// Vectors are not unit length on purpose: the store compares by
	// cosine.
	scaled := unit(0, 1, 0.5)
	for i := range scaled {
		scaled[i] *= 3
	}
	setup(t, s, coll,
		point("bank", "1", "a", 0, unit(0, 0, 0)),
		point("bank", "1", "b", 0, scaled),
		point("bank", "1", "c", 0, unit(0, 1, 2)),
		point("bank", "1", "d", 0, unit(2, 2, 0)), // orthogonal to axis 0
		point("bank", "1", "e", 1, unit(0, 0, 0)),
	)
	ms := search(t, s, coll, unit(0, 0, 0), 3, kb.Filter{Bot: "bank"})
	got := ids(ms)
	if len(got) != 3 || got[2] != "b#0" || (got[0] != "a#0" && got[0] != "e#1") {
		t.Fatalf("top 3 %v, want a#0 and e#1 (equal) then b#0", got)
	}
	if math.Abs(ms[0].Score-1) > 1e-4 || math.Abs(ms[1].Score-1) > 1e-4 {
		t.Fatalf("scores %v %v, want 1", ms[0].Score, ms[1].Score)
	}
	if want := 1 / math.Sqrt(1.25); math.Abs(ms[2].Score-want) > 1e-4 {
		t.Fatalf("cosine %v, want %v", ms[2].Score, want)
	}
	m := ms[2]
	if m.Payload.Bot != "bank" || m.Payload.Build != "1" || m.Payload.Text != "b text 0" || m.ID != kb.PointID("bank", "1", "b", "0") {
		t.Fatalf("match %+v", m)
	}
	// k larger than the collection returns all, best first.
	all := search(t, s, coll, unit(0, 0, 0), 10, kb.Filter{Bot: "bank"})
	if len(all) != 5 {
		t.Fatalf("%d matches, want 5: %v", len(all), ids(all))
	}
	for i := 1; i < len(all); i++ {
		if all[i].Score > all[i-1].Score+1e-6 {
			t.Fatalf("not sorted: %v", all)
		}
	}
}

func testFilter(t *testing.T, s kb.VectorStore, coll string) {
	setup(t, s, coll,
		point("bank", "1", "a", 0, unit(0, 0, 0)),
		point("bank", "2", "a", 0, unit(0, 1, 0.1)),
		point("parcels", "1", "x", 0, unit(0, 0, 0)),
	)
	q := unit(0, 0, 0)
	if got := ids(search(t, s, coll, q, 10, kb.Filter{Bot: "parcels"})); len(got) != 1 || got[0] != "x#0" {
		t.Fatalf("bot parcels: %v", got)
	}
	if got := search(t, s, coll, q, 10, kb.Filter{Bot: "bank", Build: "2"}); len(got) != 1 || got[0].Payload.Build != "2" {
		t.Fatalf("bank build 2: %v", ids(got))
	}
	if got := search(t, s, coll, q, 10, kb.Filter{Bot: "bank"}); len(got) != 2 {
		t.Fatalf("bank, any build: %v", ids(got))
	}
	if got := search(t, s, coll, q, 10, kb.Filter{Bot: "nobody"}); len(got) != 0 {
		t.Fatalf("unknown bot: %v", ids(got))
	}
}

func testUpsertReplaces(t *testing.T, s kb.VectorStore, coll string) {
	ctx := setup(t, s, coll, point("bank", "1", "a", 0, unit(0, 0, 0)), point("bank", "1", "b", 0, unit(1, 1, 0)))
	p := point("bank", "1", "a", 0, unit(3, 3, 0))
	p.Payload.Text = "new text"
	if err := s.Upsert(ctx, coll, []kb.Point{p}); err != nil {
		t.Fatal(err)
	}
	ms := search(t, s, coll, unit(3, 3, 0), 10, kb.Filter{Bot: "bank"})
	if len(ms) != 2 || ms[0].Payload.ArticleID != "a" || ms[0].Payload.Text != "new text" || math.Abs(ms[0].Score-1) > 1e-4 {
		t.Fatalf("after replacing a: %+v", ms)
	}
}

func testDelete(t *testing.T, s kb.VectorStore, coll string) {
	ctx := setup(t, s, coll,
		point("bank", "1", "a", 0, unit(0, 0, 0)),
		point("bank", "2", "a", 0, unit(0, 0, 0)),
		point("bank", "3", "a", 0, unit(0, 0, 0)),
		point("parcels", "1", "x", 0, unit(0, 0, 0)),
	)
	q := unit(0, 0, 0)
	if err := s.Delete(ctx, coll, kb.Filter{Bot: "bank", Build: "1"}); err != nil {
		t.Fatal(err)
	}
	if got := search(t, s, coll, q, 10, kb.Filter{Bot: "bank", Build: "1"}); len(got) != 0 {
		t.Fatalf("build 1 after its deletion: %v", ids(got))
	}
	if err := s.Delete(ctx, coll, kb.Filter{Bot: "bank", ExceptBuilds: []string{"3"}}); err != nil {
		t.Fatal(err)
	}
	got := search(t, s, coll, q, 10, kb.Filter{Bot: "bank"})
	if len(got) != 1 || got[0].Payload.Build != "3" {
		t.Fatalf("bank after deleting all but build 3: %+v", got)
	}
	if err := s.Delete(ctx, coll, kb.Filter{Bot: "bank"}); err != nil {
		t.Fatal(err)
	}
	if got := search(t, s, coll, q, 10, kb.Filter{Bot: "bank"}); len(got) != 0 {
		t.Fatalf("bank after deleting it: %v", ids(got))
	}
	if got := search(t, s, coll, q, 10, kb.Filter{Bot: "parcels"}); len(got) != 1 {
		t.Fatalf("another bot's points were deleted: %v", ids(got))
	}
	// The deleted IDs can be written again.
	if err := s.Upsert(ctx, coll, []kb.Point{point("bank", "1", "a", 0, unit(0, 0, 0))}); err != nil {
		t.Fatal(err)
	}
	if got := search(t, s, coll, q, 10, kb.Filter{Bot: "bank"}); len(got) != 1 {
		t.Fatalf("after re-adding: %v", ids(got))
	}
}

func testDrop(t *testing.T, s kb.VectorStore, coll string) {
	ctx := setup(t, s, coll, point("bank", "1", "a", 0, unit(0, 0, 0)))
	if err := s.DropCollection(ctx, coll); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Search(ctx, coll, unit(0, 0, 0), 1, kb.Filter{Bot: "bank"}); !errors.Is(err, kb.ErrNoCollection) {
		t.Fatalf("search after drop: %v, want ErrNoCollection", err)
	}
	if err := s.DropCollection(ctx, coll); err != nil {
		t.Fatalf("dropping a missing collection: %v", err)
	}
	// A dropped collection can be created again with other dimensions.
	if err := s.EnsureCollection(ctx, coll, dims*2); err != nil {
		t.Fatal(err)
	}
}

func testBadInput(t *testing.T, s kb.VectorStore, coll string) {
	ctx := setup(t, s, coll, point("bank", "1", "a", 0, unit(0, 0, 0)))
	cases := []struct {
		name string
		err  error
		want error
	}{
		{"vector too short", s.Upsert(ctx, coll, []kb.Point{point("bank", "1", "b", 0, []float32{1, 0})}), kb.ErrDimensions},
		{"ID not a UUID", s.Upsert(ctx, coll, []kb.Point{{ID: "chunk-1", Vector: unit(0, 0, 0), Payload: kb.Payload{Bot: "bank"}}}), kb.ErrInvalid},
		{"point without bot", s.Upsert(ctx, coll, []kb.Point{point("", "1", "b", 0, unit(0, 0, 0))}), kb.ErrInvalid},
		{"query too long", searchErr(s, ctx, coll, make([]float32, dims+1), 1, kb.Filter{Bot: "bank"}), kb.ErrDimensions},
		{"no bot in search", searchErr(s, ctx, coll, unit(0, 0, 0), 1, kb.Filter{}), kb.ErrInvalid},
		{"ExceptBuilds in search", searchErr(s, ctx, coll, unit(0, 0, 0), 1, kb.Filter{Bot: "bank", ExceptBuilds: []string{"1"}}), kb.ErrInvalid},
		{"k = 0", searchErr(s, ctx, coll, unit(0, 0, 0), 0, kb.Filter{Bot: "bank"}), kb.ErrInvalid},
		{"no bot in delete", s.Delete(ctx, coll, kb.Filter{}), kb.ErrInvalid},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, c.err, c.want)
		}
	}
	// A failed batch writes nothing.
	if got := search(t, s, coll, unit(0, 0, 0), 10, kb.Filter{Bot: "bank"}); len(got) != 1 {
		t.Fatalf("after failed upserts: %v", ids(got))
	}
	// The zero vector is similar to nothing.
	if got := search(t, s, coll, make([]float32, dims), 10, kb.Filter{Bot: "bank"}); len(got) != 0 {
		t.Fatalf("zero query: %v", ids(got))
	}
}

func searchErr(s kb.VectorStore, ctx context.Context, coll string, v []float32, k int, f kb.Filter) error {
	_, err := s.Search(ctx, coll, v, k, f)
	return err
}

func testConcurrent(t *testing.T, s kb.VectorStore, coll string) {
	ctx := setup(t, s, coll, point("bank", "0", "a", 0, unit(0, 0, 0)))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				build := fmt.Sprint(w*100 + i + 1)
				if err := s.Upsert(ctx, coll, []kb.Point{point("bank", build, "a", 0, unit(w, i%dims, 0.5))}); err != nil {
					errs <- err
					return
				}
				if _, err := s.Search(ctx, coll, unit(0, 0, 0), 3, kb.Filter{Bot: "bank"}); err != nil {
					errs <- err
					return
				}
				if i%3 == 2 {
					if err := s.Delete(ctx, coll, kb.Filter{Bot: "bank", Build: build}); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	// Build 0 and 4 writers × 10 builds, 3 of each deleted.
	if got := search(t, s, coll, unit(0, 0, 0), 100, kb.Filter{Bot: "bank"}); len(got) != 1+4*7 {
		t.Fatalf("%d points after concurrent writes, want %d", len(got), 1+4*7)
	}
}
