package openai_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/switchboard-voice/switchboard/assist/kb"
	"github.com/switchboard-voice/switchboard/assist/kb/openai"
	"github.com/switchboard-voice/switchboard/internal/openaitest"
	"github.com/switchboard-voice/switchboard/prompts"
)

func newEmbedder(t *testing.T, srv *openaitest.Server, cfg openai.Config) *openai.Embedder {
	t.Helper()
	cfg.BaseURL = srv.URL()
	if cfg.APIKey == "" {
		cfg.APIKey = "sk-test"
	}
	e, err := openai.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestEmbed(t *testing.T) {
	srv := openaitest.New(t)
	srv.SetDefault(openaitest.Reply{})
	e := newEmbedder(t, srv, openai.Config{Model: "text-embedding-3-small", Dimensions: 16, BatchSize: 2})
	texts := []string{"my card is lost", "", "运费多少钱"}
	vs, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || e.Dimensions() != 16 {
		t.Fatalf("%d vectors, Dimensions %d", len(vs), e.Dimensions())
	}
	// Two requests (batch size 2), each with the model, dimensions and
	// key; the empty text sent as a space.
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	sent := append(reqs[0].Embedding.Input, reqs[1].Embedding.Input...)
	for i, want := range []string{"my card is lost", " ", "运费多少钱"} {
		if sent[i] != want {
			t.Errorf("input %d sent as %q, want %q", i, sent[i], want)
		}
		if got := vs[i]; math.Abs(kb.Cosine(got, openaitest.Vector(want, 16))-1) > 1e-6 {
			t.Errorf("vector %d is not the server's", i)
		}
	}
	r := reqs[0]
	if r.Embedding.Model != "text-embedding-3-small" || r.Embedding.Dimensions != 16 || r.APIKey() != "sk-test" {
		t.Fatalf("request %+v, key %q", r.Embedding, r.APIKey())
	}
}

// Without Config.Dimensions the length is learnt from the first answer.
func TestDimensionsLearnt(t *testing.T) {
	srv := openaitest.New(t)
	srv.Enqueue(openaitest.Reply{Embeddings: [][]float32{{1, 0, 0}, {0, 1, 0}}})
	e := newEmbedder(t, srv, openai.Config{})
	if e.Dimensions() != 0 {
		t.Fatalf("Dimensions %d before any answer", e.Dimensions())
	}
	if _, err := e.Embed(context.Background(), []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if e.Dimensions() != 3 || srv.LastRequest().Embedding.Model != openai.DefaultModel {
		t.Fatalf("Dimensions %d, model %q", e.Dimensions(), srv.LastRequest().Embedding.Model)
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		name  string
		reply openaitest.Reply
		want  error
	}{
		{"rate limited", openaitest.Reply{Status: 429}, kb.ErrUnavailable},
		{"server error", openaitest.Reply{Status: 500}, kb.ErrUnavailable},
		{"bad key", openaitest.Reply{Status: 401}, kb.ErrUnavailable},
		{"malformed", openaitest.Reply{Malformed: true}, kb.ErrUnavailable},
		{"cut", openaitest.Reply{CutAfter: 10}, kb.ErrUnavailable},
		{"too slow", openaitest.Reply{Delay: time.Second}, kb.ErrTimeout},
		{"wrong count", openaitest.Reply{Body: `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[1,0]}]}`}, kb.ErrUnavailable},
		{"ragged", openaitest.Reply{Body: `{"object":"list","data":[{"index":0,"embedding":[1,0]},{"index":1,"embedding":[1]}]}`}, kb.ErrUnavailable},
		{"empty vector", openaitest.Reply{Body: `{"object":"list","data":[{"index":0,"embedding":[]},{"index":1,"embedding":[1]}]}`}, kb.ErrUnavailable},
		{"repeated index", openaitest.Reply{Body: `{"object":"list","data":[{"index":0,"embedding":[1]},{"index":0,"embedding":[1]}]}`}, kb.ErrUnavailable},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv := openaitest.New(t)
			srv.Enqueue(c.reply)
			e := newEmbedder(t, srv, openai.Config{Timeout: 200 * time.Millisecond})
			_, err := e.Embed(context.Background(), []string{"a", "b"})
			if !errors.Is(err, c.want) {
				t.Fatalf("err %v, want %v", err, c.want)
			}
			if c.reply.Status != 0 {
				var apiErr *goopenai.APIError
				if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != c.reply.Status {
					t.Fatalf("no APIError with status %d in %v", c.reply.Status, err)
				}
			}
		})
	}
}

