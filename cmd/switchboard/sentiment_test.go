package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/internal/openaitest"
	"github.com/switchboard-voice/switchboard/internal/shareddata"
)

const sentimentTestSet = "../../qa/sentiment/testdata/callcenter_test.csv"

func TestSentimentEvalCSV(t *testing.T) {
	code, out, errOut := runCmd(t, "", "sentiment", "eval", "--test", sentimentTestSet, "--json")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	if got["n"] != 338.0 || got["macro_f1"].(float64) < 0.7 || got["accuracy"].(float64) < 0.7 {
		t.Errorf("json %v", got)
	}
	if _, ok := got["pearson"]; ok {
		t.Error("pearson reported for a labelled CSV")
	}

	code, out, _ = runCmd(t, "", "sentiment", "eval", "--test", sentimentTestSet, "--lang", "zh", "--errors", "3")
	for _, want := range []string{"examples:  161", "macro-F1:", "precision", "confusion (rows: label, columns: predicted)", "misclassified"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("text mode lacks %q (code %d):\n%s", want, code, out)
		}
	}
}

func TestSentimentEvalRatings(t *testing.T) {
	p := filepath.Join(t.TempDir(), "r.txt")
	os.WriteFile(p, []byte("1\t3.1\tThank you, that's wonderful!\n2\t-2.5\tThird time I call, still no refund.\n3\t0.1\tMy order number is 4421.\n4\t-3.2\tWorst service ever, I'm furious.\n"), 0o644)
	code, out, errOut := runCmd(t, "", "sentiment", "eval", "--test", p, "--json")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	var got map[string]any
	json.Unmarshal([]byte(out), &got)
	if got["n"] != 4.0 || got["pearson"].(float64) < 0.9 || got["macro_f1"] != nil {
		t.Errorf("json %v", got)
	}
}

func TestSentimentEvalGroundTruthHoldout(t *testing.T) {
	tweets := shareddata.Require(t, "sentiment", "tweets_GroundTruth.txt")
	code, out, errOut := runCmd(t, "", "sentiment", "eval", "--test", tweets, "--part", "holdout")
	if code != 0 || !strings.Contains(out, "pearson:") || !strings.Contains(out, "part holdout") {
		t.Errorf("code %d: %s%s", code, out, errOut)
	}
}

func TestSentimentEvalBadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	tests := []struct {
		name, file, want string
		code             int
	}{
		{"missing column", write("a.csv", "text,category\nhi,greeting\n"), `a.csv:1: header "text,category" lacks the "sentiment" column`, 1},
		{"unknown label", write("b.csv", "text,sentiment\nhi,neutral\nugh,angry\n"), `b.csv:3: unknown label "angry"`, 1},
		{"bad score", write("c.txt", "1\t0.5\tfine\n2\tlots\tbad\n"), `c.txt:2: bad score "lots"`, 1},
		{"missing file", filepath.Join(dir, "none.csv"), "none.csv", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := runCmd(t, "", "sentiment", "eval", "--test", tt.file)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("code %d, stderr %q; want %d and %q", code, errOut, tt.code, tt.want)
			}
		})
	}
	ratings := write("d.txt", "1\t0.5\tfine\n")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"sentiment", "eval"}, "Usage: switchboard sentiment eval"},
		{[]string{"sentiment", "eval", "--test", sentimentTestSet, "--provider", "magic"}, `--provider "magic": want embedded or openai`},
		{[]string{"sentiment", "eval", "--test", sentimentTestSet, "--part", "half"}, `--part "half"`},
		{[]string{"sentiment", "eval", "--test", sentimentTestSet, "--part", "holdout"}, "--part applies to a ratings file"},
		{[]string{"sentiment", "eval", "--test", ratings, "--lang", "en"}, "--lang applies to a labelled CSV"},
		{[]string{"sentiment", "eval", "--test", sentimentTestSet, "--lang", "fr"}, `--lang "fr": want en or zh`},
		{[]string{"sentiment", "frobnicate"}, "Usage: switchboard sentiment"},
		{[]string{"sentiment", "score"}, "Usage: switchboard sentiment score"},
	} {
		if code, _, errOut := runCmd(t, "", tt.args...); code != 2 || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: code %d, stderr %q; want 2 and %q", tt.args, code, errOut, tt.want)
		}
	}
}

func TestSentimentEvalOpenAI(t *testing.T) {
	srv := openaitest.New(t)
	// Every utterance "negative", one HTTP error: the embedded scorer
	// answers that one and the fallback is counted.
	srv.Enqueue(openaitest.Reply{Status: 500})
	srv.SetDefault(openaitest.Reply{Text: `{"score":-0.5,"label":"negative"}`})
	p := filepath.Join(t.TempDir(), "s.csv")
	os.WriteFile(p, []byte("text,sentiment\nstill no refund,negative\nthanks a lot,positive\nmy order number is 12,neutral\n"), 0o644)
	code, out, errOut := runCmd(t, "", "sentiment", "eval", "--test", p, "--json", "--provider", "openai",
		"--base-url", srv.URL(), "--model", "gpt-test", "--workers", "1")
	if code != 0 {
		t.Fatalf("code %d: %s", code, errOut)
	}
	var got map[string]any
	json.Unmarshal([]byte(out), &got)
	if got["n"] != 3.0 || got["fallbacks"] != 1.0 {
		t.Errorf("json %v", got)
	}
	if !strings.Contains(errOut, "HTTP 500") {
		t.Errorf("fallback not reported: %q", errOut)
	}
	if code, _, errOut := runCmd(t, "", "sentiment", "eval", "--test", p, "--provider", "openai", "--model", ""); code != 1 || !strings.Contains(errOut, "Model is required") {
		t.Errorf("no model: %d %q", code, errOut)
	}
}

func TestSentimentScore(t *testing.T) {
	code, out, _ := runCmd(t, "", "sentiment", "score", "still no refund", "太感谢你了")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if code != 0 || len(lines) != 2 || !strings.Contains(lines[0], "negative") || !strings.Contains(lines[0], "refund") || !strings.Contains(lines[1], "positive") {
		t.Errorf("code %d:\n%s", code, out)
	}
	if code, _, errOut := runCmd(t, "", "sentiment", "score", "--lang", "fr", "bonjour"); code != 1 || !strings.Contains(errOut, "unsupported language") {
		t.Errorf("French: %d %q", code, errOut)
	}
}
