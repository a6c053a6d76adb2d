package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/qa/alert"
	"github.com/switchboard-voice/switchboard/voicebot"
)

// cardRE matches the test card number however it is spaced.
var cardRE = regexp.MustCompile(`4111[ -]?1111[ -]?1111[ -]?1111`)

// TestNoCardNumberSurvives: a caller reads out a card number while asking
// to cancel the account. The number must not survive in the stored
// transcript, the QA console's JSON (call and search), the alert stored,
// the alert webhook's payload, or the server's logs (at debug level).
func TestNoCardNumberSurvives(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the server")
	}
	const secret = "a-webhook-secret-of-some-length"
	var mu sync.Mutex
	var hooks [][]byte
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := alert.VerifyRequest(r, secret, time.Minute)
		if err != nil {
			t.Errorf("webhook signature: %v", err)
		}
		mu.Lock()
		hooks = append(hooks, body)
		mu.Unlock()
	}))
	defer recv.Close()
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "switchboard.yaml")
	yaml := fmt.Sprintf("data_dir: %s\nhttp: {listen: %q}\nbots: {dirs: [../../bots/banking]}\nlog: {level: debug, format: json}\n"+
		"sip: {enabled: false}\nwebrtc: {enabled: false}\n"+
		"alerts: {webhooks: [{url: %q, secret: %q}]}\n", filepath.Join(dir, "data"), addr, recv.URL, secret)
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	var v *voice
	srv := startServeEnv(t, cfg, addr, func(x *voice) { v = x })
	base := "http://" + addr

	post := func(path, body string) map[string]any {
		resp, err := http.Post(base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		if resp.StatusCode >= 300 {
			t.Fatalf("POST %s: %s %v", path, resp.Status, out)
		}
		return out
	}
	ses := post("/v1/sessions", `{"bot":"banking","caller_id":"+15550100"}`)
	id, _ := ses["session_id"].(string)
	if id == "" {
		id, _ = ses["id"].(string)
	}
	if id == "" {
		t.Fatalf("no session ID in %v", ses)
	}
	said := "my card number is 4111 1111 1111 1111 and I want to cancel my account"
	post("/v1/sessions/"+id+"/messages", fmt.Sprintf(`{"text":%q}`, said))
	// The same words as a voice call's final transcript, for the live
	// alerts.
	v.center.voiceEvent(voicebot.Event{Kind: "final", CallID: "call-card", SessionID: id, Text: said, At: time.Now()})

	get := func(path string) string {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %s %s", path, resp.Status, b)
		}
		return string(b)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(hooks)
		mu.Unlock()
		if n > 0 && strings.Contains(get("/v1/qa/calls/"+id), "cancel") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no alert delivered and stored (webhooks %d)", n)
		}
		time.Sleep(100 * time.Millisecond)
	}
	places := map[string]string{
		"stored transcript": get("/v1/sessions/" + id + "/transcript"),
		"QA call":           get("/v1/qa/calls/" + id),
		"QA search":         get("/v1/qa/calls?text=card"),
		"server log":        srv.errOut.String(),
	}
	mu.Lock()
	for i, h := range hooks {
		places[fmt.Sprintf("webhook %d", i)] = string(h)
	}
	mu.Unlock()
	for where, text := range places {
		if m := cardRE.FindString(text); m != "" {
			t.Errorf("the card number survives in the %s: %q", where, m)
		}
	}
	if !strings.Contains(places["QA call"], "1111") {
		t.Errorf("the masked card (last four kept) is not in the QA view: %.300s", places["QA call"])
	}
	if !strings.Contains(places["webhook 0"], "cancel") {
		t.Errorf("the webhook payload lacks the alert's evidence: %s", places["webhook 0"])
	}
}
