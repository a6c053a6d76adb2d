package kb

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestParseQueries(t *testing.T) {
	qs, err := ParseQueries("q.csv", strings.NewReader("\ufeffquery,expected_article_id\n# a comment\nmy pin is blocked,pin\n\"fees, please\", fees \n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) != 2 || qs[0] != (Query{Text: "my pin is blocked", ArticleID: "pin", File: "q.csv", Line: 3}) || qs[1].Text != "fees, please" || qs[1].ArticleID != "fees" || qs[1].Line != 4 {
		t.Fatalf("%+v", qs)
	}
	// No header is fine too.
	if qs, err := ParseQueries("q.csv", strings.NewReader("a,b\n")); err != nil || len(qs) != 1 {
		t.Fatalf("%+v %v", qs, err)
	}
	bad := []struct{ in, want string }{
		{"query,expected_article_id\nonly one field\n", "q.csv:2: invalid: 1 fields"},
		{"a,b,c\n", "q.csv:1: invalid: 3 fields"},
		{"x,y\n,pin\n", "q.csv:2: invalid: empty query"},
		{"x,y\nhello, \n", "q.csv:2: invalid: no expected article id"},
		{"x,y\n\"unterminated,pin\n", "q.csv:2: invalid"},
		{"query,expected_article_id\n", "q.csv: invalid: no queries"},
		{"", "q.csv: invalid: no queries"},
	}
	for _, b := range bad {
		_, err := ParseQueries("q.csv", strings.NewReader(b.in))
		if !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), b.want) {
			t.Errorf("%q: %v, want %q...", b.in, err, b.want)
		}
	}
	if _, err := ReadQueries("testdata/missing.csv"); err == nil || !strings.Contains(err.Error(), "missing.csv") {
		t.Errorf("missing file: %v", err)
	}
}

func TestCheckQueries(t *testing.T) {
	qs := []Query{{Text: "a", ArticleID: "pin", File: "q.csv", Line: 2}, {Text: "b", ArticleID: "nope", File: "q.csv", Line: 3}}
	err := CheckQueries(qs, smallBot.Knowledge)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), `q.csv:3: unknown article id "nope"`) || !strings.Contains(err.Error(), "delivery, pin, fees, empty") {
		t.Fatalf("%v", err)
	}
	if err := CheckQueries(qs[:1], smallBot.Knowledge); err != nil {
		t.Fatal(err)
	}
}

func TestEvaluate(t *testing.T) {
	ix := newLoaded(t, smallBot, WithMode(ModeLexical))
	qs := []Query{
		{Text: "my pin is blocked", ArticleID: "pin"},                // rank 1
		{Text: "my pin is blocked", ArticleID: "delivery"},           // rank 2: "blocked" is in delivery too
		{Text: "zzz qqq", ArticleID: "fees", File: "q.csv", Line: 9}, // not found
		{Text: "how much does cash cost", ArticleID: "fees"},         // rank 1
	}
	rep, err := Evaluate(context.Background(), ix, qs)
	if err != nil {
		t.Fatal(err)
	}
	if rep.N != 4 || rep.RecallAt1 != 0.5 || rep.RecallAt3 != 0.75 || rep.MRR != (1+0.5+0+1)/4.0 {
		t.Fatalf("%+v", rep)
	}
	if len(rep.Misses) != 2 || rep.Misses[0].Rank != 2 || rep.Misses[0].Got[0] != "pin" || rep.Misses[1].Rank != 0 || rep.Misses[1].Query.Line != 9 {
		t.Fatalf("misses %+v", rep.Misses)
	}
	if rep.P50 <= 0 || rep.P95 < rep.P50 {
		t.Fatalf("latency %v %v", rep.P50, rep.P95)
	}
	if _, err := Evaluate(context.Background(), ix, nil); !errors.Is(err, ErrInvalid) {
		t.Fatal(err)
	}
}

// The shipped query files are well formed and name existing articles.
func TestQueryFiles(t *testing.T) {
	for _, set := range sampleSets {
		bot := loadBot(t, set.dir)
		for _, f := range []string{set.dev, set.test} {
			qs := readQueries(t, f, bot)
			if len(qs) < 20 {
				t.Errorf("%s: %d queries", f, len(qs))
			}
		}
	}
}
