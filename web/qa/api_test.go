package qa_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/switchboard-voice/switchboard/qa/review/reviewtest"
	"github.com/switchboard-voice/switchboard/store"
	qaweb "github.com/switchboard-voice/switchboard/web/qa"
)

// server seeds a store, scores both calls, raises an alert on the agent
// call and serves the console.
func server(t *testing.T) (*reviewtest.Fixture, *httptest.Server) {
	t.Helper()
	f := reviewtest.New(t)
	ctx := context.Background()
	for _, id := range []string{reviewtest.BotCall, reviewtest.AgentCall} {
		if err := f.Service.Score(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Store.SaveAlert(ctx, store.Alert{ID: "al-1", SessionID: reviewtest.AgentCall, Kind: "silence", Rule: "long silence",
		Severity: "warning", At: reviewtest.Day.Add(10 * 60e9), Payload: json.RawMessage(`{"text":"card 4111 1111 1111 1111"}`)}); err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(qaweb.Handler(f.Service))
	t.Cleanup(hs.Close)
	return f, hs
}

func do(t *testing.T, method, url, ctype, body string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

func noCardNumber(t *testing.T, what string, b []byte) {
	t.Helper()
	flat := strings.NewReplacer(" ", "", "-", "").Replace(string(b))
	if strings.Contains(flat, "4111111111111111") {
		t.Errorf("%s holds the card number", what)
	}
}

func TestSearch(t *testing.T) {
	_, hs := server(t)
	tests := []struct {
		query string
		want  []string // session IDs in order
		total int
	}{
		{"", []string{reviewtest.AgentCall, reviewtest.BotCall}, 2},
		{"q=CARD+NUMBER", []string{reviewtest.BotCall}, 1},
		{"q=charged+twice", []string{reviewtest.AgentCall}, 1},
		{"agent=alice", []string{reviewtest.AgentCall}, 1},
		{"queue=billing", []string{reviewtest.AgentCall}, 1},
		{"bot=tinybank", []string{reviewtest.AgentCall, reviewtest.BotCall}, 2},
		{"bot=other", nil, 0},
		{"outcome=resolved", []string{reviewtest.BotCall}, 1},
		{"since=2026-03-02&until=2026-03-02", []string{reviewtest.AgentCall, reviewtest.BotCall}, 2},
		{"since=2026-03-02T09:05:00Z", []string{reviewtest.AgentCall}, 1},
		{"since=2026-03-03", nil, 0},
		{"until=2026-03-01", nil, 0},
		{"min_score=96", []string{reviewtest.BotCall}, 1},
		{"min_score=90&max_score=95", []string{reviewtest.AgentCall}, 1},
		{"max_sentiment=0", []string{reviewtest.AgentCall}, 1},
		{"min_sentiment=0", []string{reviewtest.BotCall}, 1},
		{"alert=silence", []string{reviewtest.AgentCall}, 1},
		{"alert=any", []string{reviewtest.AgentCall}, 1},
		{"alert=profanity", nil, 0},
		{"sort=score", []string{reviewtest.AgentCall, reviewtest.BotCall}, 2},
		{"sort=score&order=desc", []string{reviewtest.BotCall, reviewtest.AgentCall}, 2},
		{"sort=duration&order=desc", []string{reviewtest.AgentCall, reviewtest.BotCall}, 2},
		{"sort=started_at&order=asc", []string{reviewtest.BotCall, reviewtest.AgentCall}, 2},
		{"limit=1", []string{reviewtest.AgentCall}, 2},
		{"limit=1&offset=1", []string{reviewtest.BotCall}, 2},
		{"offset=5", nil, 2},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			code, _, b := do(t, "GET", hs.URL+"/v1/qa/calls?"+tt.query, "", "")
			if code != 200 {
				t.Fatalf("%d %s", code, b)
			}
			var page struct {
				Calls []struct {
					ID       string `json:"id"`
					CallerID string `json:"caller_id"`
				} `json:"calls"`
				Total int `json:"total"`
			}
			if err := json.Unmarshal(b, &page); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range page.Calls {
				got = append(got, c.ID)
				if strings.Contains(c.CallerID, "13800138000") {
					t.Errorf("caller number not masked: %q", c.CallerID)
				}
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") || page.Total != tt.total {
				t.Errorf("got %v (total %d), want %v (total %d)", got, page.Total, tt.want, tt.total)
			}
			noCardNumber(t, "search", b)
		})
	}
}

// TestBadRequests checks bad input is refused with a message naming the
// problem.
func TestBadRequests(t *testing.T) {
	_, hs := server(t)
	base := "/v1/qa/calls/" + reviewtest.AgentCall
	tests := []struct {
		method, path, ctype, body string
		code                      int
		msg                       string
	}{
		{"GET", "/v1/qa/calls?outcome=won", "", "", 400, "outcome"},
		{"GET", "/v1/qa/calls?min_score=abc", "", "", 400, "min_score"},
		{"GET", "/v1/qa/calls?max_score=120", "", "", 400, "max_score"},
		{"GET", "/v1/qa/calls?min_sentiment=-2", "", "", 400, "min_sentiment"},
		{"GET", "/v1/qa/calls?since=yesterday", "", "", 400, "since"},
		{"GET", "/v1/qa/calls?since=2026-03-05&until=2026-03-01", "", "", 400, "since"},
		{"GET", "/v1/qa/calls?sort=caller", "", "", 400, "sort"},
		{"GET", "/v1/qa/calls?order=up", "", "", 400, "order"},
		{"GET", "/v1/qa/calls?limit=0", "", "", 400, "limit"},
		{"GET", "/v1/qa/calls?limit=501", "", "", 400, "limit"},
		{"GET", "/v1/qa/calls?offset=-1", "", "", 400, "offset"},
		{"GET", "/v1/qa/calls?min_score=90&max_score=10", "", "", 400, "score"},
		{"GET", "/v1/qa/calls?tz=Mars/Base", "", "", 400, "tz"},
		{"GET", "/v1/qa/calls?q=" + strings.Repeat("x", 201), "", "", 400, "q is longer"},
		{"GET", "/v1/qa/calls/nope", "", "", 404, "not found"},
		{"GET", "/v1/qa/calls/nope/recording", "", "", 404, "not found"},
		{"GET", base + "/recording", "", "", 404, "no recording"},
		{"POST", "/v1/qa/calls/nope/overrides", "application/json", `{"scorecard":"agent-calls","question":"empathy","answer":"yes","reviewer":"r"}`, 404, "not found"},
		{"POST", base + "/overrides", "application/json", `{"scorecard":"agent-calls"`, 400, "invalid JSON"},
		{"POST", base + "/overrides", "application/json", `{"scorecard":"agent-calls","question":"empathy","answer":"yes","reviewer":"r","extra":1}`, 400, "extra"},
		{"POST", base + "/overrides", "application/json", `{"question":"empathy","answer":"yes","reviewer":"r"}`, 400, "scorecard is required"},
		{"POST", base + "/overrides", "application/json", `{"scorecard":"agent-calls","question":"empathy","reviewer":"r"}`, 400, "answer is required"},
		{"POST", base + "/overrides", "application/json", `{"scorecard":"agent-calls","question":"empathy","answer":true,"reviewer":"r"}`, 400, "answer must be"},
		{"POST", base + "/overrides", "application/json", `{"scorecard":"agent-calls","question":"empathy","answer":"yes"}`, 400, "reviewer"},
		{"POST", base + "/overrides", "application/json", `{"scorecard":"agent-calls","question":"nope","answer":"yes","reviewer":"r"}`, 422, "no question"},
		{"POST", base + "/overrides", "application/json", `{"scorecard":"agent-calls","question":"proper_closing","answer":"maybe","reviewer":"r"}`, 422, "not one of full, partial, none"},
		{"POST", base + "/overrides", "application/json", `{"scorecard":"agent-calls","question":"hold_time","answer":"long","reviewer":"r"}`, 422, "must be a number"},
		{"POST", base + "/overrides", "application/json", `{"scorecard":"bot-calls","question":"greeted","answer":"yes","reviewer":"r"}`, 404, "no result"},
		{"POST", base + "/comments", "application/json", `{"text":"  ","reviewer":"r"}`, 400, "empty"},
		{"POST", base + "/comments", "application/json", `{"text":"hi"}`, 400, "reviewer"},
		{"POST", "/v1/qa/calls/nope/comments", "application/json", `{"text":"hi","reviewer":"r"}`, 404, "not found"},
		{"GET", "/v1/qa/scorecards/nope", "", "", 404, "not found"},
		{"PUT", "/v1/qa/scorecards/agent-calls/draft", "application/yaml", "", 400, "empty"},
		{"PUT", "/v1/qa/scorecards/agent-calls/draft", "application/yaml", "name: other\nsections: []\n", 422, ""},
		{"POST", "/v1/qa/scorecards/nope/publish", "", "", 404, "not found"},
		{"POST", "/v1/qa/scorecards/agent-calls/rollback", "application/json", `{"version":0}`, 400, "version"},
		{"POST", "/v1/qa/scorecards/agent-calls/rollback", "application/json", `{"version":9}`, 404, "not found"},
		{"GET", "/v1/qa/dashboard?since=march", "", "", 400, "since"},
		{"GET", "/v1/qa/dashboard?since=2024-01-01&until=2026-01-01", "", "", 400, "366 days"},
		{"GET", "/v1/qa/dashboard?since=2026-03-05&until=2026-03-01", "", "", 400, "since must be before until"},
		{"GET", "/v1/qa/dashboard/nope", "", "", 404, "no dashboard table"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			code, h, b := do(t, tt.method, hs.URL+tt.path, tt.ctype, tt.body)
			if code != tt.code {
				t.Fatalf("status %d, want %d: %s", code, tt.code, b)
			}
			var e struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal(b, &e); err != nil || e.Error == "" || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
				t.Fatalf("body %q is not an error object", b)
			}
			if !strings.Contains(e.Error, tt.msg) {
				t.Errorf("error %q does not say %q", e.Error, tt.msg)
			}
		})
	}
}

