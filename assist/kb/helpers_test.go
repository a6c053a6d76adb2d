package kb

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/switchboard-voice/switchboard/prompts"
)

// loadBot reads a sample bot's name and knowledge base: its bot.yaml and
// knowledge/*.yaml, without the intent CSVs that prompts.Load would also
// read (the banking bot's lives in the shared data folder).
func loadBot(tb testing.TB, dir string) *prompts.Bot {
	tb.Helper()
	read := func(path string) *prompts.Bot {
		data, err := os.ReadFile(path)
		if err != nil {
			tb.Fatal(err)
		}
		b, err := prompts.Parse(path, data)
		if err != nil {
			tb.Fatal(err)
		}
		return b
	}
	bot := read(filepath.Join(dir, "bot.yaml"))
	files, err := filepath.Glob(filepath.Join(dir, "knowledge", "*.yaml"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no knowledge files in %s (%v)", dir, err)
	}
	for _, f := range files {
		bot.Knowledge = append(bot.Knowledge, read(f).Knowledge...)
	}
	return bot
}

// The sample bots and their query sets.
var sampleSets = []struct {
	name, dir, dev, test string
}{
	{"banking", "../../bots/banking", "testdata/banking_dev.csv", "testdata/banking_test.csv"},
	{"logistics-zh", "../../bots/logistics-zh", "testdata/logistics_zh_dev.csv", "testdata/logistics_zh_test.csv"},
}

func newLoaded(tb testing.TB, bot *prompts.Bot, opts ...Option) *Index {
	tb.Helper()
	ix, err := NewIndex(opts...)
	if err != nil {
		tb.Fatal(err)
	}
	if err := ix.Load(context.Background(), bot, 1); err != nil {
		tb.Fatal(err)
	}
	return ix
}

func readQueries(tb testing.TB, path string, bot *prompts.Bot) []Query {
	tb.Helper()
	qs, err := ReadQueries(path)
	if err != nil {
		tb.Fatal(err)
	}
	if err := CheckQueries(qs, bot.Knowledge); err != nil {
		tb.Fatal(err)
	}
	return qs
}