// A caller that gives up gets its context's error, not a sentinel.
func TestCancelled(t *testing.T) {
	srv := openaitest.New(t)
	srv.Enqueue(openaitest.Reply{Delay: 5 * time.Second})
	e := newEmbedder(t, srv, openai.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := e.Embed(ctx, []string{"a"})
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, kb.ErrTimeout) || errors.Is(err, kb.ErrUnavailable) {
		t.Fatalf("err %v", err)
	}
}

func TestConfig(t *testing.T) {
	for _, cfg := range []openai.Config{
		{BaseURL: "localhost:8080"},
		{BaseURL: "ftp://x/v1"},
		{Dimensions: -1},
		{Timeout: -time.Second},
		{BatchSize: -3},
	} {
		if _, err := openai.New(cfg); !errors.Is(err, kb.ErrInvalid) {
			t.Errorf("%+v: %v, want ErrInvalid", cfg, err)
		}
	}
}

// An Index on the endpoint: chunks embedded at Load, queries at Search;
// a new version re-embeds only the chunks that changed; when the endpoint
// fails, the hybrid search still answers from BM25.
func TestIndexOnEndpoint(t *testing.T) {
	srv := openaitest.New(t)
	srv.SetDefault(openaitest.Reply{})
	e := newEmbedder(t, srv, openai.Config{Dimensions: 32})
	ix, err := kb.NewIndex(kb.WithEmbedder(e))
	if err != nil {
		t.Fatal(err)
	}
	bot := &prompts.Bot{Name: "bank", Knowledge: []prompts.Article{
		{ID: "pin", Title: "PIN help", Body: "Unblock a PIN in the app."},
		{ID: "fees", Title: "Fees", Body: "ATM withdrawals above 200 dollars cost 2 percent."},
	}}
	ctx := context.Background()
	if err := ix.Load(ctx, bot, 1); err != nil {
		t.Fatal(err)
	}
	embedded := func() (n int) {
		for _, r := range srv.Requests() {
			n += len(r.Embedding.Input)
		}
		return n
	}
	if n := embedded(); n != 2 {
		t.Fatalf("%d texts embedded at load, want 2", n)
	}
	// The server's vectors are pseudo-random, so only the lexical half
	// says which article wins; the query is embedded once.
	hits, err := ix.Search(ctx, "my pin", 2)
	if err != nil || len(hits) == 0 || hits[0].ArticleID != "pin" || embedded() != 3 {
		t.Fatalf("hits %+v, err %v, %d embedded", hits, err, embedded())
	}
	bot2 := *bot
	bot2.Knowledge = append([]prompts.Article(nil), bot.Knowledge...)
	bot2.Knowledge[1].Body = "ATM withdrawals above 200 dollars a month cost 2 percent."
	if err := ix.Load(ctx, &bot2, 2); err != nil {
		t.Fatal(err)
	}
	if n := embedded(); n != 4 {
		t.Fatalf("%d texts embedded after one article changed, want 4 (one more)", n)
	}
	srv.SetDefault(openaitest.Reply{Status: 503})
	hits, err = ix.Search(ctx, "unblock my pin", 2)
	if err != nil || len(hits) == 0 || hits[0].ArticleID != "pin" || hits[0].Similarity != 0 {
		t.Fatalf("with the endpoint down: hits %+v, err %v", hits, err)
	}
}