// TestCallDetail checks a call's JSON: the masked transcript, the results
// with evidence, the alert, and no card number anywhere, in it or in the
// recording's file name.
func TestCallDetail(t *testing.T) {
	f, hs := server(t)
	code, _, b := do(t, "GET", hs.URL+"/v1/qa/calls/"+reviewtest.BotCall, "", "")
	if code != 200 {
		t.Fatalf("%d %s", code, b)
	}
	noCardNumber(t, "the bot call's JSON", b)
	var v struct {
		Session struct {
			ID    string   `json:"id"`
			Score *float64 `json:"score"`
		} `json:"session"`
		Turns []struct {
			Seq   int    `json:"seq"`
			Text  string `json:"text"`
			Start int64  `json:"start"`
		} `json:"turns"`
		Sentiment struct {
			Timeline map[string][]any `json:"timeline"`
		} `json:"sentiment"`
		Results []struct {
			Card    string  `json:"card"`
			Score   float64 `json:"score"`
			Answers []struct {
				Question string `json:"question"`
				Evidence []struct {
					Seq  int `json:"seq"`
					Span *struct {
						Start int64 `json:"start"`
					} `json:"span"`
				} `json:"evidence"`
			} `json:"answers"`
		} `json:"results"`
		Cards        []any  `json:"cards"`
		RecordingURL string `json:"recording_url"`
		Slots        map[string]string
	}
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if v.Session.ID != reviewtest.BotCall || v.Session.Score == nil || len(v.Turns) != 8 || len(v.Results) != 1 || len(v.Cards) != 1 {
		t.Fatalf("detail %s", b)
	}
	if got := v.Turns[reviewtest.CardTurn-1].Text; got != "my card number is **** **** **** 1111" {
		t.Errorf("card turn %q", got)
	}
	if v.Turns[1].Start != 4e9 {
		t.Errorf("turn 2 starts at %d ns", v.Turns[1].Start)
	}
	if len(v.Sentiment.Timeline["caller"]) != 3 {
		t.Errorf("caller timeline %v", v.Sentiment.Timeline)
	}
	if v.RecordingURL != "/v1/qa/calls/"+reviewtest.BotCall+"/recording" {
		t.Errorf("recording URL %q", v.RecordingURL)
	}

	code, _, b = do(t, "GET", hs.URL+"/v1/qa/calls/"+reviewtest.AgentCall, "", "")
	if code != 200 {
		t.Fatal(code)
	}
	noCardNumber(t, "the agent call's JSON (the alert's payload)", b)
	for _, want := range []string{`"kind": "silence"`, `"handle_time": 50`, `"agent": "alice"`, `"refund double charge"`} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("agent call JSON lacks %s", want)
		}
	}

	// The recording served is the redacted copy, and seeking works.
	code, h, audio := do(t, "GET", hs.URL+v.RecordingURL, "", "")
	red, _ := os.ReadFile(f.Recording[:len(f.Recording)-len(".wav")] + ".redacted.wav")
	if code != 200 || h.Get("Content-Type") != "audio/wav" || !bytes.Equal(audio, red) || len(red) == 0 {
		t.Errorf("recording: %d %s, %d bytes (redacted copy: %d)", code, h.Get("Content-Type"), len(audio), len(red))
	}
	req, _ := http.NewRequest("GET", hs.URL+v.RecordingURL, nil)
	req.Header.Set("Range", "bytes=1000-1999")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusPartialContent {
		t.Errorf("range request: %d", res.StatusCode)
	}
}

