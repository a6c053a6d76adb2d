package sentiment

import (
	"context"
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzScore: any input, valid UTF-8 or not, scores without panic, in range,
// with a label that agrees with the score.
func FuzzScore(f *testing.F) {
	for _, s := range []string{
		"", "good", "not very good!!!", "flight cancelled, two hours on hold, still no refund",
		"我的快递一直没到", "虽然晚了，但是很好", ":) :( <3 &lt;3 😡", "THIRD TIME I CALL",
		"don't''''", "(((", "<num>", "第三次", "不不不不", "\xff\xfe", strings.Repeat("very ", 500) + "good",
	} {
		f.Add(s, "")
	}
	f.Add("hello", "zh")
	l, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text, lang string) {
		if lang != "" && lang != "en" && lang != "zh" {
			lang = ""
		}
		s, err := l.Score(context.Background(), text, lang)
		if err != nil {
			t.Fatalf("Score(%q, %q): %v", text, lang, err)
		}
		if math.IsNaN(s.Score) || s.Score < -1 || s.Score > 1 {
			t.Fatalf("Score(%q) = %v, outside [-1, 1]", text, s.Score)
		}
		if s.Label != LabelOf(s.Score) {
			t.Fatalf("Score(%q): label %s for score %v", text, s.Label, s.Score)
		}
		a, err := l.Analyze(text, lang)
		if err != nil || a.Score != s.Score {
			t.Fatalf("Analyze(%q) = %v, %v; Score gave %v", text, a.Score, err, s.Score)
		}
		for _, h := range a.Hits {
			if !utf8.ValidString(h.Text) {
				t.Fatalf("hit text %q is not valid UTF-8", h.Text)
			}
		}
	})
}
