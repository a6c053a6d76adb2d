package web

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/switchboard-voice/switchboard/conversation"
	"github.com/switchboard-voice/switchboard/internal/demobackend"
	"github.com/switchboard-voice/switchboard/internal/metrics"
	"github.com/switchboard-voice/switchboard/nlu/dialog"
	"github.com/switchboard-voice/switchboard/store/sqlite"
)

// TestOpenAPIMatchesHandlers checks docs/openapi.yaml documents exactly the
// routes the server has, with the same methods.
func TestOpenAPIMatchesHandlers(t *testing.T) {
	data, err := os.ReadFile("../docs/openapi.yaml")
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
		if strings.HasPrefix(path, "/v1/qa/") {
			continue // the QA console's routes: web/qa checks them
		}
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" "+path)
		}
	}
	s := New(Config{Metrics: metrics.New(func() float64 { return 0 })})
	served := append([]string{"GET /metrics"}, s.Routes...)
	for i, r := range served {
		served[i] = strings.NewReplacer("{bot}", "{bot}", "{id}", "{id}").Replace(r)
	}
	sort.Strings(documented)
	sort.Strings(served)
	if strings.Join(documented, "\n") != strings.Join(served, "\n") {
		t.Fatalf("openapi.yaml and handlers differ\ndocumented:\n%s\n\nserved:\n%s", strings.Join(documented, "\n"), strings.Join(served, "\n"))
	}
}

const tinyBot = `
name: tiny
languages: [en]
greeting: Hello, this is tiny bank.
fallback: Sorry, I did not get that.
handoff: {queue: general, phrases: [agent], max_no_match: 2}
intents:
  - name: balance
    examples: [what is my balance, how much money do I have, check my balance, account balance please]
    flow: balance
  - name: hours
    examples: [when are you open, opening hours, what time do you close, are you open on sunday]
    answer: We are open 9 to 5.
  - name: bye
    examples: [goodbye, bye, that is all thanks, nothing else]
    flow: bye
flows:
  - name: balance
    steps:
      - {id: ask, kind: ask, say: "What is your account number?", slot: account, type: digits, validate: {length: 8}, next: look}
      - {id: look, kind: webhook, webhook: {url: /accounts/balance, save: {balance: account.balance}}, next: tell}
      - {id: tell, kind: say, say: "Your balance is {{balance}}."}
  - name: bye
    steps:
      - {id: end, kind: end}
`

type apiFixture struct {
	srv *httptest.Server
	st  *sqlite.Store
}

func newAPI(t testing.TB) *apiFixture {
	t.Helper()
	ctx := context.Background()
	backend := httptest.NewServer(demobackend.New(nil))
	t.Cleanup(backend.Close)
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "sb.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	reg := conversation.NewRegistry(st, nil, dialog.WithWebhookBase(backend.URL))
	mgr := conversation.New(reg, st, nil)
	s := New(Config{Registry: reg, Sessions: mgr, Store: st, Metrics: metrics.New(func() float64 { return float64(mgr.Count()) })})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &apiFixture{srv: srv, st: st}
}

func (f *apiFixture) do(t testing.TB, method, path, body string, wantCode int) map[string]any {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != wantCode {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, wantCode, data)
	}
	var out map[string]any
	if len(bytes.TrimSpace(data)) > 0 && strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(data, &out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
	return out
}

func replyText(m map[string]any) string {
	var parts []string
	for _, a := range m["reply"].(map[string]any)["actions"].([]any) {
		parts = append(parts, a.(map[string]any)["text"].(string))
	}
	return strings.Join(parts, " ")
}

