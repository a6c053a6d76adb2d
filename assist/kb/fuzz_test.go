package kb

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzSearch: any query (any bytes, any length) searches without panic or
// error, returns at most k distinct articles with positive scores, and is
// deterministic.
func FuzzSearch(f *testing.F) {
	for _, s := range []string{
		"", "my pin is blocked", "um yeah okay", "运费多少钱", "a t m", "six hundred dollars",
		"\xff\xfe\xfd", "0.5% 1,000 $ ¥ ５００", "ＡＴＭ。！？", strings.Repeat("很", 3000),
		"'''", "..,,::", "i'd", "第一二三四五六七八九十百千万亿", "\u200b\u0301e\u0308",
	} {
		f.Add(s, 3)
	}
	ix, err := NewIndex()
	if err != nil {
		f.Fatal(err)
	}
	if err := ix.Load(context.Background(), smallBot, 1); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string, k int) {
		k = 1 + (k&0xff)%8
		hits, err := ix.Search(context.Background(), q, k)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if len(hits) > k {
			t.Fatalf("%d hits for k=%d", len(hits), k)
		}
		seen := map[string]bool{}
		for _, h := range hits {
			if seen[h.ArticleID] || h.Score <= 0 || !utf8.ValidString(h.Snippet) {
				t.Fatalf("%q: bad hits %+v", q, hits)
			}
			seen[h.ArticleID] = true
		}
		again, _ := ix.Search(context.Background(), q, k)
		if len(again) != len(hits) {
			t.Fatalf("%q: %d then %d hits", q, len(hits), len(again))
		}
		for i := range hits {
			if again[i] != hits[i] {
				t.Fatalf("%q: not deterministic: %+v vs %+v", q, hits[i], again[i])
			}
		}
	})
}

// FuzzChunker: any body chunks into valid, bounded, non-empty pieces.
func FuzzChunker(f *testing.F) {
	for _, s := range []string{"", "a. b. c.", "同城。省内！跨省？", strings.Repeat("x ", 500), "\n\n\n", "\xff。\xfe"} {
		f.Add(s, 40, 10)
	}
	f.Fuzz(func(t *testing.T, body string, max, overlap int) {
		c := Chunker{MaxRunes: max % 500, OverlapRunes: overlap % 500}
		limit := c.withDefaults().MaxRunes
		for _, ch := range c.Split(body) {
			if strings.TrimSpace(ch) == "" || utf8.RuneCountInString(ch) > limit {
				t.Fatalf("chunk %q (%d runes, limit %d)", ch, utf8.RuneCountInString(ch), limit)
			}
		}
	})
}