func TestOverrideAndComment(t *testing.T) {
	_, hs := server(t)
	base := hs.URL + "/v1/qa/calls/" + reviewtest.AgentCall
	code, _, b := do(t, "POST", base+"/overrides", "application/json",
		`{"scorecard":"agent-calls","question":"proper_closing","answer":"full","comment":"fine","reviewer":"qa-lead"}`)
	if code != 200 {
		t.Fatalf("%d %s", code, b)
	}
	var res struct {
		Score float64 `json:"score"`
	}
	_ = json.Unmarshal(b, &res)
	if res.Score != 100 {
		t.Errorf("score after override %v", res.Score)
	}
	// A number as a JSON number.
	if code, _, b = do(t, "POST", base+"/overrides", "application/json",
		`{"scorecard":"agent-calls","question":"hold_time","answer":30,"reviewer":"qa-lead"}`); code != 200 {
		t.Fatalf("%d %s", code, b)
	}
	if code, _, b = do(t, "POST", base+"/comments", "application/json", `{"text":"call back on 13800138000","reviewer":"qa-lead"}`); code != 201 {
		t.Fatalf("%d %s", code, b)
	}
	if bytes.Contains(b, []byte("13800138000")) {
		t.Errorf("comment not masked: %s", b)
	}
	_, _, b = do(t, "GET", base, "", "")
	var v struct {
		Session   struct{ Score float64 }
		Overrides []struct{ Question, Answer, Auto string }
		Comments  []struct{ Text string }
	}
	_ = json.Unmarshal(b, &v)
	if v.Session.Score != 100 || len(v.Overrides) != 2 || v.Overrides[0].Answer != "full" || v.Overrides[0].Auto != "partial" || len(v.Comments) != 1 {
		t.Errorf("after review: %s", b)
	}
	code, _, b = do(t, "GET", hs.URL+"/v1/qa/agreement?scorecard=agent-calls", "", "")
	if code != 200 || !bytes.Contains(b, []byte(`"question": "proper_closing"`)) {
		t.Errorf("agreement %d %s", code, b)
	}
	// Scoring again keeps the overrides.
	if code, _, b = do(t, "POST", base+"/score", "", ""); code != 200 || !bytes.Contains(b, []byte(`"score": 100`)) {
		t.Errorf("score again: %d %s", code, b)
	}
}