func TestTextSessionLifecycle(t *testing.T) {
	f := newAPI(t)
	f.do(t, "PUT", "/v1/bots/tiny/draft", tinyBot, 200)
	v := f.do(t, "POST", "/v1/bots/tiny/publish", `{"note":"first"}`, 200)
	if v["version"].(float64) != 1 {
		t.Fatalf("version %v", v)
	}
	start := f.do(t, "POST", "/v1/sessions", `{"bot":"tiny","caller_id":"+15550100"}`, 201)
	id := start["session_id"].(string)
	if got := replyText(start); got != "Hello, this is tiny bank." {
		t.Fatalf("greeting %q", got)
	}
	r := f.do(t, "POST", "/v1/sessions/"+id+"/messages", `{"text":"what is my balance"}`, 200)
	if !strings.Contains(replyText(r), "account number") {
		t.Fatalf("reply %q", replyText(r))
	}
	r = f.do(t, "POST", "/v1/sessions/"+id+"/messages", `{"text":"when are you open"}`, 200)
	if got := replyText(r); !strings.Contains(got, "9 to 5") || !strings.Contains(got, "account number") {
		t.Fatalf("digression reply %q", got)
	}
	r = f.do(t, "POST", "/v1/sessions/"+id+"/messages", `{"text":"one two three four five six seven eight"}`, 200)
	if got := replyText(r); !strings.Contains(got, "1,234.56") {
		t.Fatalf("balance reply %q", got)
	}
	r = f.do(t, "POST", "/v1/sessions/"+id+"/messages", `{"text":"goodbye"}`, 200)
	if r["done"] != true || r["outcome"] != "resolved" {
		t.Fatalf("end %v", r)
	}
	tr := f.do(t, "GET", "/v1/sessions/"+id+"/transcript", "", 200)
	turns := tr["turns"].([]any)
	if len(turns) != 9 { // greeting + 4 x (caller, bot)
		t.Fatalf("transcript has %d turns", len(turns))
	}
	first := turns[1].(map[string]any)
	if first["speaker"] != "caller" || first["intent"] != "balance" {
		t.Fatalf("turn 2 = %v", first)
	}
	s := f.do(t, "GET", "/v1/sessions/"+id, "", 200)
	sess := s["session"].(map[string]any)
	if sess["outcome"] != "resolved" || sess["bot_version"].(float64) != 1 || sess["caller_id"] != "+15550100" {
		t.Fatalf("session %v", sess)
	}
	list := f.do(t, "GET", "/v1/sessions?bot=tiny&outcome=resolved", "", 200)
	if n := len(list["sessions"].([]any)); n != 1 {
		t.Fatalf("%d sessions listed", n)
	}
	// The ended session takes no more messages.
	f.do(t, "POST", "/v1/sessions/"+id+"/messages", `{"text":"hello?"}`, 404)
}

func TestHandoffAndRollback(t *testing.T) {
	f := newAPI(t)
	f.do(t, "PUT", "/v1/bots/tiny/draft", tinyBot, 200)
	f.do(t, "POST", "/v1/bots/tiny/publish", ``, 200)
	f.do(t, "PUT", "/v1/bots/tiny/draft", strings.Replace(tinyBot, "Hello, this is tiny bank.", "Hi again.", 1), 200)
	f.do(t, "POST", "/v1/bots/tiny/publish", `{}`, 200)
	start := f.do(t, "POST", "/v1/sessions", `{"bot":"tiny"}`, 201)
	if replyText(start) != "Hi again." {
		t.Fatalf("v2 greeting %q", replyText(start))
	}
	f.do(t, "POST", "/v1/bots/tiny/rollback", `{"version":1}`, 200)
	start = f.do(t, "POST", "/v1/sessions", `{"bot":"tiny"}`, 201)
	if replyText(start) != "Hello, this is tiny bank." {
		t.Fatalf("rolled back greeting %q", replyText(start))
	}
	id := start["session_id"].(string)
	r := f.do(t, "POST", "/v1/sessions/"+id+"/messages", `{"text":"let me talk to an agent"}`, 200)
	acts := r["reply"].(map[string]any)["actions"].([]any)
	last := acts[len(acts)-1].(map[string]any)
	if r["outcome"] != "handed_off" || last["kind"] != "handoff" || last["queue"] != "general" {
		t.Fatalf("handoff %v", r)
	}
	vs := f.do(t, "GET", "/v1/bots/tiny/versions", "", 200)
	if len(vs["versions"].([]any)) != 2 {
		t.Fatalf("versions %v", vs)
	}
	b := f.do(t, "GET", "/v1/bots/tiny", "", 200)
	if b["active_version"].(float64) != 1 || b["latest_version"].(float64) != 2 {
		t.Fatalf("bot %v", b)
	}
}

