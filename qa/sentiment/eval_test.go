package sentiment

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/qa"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReadExamples(t *testing.T) {
	p := writeFile(t, "set.csv", "id,sentiment,text,lang\n1,negative,\"late, again\",en\n2,POS,谢谢,zh\n3,neutral,ok,\n")
	ex, err := ReadExamples(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []Example{
		{Text: "late, again", Label: qa.Negative, Lang: "en", Line: 2},
		{Text: "谢谢", Label: qa.Positive, Lang: "zh", Line: 3},
		{Text: "ok", Label: qa.Neutral, Line: 4},
	}
	if len(ex) != len(want) {
		t.Fatalf("got %d examples, want %d", len(ex), len(want))
	}
	for i := range want {
		if ex[i] != want[i] {
			t.Errorf("example %d = %+v, want %+v", i, ex[i], want[i])
		}
	}
}

func TestReadExamplesErrors(t *testing.T) {
	tests := []struct{ name, body, want string }{
		{"empty", "", "empty file"},
		{"no text column", "utterance,sentiment\nhi,neutral\n", `lacks the "text" column`},
		{"no sentiment column", "text,category\nhi,greeting\n", `lacks the "sentiment" column`},
		{"unknown label", "text,sentiment\nhi,neutral\nbye,sad\n", `:3: unknown label "sad"`},
		{"empty text", "text,sentiment\n ,neutral\n", ":2: empty text"},
		{"short row", "text,lang,sentiment\nhi,en\n", ":2: 2 fields, want at least 3"},
		{"bad quoting", "text,sentiment\n\"hi,neutral\n", "extraneous or missing"},
		{"header only", "text,sentiment\n", "no examples"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := writeFile(t, "bad.csv", tt.body)
			_, err := ReadExamples(p)
			if !errors.Is(err, ErrBadData) || !strings.Contains(err.Error(), "bad.csv") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want ErrBadData naming bad.csv and %q", err, tt.want)
			}
		})
	}
}

func TestReadRatings(t *testing.T) {
	p := writeFile(t, "r.txt", "1\t2.5\tgreat stuff\n\n2\t-1.25\tmeh\ttabs\tinside\n")
	rs, err := ReadRatings(p)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0] != (Rating{ID: "1", Score: 2.5, Text: "great stuff", Line: 1}) ||
		rs[1].Text != "meh\ttabs\tinside" || rs[1].Line != 3 {
		t.Errorf("ReadRatings = %+v", rs)
	}
	if ok, err := IsRatingsFile(p); !ok || err != nil {
		t.Errorf("IsRatingsFile(ratings) = %v, %v", ok, err)
	}
	csv := writeFile(t, "c.csv", "text,sentiment\nhi,neutral\n")
	if ok, err := IsRatingsFile(csv); ok || err != nil {
		t.Errorf("IsRatingsFile(csv) = %v, %v", ok, err)
	}
	for name, body := range map[string]string{
		"two fields":   "1\t2.5\n",
		"bad score":    "1\tgood\tgreat\n",
		"out of range": "1\t7\tgreat\n",
		"empty text":   "1\t1\t \n",
		"empty file":   "\n",
	} {
		p := writeFile(t, "bad.txt", body)
		if _, err := ReadRatings(p); !errors.Is(err, ErrBadData) || !strings.Contains(err.Error(), "bad.txt") {
			t.Errorf("%s: error %v, want ErrBadData naming the file", name, err)
		}
	}
}

// fixed labels every text by a table.
func fixed(m map[string]qa.Sentiment) Scorer {
	return ScorerFunc(func(_ context.Context, text, _ string) (qa.Sentiment, error) {
		s, ok := m[text]
		if !ok {
			return qa.Sentiment{}, errors.New("unknown text")
		}
		return s, nil
	})
}

func TestEvaluateLabels(t *testing.T) {
	neg, neu, pos := qa.Sentiment{Score: -0.5, Label: qa.Negative}, qa.Sentiment{Label: qa.Neutral}, qa.Sentiment{Score: 0.5, Label: qa.Positive}
	s := fixed(map[string]qa.Sentiment{"a": neg, "b": neg, "c": neu, "d": pos, "e": neu, "f": pos})
	ex := []Example{
		{Text: "a", Label: qa.Negative}, {Text: "b", Label: qa.Negative},
		{Text: "c", Label: qa.Negative}, {Text: "d", Label: qa.Positive},
		{Text: "e", Label: qa.Neutral}, {Text: "f", Label: qa.Neutral},
	}
	for _, workers := range []int{1, 3} {
		rep, err := EvaluateLabels(context.Background(), s, ex, Workers(workers))
		if err != nil {
			t.Fatal(err)
		}
		if rep.N != 6 || math.Abs(rep.Accuracy-4.0/6) > 1e-9 {
			t.Errorf("N %d accuracy %v, want 6 and 0.667", rep.N, rep.Accuracy)
		}
		want := [3][3]int{{2, 1, 0}, {0, 1, 1}, {0, 0, 1}}
		if rep.Confusion != want {
			t.Errorf("confusion %v, want %v", rep.Confusion, want)
		}
		// F1: negative P 1 R 2/3 → 0.8; neutral P 1/2 R 1/2 → 0.5;
		// positive P 1/2 R 1 → 2/3.
		if wantF1 := (0.8 + 0.5 + 2.0/3) / 3; math.Abs(rep.MacroF1-wantF1) > 1e-9 {
			t.Errorf("macro-F1 %v, want %v", rep.MacroF1, wantF1)
		}
	}
	// A scorer error stops the evaluation, naming the line...
	bad := append(ex, Example{Text: "zzz", Label: qa.Neutral, Line: 9})
	if _, err := EvaluateLabels(context.Background(), s, bad); err == nil || !strings.Contains(err.Error(), "line 9") {
		t.Errorf("error %v, want one naming line 9", err)
	}
	// ... unless OnError takes it.
	var lines []int
	rep, err := EvaluateLabels(context.Background(), s, bad, OnError(func(line int, _ error) { lines = append(lines, line) }))
	if err != nil || rep.Errors != 1 || len(lines) != 1 || lines[0] != 9 {
		t.Errorf("with OnError: %v, errors %d, lines %v", err, rep.Errors, lines)
	}
}

func TestPearson(t *testing.T) {
	tests := []struct {
		x, y []float64
		want float64
	}{
		{[]float64{1, 2, 3}, []float64{2, 4, 6}, 1},
		{[]float64{1, 2, 3}, []float64{3, 2, 1}, -1},
		{[]float64{1, 2, 3, 4}, []float64{1, 3, 2, 4}, 0.8},
		{[]float64{1, 1, 1}, []float64{1, 2, 3}, 0},
		{[]float64{1}, []float64{1}, 0},
	}
	for _, tt := range tests {
		if got := Pearson(tt.x, tt.y); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Pearson(%v, %v) = %v, want %v", tt.x, tt.y, got, tt.want)
		}
	}
}

func TestHeldOut(t *testing.T) {
	n := 0
	for i := range 10000 {
		if HeldOut(strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strings.Repeat("9", i/26)) {
			n++
		}
	}
	if n < 1800 || n > 2200 {
		t.Errorf("HeldOut kept %d of 10000, want about a fifth", n)
	}
	if HeldOut("42") != HeldOut("42") {
		t.Error("HeldOut is not deterministic")
	}
}