// TestScorecardAPI edits, publishes and rolls back a card; an invalid
// YAML draft is 422 with file:line.
func TestScorecardAPI(t *testing.T) {
	f, hs := server(t)
	code, _, b := do(t, "GET", hs.URL+"/v1/qa/scorecards", "", "")
	if code != 200 || !bytes.Contains(b, []byte(`"name": "agent-calls"`)) || !bytes.Contains(b, []byte(`"name": "bot-calls"`)) {
		t.Fatalf("%d %s", code, b)
	}
	src, _ := os.ReadFile(f.Cards + "/bot-calls.yaml")

	bad := strings.Replace(string(src), "weight: 40\n        rule:", "weight: 45\n        rule:", 1)
	bad = strings.Replace(bad, "type: yes_no\n        weight: 60", "type: yes_no\n        weigth: 60", 1)
	code, _, b = do(t, "PUT", hs.URL+"/v1/qa/scorecards/bot-calls/draft", "application/yaml", bad)
	if code != 422 {
		t.Fatalf("invalid draft: %d %s", code, b)
	}
	var probs struct {
		Error    string   `json:"error"`
		Problems []string `json:"problems"`
	}
	_ = json.Unmarshal(b, &probs)
	line := 1 + strings.Count(bad[:strings.Index(bad, "weigth")], "\n")
	found := false
	for _, p := range probs.Problems {
		found = found || strings.HasPrefix(p, "bot-calls.yaml:"+strconv.Itoa(line)+":")
	}
	if !found {
		t.Errorf("problems %q do not name bot-calls.yaml:%d", probs.Problems, line)
	}

	good := strings.Replace(string(src), "pass_score: 80", "pass_score: 90", 1)
	if code, _, b = do(t, "PUT", hs.URL+"/v1/qa/scorecards/bot-calls/draft", "application/yaml", good); code != 200 || !bytes.Contains(b, []byte(`"draft_changed": true`)) {
		t.Fatalf("draft: %d %s", code, b)
	}
	if code, _, b = do(t, "POST", hs.URL+"/v1/qa/scorecards/bot-calls/publish", "application/json", `{"note":"stricter"}`); code != 200 || !bytes.Contains(b, []byte(`"version": 2`)) {
		t.Fatalf("publish: %d %s", code, b)
	}
	// JSON too, the same card: its draft is then the same as version 2.
	code, _, b = do(t, "GET", hs.URL+"/v1/qa/scorecards/bot-calls", "", "")
	var d struct {
		Active   json.RawMessage `json:"active"`
		Versions []struct{ Version int }
	}
	_ = json.Unmarshal(b, &d)
	if code != 200 || len(d.Versions) != 2 {
		t.Fatalf("get: %d %s", code, b)
	}
	if code, _, b = do(t, "PUT", hs.URL+"/v1/qa/scorecards/bot-calls/draft", "application/json", string(d.Active)); code != 200 || !bytes.Contains(b, []byte(`"draft_changed": false`)) {
		t.Fatalf("JSON draft: %d %s", code, b)
	}
	if code, _, b = do(t, "PUT", hs.URL+"/v1/qa/scorecards/other/draft", "application/yaml", good); code != 400 || !bytes.Contains(b, []byte("named")) {
		t.Errorf("name mismatch: %d %s", code, b)
	}
	if code, _, b = do(t, "POST", hs.URL+"/v1/qa/scorecards/bot-calls/rollback", "application/json", `{"version":1}`); code != 200 {
		t.Fatalf("rollback: %d %s", code, b)
	}
	if _, _, b = do(t, "GET", hs.URL+"/v1/qa/scorecards", "", ""); !bytes.Contains(b, []byte(`"active_version": 1,
      "latest_version": 2`)) {
		t.Errorf("after rollback: %s", b)
	}
}

