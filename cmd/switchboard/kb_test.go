package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/switchboard-voice/switchboard/internal/openaitest"
)

const (
	kbBot     = "../../bots/logistics-zh"
	kbQueries = "../../assist/kb/testdata/logistics_zh_test.csv"
)

func TestKBEvalJSON(t *testing.T) {
	for _, mode := range []string{"hybrid", "bm25", "vector"} {
		code, out, errOut := runCmd(t, "", "kb", "eval", "--bot", kbBot, "--queries", kbQueries, "--json", "--mode", mode)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", mode, code, errOut)
		}
		var rep map[string]any
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("%s: %v: %q", mode, err, out)
		}
		for _, k := range []string{"n", "recall_at_1", "recall_at_3", "mrr", "p50_us", "p95_us"} {
			if _, ok := rep[k].(float64); !ok {
				t.Fatalf("%s: key %s missing: %v", mode, k, rep)
			}
		}
		r1, r3, mrr := rep["recall_at_1"].(float64), rep["recall_at_3"].(float64), rep["mrr"].(float64)
		if rep["n"].(float64) != 40 || r1 > r3 || mrr < r1 || mrr > 1 || r3 < 0.5 || rep["mode"] != mode {
			t.Fatalf("%s: %v", mode, rep)
		}
	}
}

func TestKBEvalText(t *testing.T) {
	code, out, errOut := runCmd(t, "", "kb", "eval", "--bot", kbBot, "--queries", kbQueries, "--fusion", "blend", "--alpha", "0.4")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"recall@1:", "recall@3:", "MRR:", "latency p50/p95:", "blend(alpha=0.4)", "misses (", "logistics_zh_test.csv:"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestKBEvalErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	unknown := write("unknown.csv", "query,expected_article_id\n运费多少钱,shipping-fees\n包裹丢了,lost-parcel\n")
	short := write("short.csv", "query,expected_article_id\n运费多少钱\n")
	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"kb"}, 2, ""},
		{[]string{"kb", "eval", "--bot", kbBot}, 2, ""},
		{[]string{"kb", "eval", "--bot", kbBot, "--queries", unknown}, 1, `unknown.csv:3: unknown article id "lost-parcel"`},
		{[]string{"kb", "eval", "--bot", kbBot, "--queries", short}, 1, "short.csv:2: invalid: 1 fields"},
		{[]string{"kb", "eval", "--bot", kbBot, "--queries", filepath.Join(dir, "none.csv")}, 1, "none.csv"},
		{[]string{"kb", "eval", "--bot", filepath.Join(dir, "nobot"), "--queries", kbQueries}, 1, "nobot"},
		{[]string{"kb", "eval", "--bot", kbBot, "--queries", kbQueries, "--mode", "dense"}, 2, ""},
		{[]string{"kb", "eval", "--bot", kbBot, "--queries", kbQueries, "--embedder", "bert"}, 2, ""},
		{[]string{"kb", "eval", "--bot", kbBot, "--queries", kbQueries, "--fusion", "max"}, 2, ""},
		{[]string{"kb", "eval", "--bot", kbBot, "--queries", kbQueries, "--fusion", "blend", "--alpha", "2"}, 1, "blend alpha 2"},
	}
	for _, c := range cases {
		code, _, errOut := runCmd(t, "", c.args...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
}

// --embedder openai against the in-process OpenAI-compatible server.
func TestKBEvalOpenAI(t *testing.T) {
	srv := openaitest.New(t)
	srv.SetDefault(openaitest.Reply{})
	t.Setenv("OPENAI_BASE_URL", srv.URL())
	t.Setenv("OPENAI_API_KEY", "sk-test")
	code, out, errOut := runCmd(t, "", "kb", "eval", "--bot", kbBot, "--queries", kbQueries, "--json", "--embedder", "openai", "--model", "emb-test", "--dimensions", "32")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `"embedder":"openai/`+srv.URL()+`/emb-test/32"`) {
		t.Fatalf("output %s", out)
	}
	reqs := srv.Requests()
	if len(reqs) < 2 || reqs[0].Embedding == nil || reqs[0].Embedding.Model != "emb-test" {
		t.Fatalf("%d requests", len(reqs))
	}
}