func TestBadInput(t *testing.T) {
	f := newAPI(t)
	f.do(t, "PUT", "/v1/bots/tiny/draft", tinyBot, 200)
	p := f.do(t, "PUT", "/v1/bots/tiny/draft", "name: tiny\nintents: [{name: x}]\n", 422)
	if probs := p["problems"].([]any); len(probs) == 0 || !strings.Contains(probs[0].(string), "tiny.yaml:") {
		t.Fatalf("problems %v", p)
	}
	f.do(t, "PUT", "/v1/bots/tiny/draft", "name: [", 422)
	f.do(t, "PUT", "/v1/bots/other/draft", tinyBot, 400) // name mismatch
	f.do(t, "POST", "/v1/sessions", `{"bot":"nope"}`, 404)
	f.do(t, "POST", "/v1/sessions", `{"bot":`, 400)
	f.do(t, "POST", "/v1/sessions", `{"bot":"tiny","colour":"red"}`, 400)
	f.do(t, "POST", "/v1/sessions", `{"bot":"tiny","language":"fr"}`, 400)
	f.do(t, "POST", "/v1/sessions", "{\"bot\":\"tiny\",\"caller_id\":\"\xff\"}", 400)
	f.do(t, "POST", "/v1/sessions/unknown/messages", `{"text":"hi"}`, 404)
	f.do(t, "GET", "/v1/sessions/unknown", "", 404)
	f.do(t, "POST", "/v1/bots/tiny/rollback", `{"version":7}`, 404)
	f.do(t, "POST", "/v1/bots/tiny/rollback", `{"version":0}`, 400)
	f.do(t, "GET", "/v1/sessions?outcome=happy", "", 400)
	start := f.do(t, "POST", "/v1/sessions", `{"bot":"tiny"}`, 201)
	id := start["session_id"].(string)
	long, _ := json.Marshal(map[string]string{"text": strings.Repeat("a", 10001)})
	f.do(t, "POST", "/v1/sessions/"+id+"/messages", string(long), 400)
	// 10,000 characters and an empty text are answered, not refused.
	long, _ = json.Marshal(map[string]string{"text": strings.Repeat("balance ", 1250)})
	if r := f.do(t, "POST", "/v1/sessions/"+id+"/messages", string(long), 200); replyText(r) == "" {
		t.Fatal("no reply to a long utterance")
	}
	if r := f.do(t, "POST", "/v1/sessions/"+id+"/messages", `{"text":""}`, 200); replyText(r) == "" {
		t.Fatal("no reply to an empty utterance")
	}
	// Two turns not understood in a row (max_no_match 2) hand off.
	if r := f.do(t, "GET", "/v1/sessions/"+id, "", 200); r["session"].(map[string]any)["outcome"] != "handed_off" {
		t.Fatalf("session after two no-matches: %v", r)
	}
	id = f.do(t, "POST", "/v1/sessions", `{"bot":"tiny"}`, 201)["session_id"].(string)
	f.do(t, "DELETE", "/v1/sessions/"+id, "", 204)
	f.do(t, "DELETE", "/v1/sessions/"+id, "", 404)
	s := f.do(t, "GET", "/v1/sessions/"+id, "", 200)
	if s["session"].(map[string]any)["outcome"] != "abandoned" {
		t.Fatalf("hung up session %v", s)
	}
}

func TestHealthMetrics(t *testing.T) {
	f := newAPI(t)
	f.do(t, "GET", "/healthz", "", 200)
	f.do(t, "GET", "/readyz", "", 200)
	resp, err := http.Get(f.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "switchboard_http_requests_total") || !strings.Contains(string(body), "switchboard_live_sessions") {
		t.Fatalf("metrics lack switchboard collectors:\n%.500s", body)
	}
	f.st.Close()
	f.do(t, "GET", "/readyz", "", 503)
}
