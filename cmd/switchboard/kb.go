package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/switchboard-voice/switchboard/assist/kb"
	kbopenai "github.com/switchboard-voice/switchboard/assist/kb/openai"
	"github.com/switchboard-voice/switchboard/prompts"
)

func init() {
	register(&command{name: "kb", summary: "evaluate knowledge-base retrieval for agent assist", run: runKB})
}

func runKB(ctx context.Context, e *env, args []string) error {
	fs := flags(e, "kb", "eval --bot DIR --queries FILE [--json]", `
Work with agent-assist knowledge retrieval (package assist/kb).

  eval --bot DIR --queries FILE [--json] [--embedder embedded|openai]
       [--mode hybrid|bm25|vector] [--fusion rrf|blend] [--rrf-k K] [--alpha A]
      index the bot's knowledge-base articles, search every query of the CSV
      file (query,expected_article_id) and print recall@1, recall@3, MRR and
      the search latency p50/p95; in text mode also every query whose
      article was not ranked first. The openai embedder reads
      OPENAI_BASE_URL and OPENAI_API_KEY.`)
	if err := parse(e, fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 || fs.Arg(0) != "eval" {
		fs.Usage()
		return errUsage
	}
	ev := flags(e, "kb eval", "", "Index a bot's articles and measure retrieval on a query file.")
	botDir := ev.String("bot", "", "bot folder")
	queries := ev.String("queries", "", "CSV file: query,expected_article_id")
	asJSON := ev.Bool("json", false, "print one JSON object")
	embedder := ev.String("embedder", "embedded", "embedded (hashed n-grams, no model) or openai")
	mode := ev.String("mode", "hybrid", "hybrid, bm25 or vector")
	fusion := ev.String("fusion", "", "rrf or blend (default: the tuned default, "+kb.DefaultFusion.String()+")")
	rrfK := ev.Float64("rrf-k", 0, "rank constant of --fusion rrf (default 60)")
	alpha := ev.Float64("alpha", 0.5, "weight of vector similarity for --fusion blend (0..1)")
	model := ev.String("model", kbopenai.DefaultModel, "embedding model for --embedder openai")
	dims := ev.Int("dimensions", 0, "vector length asked of --embedder openai (0: the model's)")
	if err := parse(e, ev, fs.Args()[1:]); err != nil {
		return err
	}
	if *botDir == "" || *queries == "" || ev.NArg() > 0 {
		ev.Usage()
		return errUsage
	}
	m, err := kb.ParseMode(*mode)
	if err != nil {
		return fmt.Errorf("%w: --mode %q: want hybrid, bm25 or vector", errUsage, *mode)
	}
	opts := []kb.Option{kb.WithMode(m)}
	switch *fusion {
	case "":
	case "rrf":
		k := *rrfK
		if k == 0 {
			k = 60
		}
		opts = append(opts, kb.WithFusion(kb.RRF(k)))
	case "blend":
		opts = append(opts, kb.WithFusion(kb.Blend(*alpha)))
	default:
		return fmt.Errorf("%w: --fusion %q: want rrf or blend", errUsage, *fusion)
	}
	switch *embedder {
	case "embedded", "hash":
	case "openai":
		emb, err := kbopenai.New(kbopenai.Config{
			BaseURL: os.Getenv("OPENAI_BASE_URL"), APIKey: os.Getenv("OPENAI_API_KEY"),
			Model: *model, Dimensions: *dims, Timeout: 30 * time.Second,
		})
		if err != nil {
			return err
		}
		opts = append(opts, kb.WithEmbedder(emb))
	default:
		return fmt.Errorf("%w: --embedder %q: want embedded or openai", errUsage, *embedder)
	}

	bot, err := prompts.Load(*botDir)
	if err != nil {
		return err
	}
	if len(bot.Knowledge) == 0 {
		return fmt.Errorf("bot %s (%s) has no knowledge-base articles", bot.Name, *botDir)
	}
	qs, err := kb.ReadQueries(*queries)
	if err != nil {
		return err
	}
	if err := kb.CheckQueries(qs, bot.Knowledge); err != nil {
		return fmt.Errorf("%s: %w", *queries, err)
	}
	ix, err := kb.NewIndex(opts...)
	if err != nil {
		return err
	}
	if err := ix.Load(ctx, bot, 0); err != nil {
		return err
	}
	st := ix.Stats()
	rep, err := kb.Evaluate(ctx, ix, qs)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(map[string]any{
			"n": rep.N, "recall_at_1": rep.RecallAt1, "recall_at_3": rep.RecallAt3, "mrr": rep.MRR,
			"p50_us": micro(rep.P50), "p95_us": micro(rep.P95),
			"mode": st.Mode, "fusion": st.Fusion, "embedder": st.Embedder,
			"articles": st.Articles, "chunks": st.Chunks, "build_ms": float64(st.BuildTime.Microseconds()) / 1000,
		})
	}
	w := e.stdout
	fmt.Fprintf(w, "bot:             %s (%d articles, %d chunks, built in %s)\n", bot.Name, st.Articles, st.Chunks, st.BuildTime.Round(time.Microsecond))
	fmt.Fprintf(w, "retrieval:       %s, %s, embedder %s\n", st.Mode, st.Fusion, st.Embedder)
	fmt.Fprintf(w, "queries:         %d (%s)\n", rep.N, *queries)
	fmt.Fprintf(w, "recall@1:        %.4f\n", rep.RecallAt1)
	fmt.Fprintf(w, "recall@3:        %.4f\n", rep.RecallAt3)
	fmt.Fprintf(w, "MRR:             %.4f\n", rep.MRR)
	fmt.Fprintf(w, "latency p50/p95: %s / %s\n", rep.P50.Round(time.Microsecond), rep.P95.Round(time.Microsecond))
	if len(rep.Misses) > 0 {
		fmt.Fprintf(w, "\nmisses (%d; rank 0: not in the top %d):\n", len(rep.Misses), kb.EvalDepth)
		for _, ms := range rep.Misses {
			fmt.Fprintf(w, "  %s:%d\trank %d\twant %s\tgot %s\t%q\n", ms.Query.File, ms.Query.Line, ms.Rank, ms.Query.ArticleID, strings.Join(ms.Got, ","), ms.Query.Text)
		}
	}
	return nil
}

func micro(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1000 }
