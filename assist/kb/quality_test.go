package kb

import (
	"context"
	"testing"
)

// TestQuality guards the figures reported in docs/benchmarks.md: recall on
// the held-out test queries may not fall more than a few queries below
// what was measured when the defaults were chosen.
func TestQuality(t *testing.T) {
	floors := map[string]map[Mode][2]float64{ // recall@1, recall@3
		"banking":      {ModeLexical: {0.75, 0.90}, ModeVector: {0.62, 0.86}, ModeHybrid: {0.72, 0.90}},
		"logistics-zh": {ModeLexical: {0.80, 0.95}, ModeVector: {0.67, 0.87}, ModeHybrid: {0.72, 0.95}},
	}
	for _, set := range sampleSets {
		bot := loadBot(t, set.dir)
		qs := readQueries(t, set.test, bot)
		for m, floor := range floors[set.name] {
			rep, err := Evaluate(context.Background(), newLoaded(t, bot, WithMode(m)), qs)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s %s: recall@1 %.3f recall@3 %.3f MRR %.3f", set.name, m, rep.RecallAt1, rep.RecallAt3, rep.MRR)
			if rep.RecallAt1 < floor[0] || rep.RecallAt3 < floor[1] {
				t.Errorf("%s %s: recall@1 %.3f, recall@3 %.3f; want at least %.2f and %.2f", set.name, m, rep.RecallAt1, rep.RecallAt3, floor[0], floor[1])
			}
		}
	}
}
