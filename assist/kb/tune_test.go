package kb

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// TestTune prints the development-set figures of every mode and fusion
// setting; set SWITCHBOARD_KB_TUNE=1 (and SWITCHBOARD_KB_TUNE_SPLIT=test to
// see the test split). It is how DefaultFusion was chosen.
func TestTune(t *testing.T) {
	if os.Getenv("SWITCHBOARD_KB_TUNE") == "" {
		t.Skip("set SWITCHBOARD_KB_TUNE=1 to print the tuning table")
	}
	split := os.Getenv("SWITCHBOARD_KB_TUNE_SPLIT")
	type setting struct {
		name string
		opts []Option
	}
	settings := []setting{
		{"bm25", []Option{WithMode(ModeLexical)}},
		{"vector", []Option{WithMode(ModeVector)}},
	}
	for _, k := range []float64{1, 3, 10, 30, 60} {
		settings = append(settings, setting{fmt.Sprintf("rrf k=%g", k), []Option{WithFusion(RRF(k))}})
	}
	for _, a := range []float64{0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8} {
		settings = append(settings, setting{fmt.Sprintf("blend a=%.1f", a), []Option{WithFusion(Blend(a))}})
	}
	for _, set := range sampleSets {
		bot := loadBot(t, set.dir)
		path := set.dev
		if split == "test" {
			path = set.test
		}
		qs := readQueries(t, path, bot)
		for _, st := range settings {
			ix := newLoaded(t, bot, st.opts...)
			rep, err := Evaluate(context.Background(), ix, qs)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%-13s %-13s n=%3d R@1 %.3f R@3 %.3f MRR %.3f", set.name, st.name, rep.N, rep.RecallAt1, rep.RecallAt3, rep.MRR)
		}
	}
}
