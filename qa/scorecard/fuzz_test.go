package scorecard_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/switchboard-voice/switchboard/qa/scorecard"
)

// FuzzParse feeds the YAML parser arbitrary input: it must not panic, its
// errors must wrap ErrInvalid, and a card it accepts must survive the JSON
// round trip with the same hash and evaluate a call.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../../scorecards/*.yaml")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{card(), arithmetic, llmCard, card("rule: {said: {regex: ['(a{1,10}){1,100}']}}"),
		card("rule: {any: [{said: [hi]}, {not: {metric: {name: sentiment, stat: change, min: -0.3}}}]}"),
		card("when: {intents: [complaint], rule: {said: {synonyms: [x], near: {phrases: [y], within: 5s}}}}"),
		"name: a\nsynonyms: &x {a: [b]}\n", "- [", "name: t\nsections: [{id: s, weight: 100, questions: [{id: q, text: t, type: number, weight: 100, metric: hold_time, bands: [{max: 1, points: 1}]}]}]\n",
	} {
		f.Add([]byte(s))
	}
	call := loadCall(f, "en_agent_good")
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := scorecard.Parse("fuzz.yaml", data)
		if err != nil {
			if !errors.Is(err, scorecard.ErrInvalid) {
				t.Fatalf("error does not wrap ErrInvalid: %v", err)
			}
			return
		}
		j, err := c.JSON()
		if err != nil {
			t.Fatalf("JSON: %v", err)
		}
		back, err := scorecard.FromJSON(j)
		if err != nil {
			t.Fatalf("FromJSON of a parsed card: %v\n%s", err, j)
		}
		if back.Hash() != c.Hash() {
			t.Fatalf("hash changed in the JSON round trip")
		}
		if _, err := scorecard.Evaluate(context.Background(), c, call); err != nil && !errors.Is(err, scorecard.ErrNotApplicable) {
			t.Fatalf("Evaluate: %v", err)
		}
	})
}
