package kb

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/internal/bm25"
	"github.com/switchboard-voice/switchboard/prompts"
)

var smallBot = &prompts.Bot{Name: "bank", Knowledge: []prompts.Article{
	{ID: "delivery", Title: "Card delivery times", Tags: []string{"cards", "card_delivery"},
		Body: "Standard card delivery takes 5 to 7 working days.\n\nIf a card has not arrived after 10 working days, block it and order a replacement."},
	{ID: "pin", Title: "PIN changes and blocked PINs", Tags: []string{"pin"},
		Body: "You can change your PIN at any ATM. A PIN blocked after three wrong attempts can be unblocked in the app."},
	{ID: "fees", Title: "Fees overview", Body: "Cash withdrawals are free up to 200 dollars a month, then cost 2 percent."},
	{ID: "empty", Title: "Opening hours"},
}}

func TestSearch(t *testing.T) {
	ctx := context.Background()
	for _, m := range []Mode{ModeHybrid, ModeLexical, ModeVector} {
		t.Run(m.String(), func(t *testing.T) {
			ix := newLoaded(t, smallBot, WithMode(m))
			hits, err := ix.Search(ctx, "uh my pin got blocked", 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(hits) == 0 || hits[0].ArticleID != "pin" || hits[0].Title != "PIN changes and blocked PINs" {
				t.Fatalf("hits %+v", hits)
			}
			seen := map[string]bool{}
			for i, h := range hits {
				if seen[h.ArticleID] {
					t.Fatalf("article %s twice: %+v", h.ArticleID, hits)
				}
				seen[h.ArticleID] = true
				if i > 0 && h.Score > hits[i-1].Score {
					t.Fatalf("not sorted: %+v", hits)
				}
			}
			h := hits[0]
			if h.Snippet == "" || h.Score <= 0 {
				t.Fatalf("hit %+v", h)
			}
			if (m == ModeVector) != (h.Lexical == 0) || (m == ModeLexical) != (h.Similarity == 0) {
				t.Fatalf("%s: lexical %v, similarity %v", m, h.Lexical, h.Similarity)
			}
			// The snippet is the best chunk: the second paragraph here.
			hits, _ = ix.Search(ctx, "my card has not arrived after ten days", 1)
			if len(hits) != 1 || hits[0].ArticleID != "delivery" || hits[0].Chunk != 1 || hits[0].Snippet != "If a card has not arrived after 10 working days, block it and order a replacement." {
				t.Fatalf("hits %+v", hits)
			}
			// An article without a body is found by its title.
			if hits, _ = ix.Search(ctx, "what are your opening hours", 1); len(hits) != 1 || hits[0].ArticleID != "empty" {
				t.Fatalf("hits %+v", hits)
			}
			// Nothing to say, nothing found.
			for _, q := range []string{"", "   ", "um yeah okay", "\xff\xfe"} {
				if hits, err := ix.Search(ctx, q, 3); err != nil || len(hits) != 0 {
					t.Fatalf("%q: hits %+v, err %v", q, hits, err)
				}
			}
		})
	}
}

func TestSearchErrors(t *testing.T) {
	ctx := context.Background()
	ix, err := NewIndex()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Search(ctx, "pin", 3); !errors.Is(err, ErrNotLoaded) {
		t.Fatalf("before Load: %v", err)
	}
	if _, _, ok := ix.Loaded(); ok {
		t.Fatal("Loaded before Load")
	}
	if err := ix.Load(ctx, smallBot, 3); err != nil {
		t.Fatal(err)
	}
	if bot, v, ok := ix.Loaded(); !ok || bot != "bank" || v != 3 {
		t.Fatalf("Loaded %s %d %v", bot, v, ok)
	}
	if _, err := ix.Search(ctx, "pin", 0); !errors.Is(err, ErrInvalid) {
		t.Fatalf("k=0: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := ix.Search(cctx, "pin", 3); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
	if err := ix.Drop(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ix.Search(ctx, "pin", 3); !errors.Is(err, ErrNotLoaded) {
		t.Fatalf("after Drop: %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	ctx := context.Background()
	ix, _ := NewIndex()
	cases := map[string]*prompts.Bot{
		"nil bot":      nil,
		"no name":      {Knowledge: smallBot.Knowledge},
		"no id":        {Name: "b", Knowledge: []prompts.Article{{Title: "x", Body: "y"}}},
		"duplicate id": {Name: "b", Knowledge: []prompts.Article{{ID: "a", Body: "x"}, {ID: "a", Body: "y"}}},
	}
	for name, b := range cases {
		if err := ix.Load(ctx, b, 1); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
	if err := ix.Load(ctx, smallBot, 1); err != nil {
		t.Fatal(err)
	}
	if err := ix.Load(ctx, &prompts.Bot{Name: "other"}, 1); !errors.Is(err, ErrInvalid) {
		t.Errorf("another bot: %v", err)
	}
	// A bot without articles loads and finds nothing.
	ix2, _ := NewIndex()
	if err := ix2.Load(ctx, &prompts.Bot{Name: "none"}, 1); err != nil {
		t.Fatal(err)
	}
	if hits, err := ix2.Search(ctx, "pin", 3); err != nil || len(hits) != 0 {
		t.Fatalf("hits %+v err %v", hits, err)
	}
	for name, o := range map[string]Option{
		"nil embedder":  WithEmbedder(nil),
		"nil store":     WithStore(nil),
		"bad mode":      WithMode(Mode(7)),
		"rrf k":         WithFusion(RRF(0)),
		"blend alpha":   WithFusion(Blend(1.5)),
		"no method":     WithFusion(Fusion{}),
		"candidates":    WithCandidates(0),
		"batch":         WithBatchSize(-1),
		"no collection": WithCollection(" "),
	} {
		if _, err := NewIndex(o); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want ErrInvalid", name, err)
		}
	}
}

// countingStore counts what the index asks of its store and can fail
// searches.
type countingStore struct {
	*MemoryStore
	mu       sync.Mutex
	upserted int
	fail     error
}

func (s *countingStore) Upsert(ctx context.Context, c string, pts []Point) error {
	s.mu.Lock()
	s.upserted += len(pts)
	s.mu.Unlock()
	return s.MemoryStore.Upsert(ctx, c, pts)
}

func (s *countingStore) Search(ctx context.Context, c string, v []float32, k int, f Filter) ([]Match, error) {
	s.mu.Lock()
	err := s.fail
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return s.MemoryStore.Search(ctx, c, v, k, f)
}

func TestReload(t *testing.T) {
	ctx := context.Background()
	st := &countingStore{MemoryStore: NewMemoryStore()}
	ix, _ := NewIndex(WithStore(st))
	if err := ix.Load(ctx, smallBot, 1); err != nil {
		t.Fatal(err)
	}
	coll := ix.Stats().Collection
	n := st.Len(coll)
	if n == 0 || st.upserted != n || ix.Stats().Chunks != n || ix.Stats().Articles != 4 {
		t.Fatalf("%d points, %d upserted, stats %+v", n, st.upserted, ix.Stats())
	}
	build1 := ix.Stats().Build
	// A new version with the same articles: nothing rebuilt.
	if err := ix.Load(ctx, smallBot, 2); err != nil {
		t.Fatal(err)
	}
	if st.upserted != n || ix.Stats().Build != build1 || ix.Stats().Version != 2 {
		t.Fatalf("same articles rebuilt: %d upserted, stats %+v", st.upserted, ix.Stats())
	}
	// Changed articles: a new build beside the old one; the one before
	// that is deleted.
	bot2 := *smallBot
	bot2.Knowledge = append([]prompts.Article{{ID: "new", Title: "Virtual cards", Body: "Create a virtual card in the app."}}, smallBot.Knowledge...)
	if err := ix.Load(ctx, &bot2, 3); err != nil {
		t.Fatal(err)
	}
	if st.Len(coll) != n+n+1 {
		t.Fatalf("%d points after the second build, want %d (both builds)", st.Len(coll), 2*n+1)
	}
	if hits, _ := ix.Search(ctx, "virtual card", 1); len(hits) != 1 || hits[0].ArticleID != "new" {
		t.Fatalf("hits %+v", hits)
	}
	bot3 := bot2
	bot3.Knowledge = bot2.Knowledge[:2]
	if err := ix.Load(ctx, &bot3, 4); err != nil {
		t.Fatal(err)
	}
	if want := n + 1 + ix.Stats().Chunks; st.Len(coll) != want {
		t.Fatalf("%d points after the third build, want %d (builds 2 and 3)", st.Len(coll), want)
	}
	// Back to the first articles: a rebuild, with the same point IDs.
	if err := ix.Load(ctx, smallBot, 5); err != nil {
		t.Fatal(err)
	}
	if ix.Stats().Build != build1 {
		t.Fatalf("build %s, want %s again", ix.Stats().Build, build1)
	}
	if err := ix.Drop(ctx); err != nil || st.Len(coll) != 0 {
		t.Fatalf("Drop: %v, %d points left", err, st.Len(coll))
	}
}

// When the vector store fails, a hybrid search answers from BM25 and a
// vector search reports the error.
func TestStoreDown(t *testing.T) {
	ctx := context.Background()
	st := &countingStore{MemoryStore: NewMemoryStore()}
	ix := newLoaded(t, smallBot, WithStore(st))
	vix := newLoaded(t, smallBot, WithStore(st), WithMode(ModeVector))
	st.fail = fmt.Errorf("test: %w", ErrUnavailable)
	hits, err := ix.Search(ctx, "my pin is blocked", 2)
	if err != nil || len(hits) == 0 || hits[0].ArticleID != "pin" || hits[0].Similarity != 0 {
		t.Fatalf("hybrid with the store down: %+v, %v", hits, err)
	}
	if _, err := vix.Search(ctx, "my pin is blocked", 2); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("vector with the store down: %v", err)
	}
}

// Rebuilds while searches run: every search answers from a whole build
// (run with -race).
func TestRebuildWhileSearching(t *testing.T) {
	ctx := context.Background()
	ix := newLoaded(t, smallBot)
	versions := []*prompts.Bot{smallBot}
	for i := 1; i < 4; i++ {
		b := *smallBot
		b.Knowledge = append([]prompts.Article(nil), smallBot.Knowledge...)
		b.Knowledge[2].Body = fmt.Sprintf("Cash withdrawals are free up to %d00 dollars a month.", i+2)
		versions = append(versions, &b)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				hits, err := ix.Search(ctx, "my pin is blocked", 2)
				if err != nil {
					errs <- err
					return
				}
				if len(hits) == 0 || hits[0].ArticleID != "pin" || hits[0].Similarity == 0 {
					errs <- fmt.Errorf("hits %+v", hits)
					return
				}
			}
		}()
	}
	deadline := time.Now().Add(300 * time.Millisecond)
	for i := 0; time.Now().Before(deadline) || i < 8; i++ {
		if err := ix.Load(ctx, versions[i%len(versions)], i+2); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestFusion(t *testing.T) {
	s := &snapshot{
		arts: []prompts.Article{{ID: "a", Title: "A"}, {ID: "b", Title: "B"}, {ID: "c", Title: "C"}},
		chunks: []chunkRef{
			{art: 0, seq: 0, text: "a0"}, {art: 0, seq: 1, text: "a1"},
			{art: 1, seq: 0, text: "b0"}, {art: 2, seq: 0, text: "c0"},
		},
		byKey: map[chunkKey]int{{"a", 0}: 0, {"a", 1}: 1, {"b", 0}: 2, {"c", 0}: 3},
	}
	vec := func(art string, chunk int, score float64) Match {
		return Match{Score: score, Payload: Payload{ArticleID: art, Chunk: chunk}}
	}
	r := &rankings{
		// Lexical: a1, a0, c0 (articles a, c).
		lex: []bm25.Hit{{Doc: 1, Score: 4}, {Doc: 0, Score: 3}, {Doc: 3, Score: 2}},
		// Vector: b0, a0 (articles b, a).
		vec: []Match{vec("b", 0, 0.9), vec("a", 0, 0.8)},
	}
	// RRF, k=1: a = 1/2 + 1/3, b = 1/2, c = 1/3.
	hits := RRF(1).fuse(s, r, 10, 0)
	want := []struct {
		id    string
		score float64
	}{{"a", 1.0/2 + 1.0/3}, {"b", 0.5}, {"c", 1.0 / 3}}
	if len(hits) != 3 {
		t.Fatalf("hits %+v", hits)
	}
	for i, w := range want {
		if hits[i].ArticleID != w.id || math.Abs(hits[i].Score-w.score) > 1e-12 {
			t.Fatalf("hit %d %+v, want %s %.4f", i, hits[i], w.id, w.score)
		}
	}
	// a's snippet: a0 has lexical 3/4 and cosine 0.8, a1 lexical 1 only.
	if hits[0].Snippet != "a0" || hits[0].Lexical != 4 || hits[0].Similarity != 0.8 {
		t.Fatalf("a: %+v", hits[0])
	}
	// Blend, alpha 0.25: a = .25*.8 + .75*1, b = .25*.9, c = .75*.5.
	hits = Blend(0.25).fuse(s, r, 2, 0)
	if len(hits) != 2 || hits[0].ArticleID != "a" || math.Abs(hits[0].Score-0.95) > 1e-12 ||
		hits[1].ArticleID != "c" || math.Abs(hits[1].Score-0.375) > 1e-12 {
		t.Fatalf("blend hits %+v", hits)
	}
	// A minimum score drops weak articles.
	if hits = RRF(1).fuse(s, r, 10, 0.4); len(hits) != 2 {
		t.Fatalf("min score: %+v", hits)
	}
	// Equal scores keep the bot's article order.
	r2 := &rankings{vec: []Match{vec("c", 0, 0.5)}, lex: []bm25.Hit{{Doc: 2, Score: 1}}}
	if hits = RRF(60).fuse(s, r2, 10, 0); len(hits) != 2 || hits[0].ArticleID != "b" {
		t.Fatalf("ties: %+v", hits)
	}
	if RRF(60).String() != "rrf(k=60)" || Blend(0.3).String() != "blend(alpha=0.3)" {
		t.Fatal(RRF(60).String(), Blend(0.3).String())
	}
}

func TestParseMode(t *testing.T) {
	for s, want := range map[string]Mode{"hybrid": ModeHybrid, "": ModeHybrid, "BM25": ModeLexical, "lexical": ModeLexical, "vector": ModeVector} {
		if m, err := ParseMode(s); err != nil || m != want {
			t.Errorf("%q: %v %v", s, m, err)
		}
		if m, _ := ParseMode(want.String()); m != want {
			t.Errorf("round trip %v", want)
		}
	}
	if _, err := ParseMode("dense"); !errors.Is(err, ErrInvalid) {
		t.Errorf("dense: %v", err)
	}
}
