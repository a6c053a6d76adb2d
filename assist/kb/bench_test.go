package kb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/prompts"
)

// BenchmarkSearch is one search of the banking bot's 16 articles per
// caller query of the test set, per mode.
func BenchmarkSearch(b *testing.B) {
	bot := loadBot(b, "../../bots/banking")
	qs := readQueries(b, "testdata/banking_test.csv", bot)
	for _, m := range []Mode{ModeLexical, ModeVector, ModeHybrid} {
		b.Run("banking/"+m.String(), func(b *testing.B) {
			ix := newLoaded(b, bot, WithMode(m))
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := ix.Search(ctx, qs[i%len(qs)].Text, 3); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// largeChunker makes each paragraph of largeBot one chunk.
var largeChunker = Chunker{MaxRunes: 2000, MinRunes: -1}

// largeBot is a synthetic knowledge base of n articles of four paragraphs
// (one chunk each), made of the sample bots' sentences and article-specific
// words.
func largeBot(tb testing.TB, n int) *prompts.Bot {
	var sents []string
	for _, dir := range []string{"../../bots/banking", "../../bots/logistics-zh"} {
		for _, a := range loadBot(tb, dir).Knowledge {
			sents = append(sents, sentences(tidy(a.Body))...)
		}
	}
	r := rand.New(rand.NewPCG(7, 7))
	bot := &prompts.Bot{Name: "large"}
	for i := range n {
		var body strings.Builder
		for p := range 4 {
			if p > 0 {
				body.WriteString("\n\n")
			}
			for range 3 {
				body.WriteString(sents[r.IntN(len(sents))])
				body.WriteString(" ")
			}
			fmt.Fprintf(&body, "Reference code%d and topic%d.", i, r.IntN(500))
		}
		bot.Knowledge = append(bot.Knowledge, prompts.Article{ID: fmt.Sprint("a", i), Title: fmt.Sprintf("Article %d topic%d", i, i%300), Body: body.String()})
	}
	return bot
}

// BenchmarkSearchLarge searches 10,000 chunks (2,500 articles).
func BenchmarkSearchLarge(b *testing.B) {
	bot := largeBot(b, 2500)
	bq := loadBot(b, "../../bots/banking")
	qs := readQueries(b, "testdata/banking_test.csv", bq)
	for _, m := range []Mode{ModeLexical, ModeVector, ModeHybrid} {
		b.Run("chunks=10000/"+m.String(), func(b *testing.B) {
			ix := newLoaded(b, bot, WithMode(m), WithChunker(largeChunker))
			if c := ix.Stats().Chunks; c != 10000 {
				b.Fatalf("%d chunks", c)
			}
			ctx := context.Background()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := ix.Search(ctx, qs[i%len(qs)].Text, 3); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkLoad builds the banking bot's index (16 articles) and a 10,000
// chunk one.
func BenchmarkLoad(b *testing.B) {
	for _, c := range []struct {
		name string
		bot  *prompts.Bot
		opts []Option
	}{{"banking", loadBot(b, "../../bots/banking"), nil}, {"chunks=10000", largeBot(b, 2500), []Option{WithChunker(largeChunker)}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ix, _ := NewIndex(c.opts...)
				if err := ix.Load(context.Background(), c.bot, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
