package bm25

import (
	"math"
	"testing"
)

func TestScoresByHand(t *testing.T) {
	docs := []map[string]float64{
		{"card": 2, "deliveri": 1, "day": 1}, // length 4
		{"pin": 2, "block": 1, "card": 1},    // length 4
		{"fee": 1, "atm": 1},                 // length 2
	}
	ix := New(docs, DefaultParams)
	if ix.Len() != 3 || ix.DocFreq("card") != 2 || ix.DocFreq("nope") != 0 {
		t.Fatalf("Len %d, DocFreq(card) %d", ix.Len(), ix.DocFreq("card"))
	}
	avg := 10.0 / 3
	idf := func(df float64) float64 { return math.Log(1 + (3-df+0.5)/(df+0.5)) }
	term := func(tf, l float64) float64 { return tf * 2.2 / (tf + 1.2*(0.25+0.75*l/avg)) }
	want := []float64{
		idf(2) * term(2, 4),
		idf(2)*term(1, 4) + idf(1)*term(2, 4),
		0,
	}
	// "card" twice and an unknown term: counted once, ignored.
	got := ix.Scores([]string{"card", "pin", "card", "unknown"}, nil)
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("doc %d: score %v, want %v", i, got[i], want[i])
		}
	}
	hits := ix.Search([]string{"card", "pin"}, 5)
	if len(hits) != 2 || hits[0].Doc != 1 || hits[1].Doc != 0 {
		t.Fatalf("hits %+v", hits)
	}
	if hits := ix.Search([]string{"card", "pin"}, 1); len(hits) != 1 || hits[0].Doc != 1 {
		t.Fatalf("n=1: hits %+v", hits)
	}
}

func TestScoresReuseBuffer(t *testing.T) {
	ix := New([]map[string]float64{{"a": 1}, {"b": 1}}, DefaultParams)
	buf := []float64{9, 9, 9, 9}
	got := ix.Scores([]string{"b"}, buf)
	if len(got) != 2 || got[0] != 0 || got[1] <= 0 || &got[0] != &buf[0] {
		t.Fatalf("got %v (buffer reused: %v)", got, &got[0] == &buf[0])
	}
}

func TestTopTiesKeepOrder(t *testing.T) {
	hits := Top([]float64{1, 0, 3, 1, -1, 3}, 0, nil)
	want := []int{2, 5, 0, 3}
	if len(hits) != len(want) {
		t.Fatalf("hits %+v", hits)
	}
	for i, h := range hits {
		if h.Doc != want[i] {
			t.Fatalf("hits %+v, want docs %v", hits, want)
		}
	}
}

func TestEmpty(t *testing.T) {
	ix := New(nil, DefaultParams)
	if h := ix.Search([]string{"x"}, 3); len(h) != 0 {
		t.Fatalf("hits %+v", h)
	}
	// A document without terms does not divide by zero.
	ix = New([]map[string]float64{{}, {"x": 0}}, DefaultParams)
	if h := ix.Search([]string{"x"}, 3); len(h) != 0 {
		t.Fatalf("hits %+v", h)
	}
}

func BenchmarkScores10k(b *testing.B) {
	docs := make([]map[string]float64, 10000)
	for i := range docs {
		docs[i] = map[string]float64{"common": 1, "t" + string(rune('a'+i%26)): 2, "u" + string(rune('a'+i%7)): 1}
	}
	ix := New(docs, DefaultParams)
	q := []string{"common", "tb", "uc", "missing"}
	buf := make([]float64, ix.Len())
	b.ReportAllocs()
	for b.Loop() {
		buf = ix.Scores(q, buf)
	}
}

// Top with a limit equals the first n of the full ranking.
func TestTopLimited(t *testing.T) {
	scores := make([]float64, 500)
	for i := range scores {
		scores[i] = float64((i * 7919) % 37 % 11) // many ties and zeros
	}
	all := Top(scores, 0, nil)
	for _, n := range []int{1, 2, 5, 50, 499, 1000} {
		got := Top(scores, n, nil)
		want := all[:min(n, len(all))]
		if len(got) != len(want) {
			t.Fatalf("n=%d: %d hits, want %d", n, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("n=%d: hit %d %+v, want %+v", n, i, got[i], want[i])
			}
		}
	}
}