func TestDashboardAPI(t *testing.T) {
	_, hs := server(t)
	code, _, b := do(t, "GET", hs.URL+"/v1/qa/dashboard?since=2026-03-02&until=2026-03-02", "", "")
	if code != 200 {
		t.Fatalf("%d %s", code, b)
	}
	var d struct {
		Sessions    int
		Containment struct {
			BotSessions int     `json:"bot_sessions"`
			Rate        float64 `json:"rate"`
		}
	}
	_ = json.Unmarshal(b, &d)
	if d.Sessions != 2 || d.Containment.BotSessions != 2 || d.Containment.Rate != 0.5 {
		t.Errorf("dashboard %s", b)
	}
	code, h, b := do(t, "GET", hs.URL+"/v1/qa/dashboard/containment?since=2026-03-02&until=2026-03-02", "", "")
	if code != 200 || h.Get("Content-Type") != "text/csv; charset=utf-8" || string(b) != "day,bot_sessions,contained,rate\n2026-03-02,2,1,0.5\nall,2,1,0.5\n" ||
		!strings.Contains(h.Get("Content-Disposition"), `filename="qa-containment-2026-03-02-2026-03-02.csv"`) {
		t.Errorf("CSV: %d %v %q", code, h, b)
	}
}

// TestOpenAPI checks docs/openapi.yaml documents exactly the console's
// API routes (the paths under /v1/qa/).
func TestOpenAPI(t *testing.T) {
	data, err := os.ReadFile("../../docs/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("openapi.yaml: %v", err)
	}
	var documented []string
	for path, ops := range doc.Paths {
		if !strings.HasPrefix(path, "/v1/qa/") {
			continue
		}
		for method := range ops {
			if method != "parameters" {
				documented = append(documented, strings.ToUpper(method)+" "+path)
			}
		}
	}
	served := append([]string(nil), qaweb.Handler(nil).Routes...)
	sort.Strings(documented)
	sort.Strings(served)
	if strings.Join(documented, "\n") != strings.Join(served, "\n") {
		t.Fatalf("openapi.yaml and the QA routes differ\ndocumented:\n%s\n\nserved:\n%s", strings.Join(documented, "\n"), strings.Join(served, "\n"))
	}
}
