package redact

import (
	"encoding/csv"
	"os"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/internal/shareddata"
)

// TestCorpusFalsePositives runs the redactor over real customer queries
// that hold no personal data (Banking77 and CLINC150, ../shared/data):
// every span found there is a false positive. They hold amounts, dates,
// times, counts, flight and order numbers, and PINs ("change my pin to
// 1234"), which are masked on purpose and counted apart. -v lists each
// false positive.
func TestCorpusFalsePositives(t *testing.T) {
	r, err := New()
	if err != nil {
		t.Fatal(err)
	}
	files := [][]string{
		{"banking77", "train.csv"},
		{"clinc150", "train.csv"},
		{"clinc150", "val.csv"},
	}
	total, withDigits, spans, pins := 0, 0, 0, 0
	for _, f := range files {
		path := shareddata.Require(t, f...)
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(fh).ReadAll()
		fh.Close()
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, row := range rows[1:] {
			text := row[0]
			total++
			if strings.ContainsAny(text, "0123456789@") {
				withDigits++
			}
			for _, sp := range r.Redact(text).Spans {
				if sp.Type == CVV && strings.Contains(strings.ToLower(text[:sp.Start]), "pin") {
					pins++ // a PIN is sensitive authentication data: masked on purpose
					continue
				}
				spans++
				t.Logf("%s %s: %q in %q", f[0], sp.Type, text[sp.Start:sp.End], text)
			}
		}
	}
	t.Logf("%d utterances (%d with digits or @): %d false positives, %d PINs masked", total, withDigits, spans, pins)
	if rate := float64(spans) / float64(total); rate > 0.001 {
		t.Errorf("%d spans in %d utterances without personal data (%.2f per 1000, want at most 1)", spans, total, 1000*rate)
	}
}
