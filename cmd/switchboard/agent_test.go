package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/gorilla/websocket"

	"github.com/switchboard-voice/switchboard/internal/browsertest"
	"github.com/switchboard-voice/switchboard/internal/caller"
	"github.com/switchboard-voice/switchboard/tts/espeak"
)

// agentServer runs serve with the banking bot and the default contact
// centre (queues general, cards, complaints; agents ana, bo, li and
// supervisor sam, password "demo"): the bot's handoffs go to our queues.
func agentServer(t *testing.T, rtpMin int) (*serveProc, string, string) {
	t.Helper()
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "switchboard.yaml")
	yaml := fmt.Sprintf("data_dir: %s\nhttp: {listen: %q}\nbots: {dirs: [../../bots/banking]}\nlog: {level: info, format: json}\n"+
		"sip: {listen: [{transport: udp, addr: '127.0.0.1:0'}], rtp_ports: {min: %d, max: %d}}\n"+
		"recording: {enabled: true, dir: %s}\nqa: {scorecards: ../../scorecards}\n",
		filepath.Join(dir, "data"), addr, rtpMin, rtpMin+999, filepath.Join(dir, "rec"))
	if err := os.WriteFile(cfg, []byte(yaml), 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startServeEnv(t, cfg, addr, nil)
	t.Cleanup(func() {
		if t.Failed() {
			lines := strings.Split(srv.errOut.String(), "\n")
			t.Logf("server log (last lines):\n%s", strings.Join(lines[max(0, len(lines)-60):], "\n"))
		}
	})
	sip := ""
	for _, line := range strings.Split(srv.out.String(), "\n") {
		if i := strings.Index(line, "sip:echo@"); i >= 0 && strings.Contains(line, "transport=udp") {
			sip = strings.TrimSuffix(strings.Fields(line[i+len("sip:echo@"):])[0], ";transport=udp")
		}
	}
	if sip == "" {
		t.Fatalf("no SIP address in:\n%s", srv.out.String())
	}
	return srv, "http://" + addr, sip
}

// desktop is an agent's browser on /agent.
type desktop struct {
	t *testing.T
	b *browsertest.Browser
}

func openDesktop(t *testing.T, base, login string, mic []byte) *desktop {
	t.Helper()
	b := browsertest.Start(t, browsertest.WithFakeMic(mic), browsertest.WithWindowSize(1366, 768),
		browsertest.WithReport("window.desk && window.desk.conn", "JSON.stringify(window.desk && window.desk.agent)",
			"JSON.stringify(window.desk && window.desk.commands.slice(-5))"))
	b.Navigate(base + "/agent")
	b.WaitVisible("#login-form")
	b.Do("sign in", browsertest.ActionTimeout,
		chromedp.SendKeys("#login", login), chromedp.SendKeys("#password", "demo"), chromedp.Click("#login-submit"))
	b.WaitVisible("#desk-view")
	b.Poll("websocket open", 15*time.Second, func() bool { return b.Eval("window.desk.conn") == "open" })
	return &desktop{t: t, b: b}
}

// set changes a select as a person would.
func (d *desktop) set(selector, value string) {
	d.t.Helper()
	d.b.Eval(`(() => { const e = document.querySelector(` + jsString(selector) + `);
		e.value = ` + jsString(value) + `; e.dispatchEvent(new Event('change', {bubbles: true})); return e.value; })()`)
}

func (d *desktop) text(selector string) string {
	return d.b.Eval(`(document.querySelector(` + jsString(selector) + `) || {}).textContent || ''`)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestAgentTakesHandoff: a SIP caller asks the banking bot for a human;
// agent Ana, in headless Chromium, gets the offer with the bot's summary,
// answers over WebRTC, sees the caller's words live and a suggested
// article, transfers the call to Bo (a second browser), and wraps up; Bo
// answers and hangs up.
func TestAgentTakesHandoff(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end call with agents")
	}
	srv, base, sip := agentServer(t, 37000)
	mic := speechWAV(t, "thank you for calling how can I help you today", 1*time.Second, 4*time.Second)
	ana := openDesktop(t, base, "ana", mic)
	bo := openDesktop(t, base, "bo", mic)
	ana.set("#state-select", "available")
	ana.b.Poll("Ana available", 10*time.Second, func() bool { return ana.text("#state-now") == "available" })
	sam := watchWallboard(t, base)

	// The caller: asks for a human, then, once Ana has picked up, tells
	// her what happened.
	answered := make(chan struct{})
	syn, err := espeak.New()
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan caller.Result, 1)
	go func() {
		res, err := caller.Call(context.Background(), caller.Config{
			Target: "banking@" + sip, Synthesizer: syn, Voice: caller.VoiceFor("en"), Timeout: 3 * time.Minute, Stay: 2 * time.Minute,
			Turns: []caller.Turn{{Say: "I want to speak to an agent"}, {Say: "my card was stolen yesterday", Await: answered},
				{Say: "I want to cancel my account", Await: answered}, {Say: "I want to cancel my account", Await: answered}},
		})
		if err != nil {
			t.Errorf("caller: %v", err)
		}
		done <- res
	}()

	// The offer, with the bot's summary and why it handed off.
	ana.b.Poll("the offer", 60*time.Second, func() bool { return ana.b.Eval("document.querySelectorAll('#offers .offer').length") == "1" })
	offer := ana.text("#offers .offer")
	if !strings.Contains(strings.ToLower(offer), "general") || !strings.Contains(strings.ToLower(offer), "human") && !strings.Contains(strings.ToLower(offer), "agent") {
		t.Errorf("the offer card does not say where the call comes from and why: %q", offer)
	}
	ana.b.Click("#offers .offer .accept")
	ana.b.WaitVisible("#call-panel")
	callID := ana.b.Eval("window.desk.selected")
	ana.b.Poll("Ana's audio", 30*time.Second, func() bool { return ana.b.Eval("window.desk.mediaState(window.desk.selected)") == "connected" })
	close(answered)

	// The caller's words reach the transcript, and a suggestion follows.
	ana.b.Poll("the caller in the live transcript", 60*time.Second, func() bool {
		return ana.b.Eval(`[...document.querySelectorAll('#transcript li.live[data-speaker=caller][data-final=true]')].some(li => /card|stolen/i.test(li.textContent))`) == "true"
	})
	ana.b.Poll("a suggested article", 30*time.Second, func() bool {
		return ana.b.Eval("document.querySelectorAll('#suggestions [data-article]').length") != "0"
	})
	article := ana.b.Eval(`document.querySelector('#suggestions [data-article]').dataset.article`)
	ana.b.Click(`#suggestions [data-article] button.title`)
	ana.b.Poll("the article opens", 5*time.Second, func() bool {
		return ana.b.Eval(`document.querySelector('#suggestions [data-article] .body').hidden`) == "false"
	})
	ana.b.Click(`#suggestions [data-article] .vote.up`)

	// The caller threatens to leave: the wallboard gets the alert soon
	// after the utterance's final transcript.
	alertAt, finalAt := sam.waitAlert(t, "cancel", 60*time.Second)
	t.Logf("alert on the wallboard %v after the final transcript", alertAt.Sub(finalAt))

	// Bo comes in; Ana transfers the call to him.
	bo.set("#state-select", "available")
	bo.b.Poll("Bo available", 10*time.Second, func() bool { return bo.text("#state-now") == "available" })
	ana.b.Click("#transfer")
	ana.b.WaitVisible("#transfer-dialog")
	ana.set("#transfer-agent", "bo")
	ana.b.Click(`#transfer-form input[name=how][value=blind]`)
	ana.b.Click("#transfer-go")

	// Ana wraps up.
	ana.b.WaitVisible("#wrapup")
	if s := ana.b.Eval("document.querySelector('#wrapup-summary').value"); !strings.Contains(strings.ToLower(s), "card") {
		t.Errorf("the generated summary does not mention the card: %q", s)
	}
	ana.b.Eval(`document.querySelector('#wrapup-summary').value += ' Sent to Bo for the replacement.'`)
	ana.set("#wrapup-disposition", "escalated")
	ana.b.Click("#wrapup-save")
	ana.b.Poll("Ana available again", 10*time.Second, func() bool { return ana.text("#state-now") == "available" })

	// Bo takes the call and ends it.
	bo.b.Poll("Bo's offer", 60*time.Second, func() bool { return bo.b.Eval("document.querySelectorAll('#offers .offer').length") == "1" })
	bo.b.Click("#offers .offer .accept")
	bo.b.WaitVisible("#call-panel")
	bo.b.Poll("Bo's audio", 30*time.Second, func() bool { return bo.b.Eval("window.desk.mediaState(window.desk.selected)") == "connected" })
	time.Sleep(2 * time.Second)
	bo.b.Click("#hangup")
	select {
	case res := <-done:
		t.Logf("caller heard %d lines", len(res.Lines))
	case <-time.After(30 * time.Second):
		t.Fatal("the caller's call did not end after Bo hung up")
	}

	// What the store kept: Bo took the call after Ana, her wrap-up, her
	// vote for the article, the caller's words (redacted) with their
	// sentiment; and QA scored it.
	var page struct {
		Calls []struct {
			ID    string   `json:"id"`
			Agent string   `json:"agent"`
			Score *float64 `json:"score"`
		} `json:"calls"`
	}
	var view struct {
		Session struct {
			Agent string `json:"agent"`
		} `json:"session"`
		Turns []struct {
			Speaker   string `json:"speaker"`
			Text      string `json:"text"`
			Sentiment struct {
				Label string `json:"label"`
			} `json:"sentiment"`
		} `json:"turns"`
		Results []json.RawMessage `json:"results"`
		Wrapups []struct {
			Agent       string `json:"agent"`
			Disposition string `json:"disposition"`
			Summary     string `json:"summary"`
		} `json:"wrapups"`
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		getJSON(t, base+"/v1/qa/calls?limit=5", &page)
		if len(page.Calls) > 0 {
			getJSON(t, base+"/v1/qa/calls/"+page.Calls[0].ID, &view)
			if len(view.Results) > 0 || time.Now().After(deadline) {
				break
			}
		} else if time.Now().After(deadline) {
			t.Fatalf("no call in the QA list; server log:\n%s", srv.errOut.String())
		}
		time.Sleep(500 * time.Millisecond)
	}
	if view.Session.Agent != "bo" {
		t.Errorf("the call's agent is %q, want bo", view.Session.Agent)
	}
	if len(view.Wrapups) != 1 || view.Wrapups[0].Agent != "ana" || view.Wrapups[0].Disposition != "escalated" ||
		!strings.Contains(view.Wrapups[0].Summary, "Sent to Bo") {
		t.Errorf("wrap-ups %+v", view.Wrapups)
	}
	var heard bool
	for _, tn := range view.Turns {
		if tn.Speaker == "caller" && strings.Contains(strings.ToLower(tn.Text), "card") && tn.Sentiment.Label != "" {
			heard = true
		}
	}
	if !heard {
		t.Errorf("the caller's words to the agent are not stored with sentiment: %+v", view.Turns)
	}
	if len(view.Results) == 0 {
		t.Error("the call was not scored")
	}
	t.Logf("call %s scored %s; article %s", callID, string(firstOr(view.Results)), article)
}

func firstOr(rs []json.RawMessage) []byte {
	if len(rs) == 0 {
		return nil
	}
	if len(rs[0]) > 120 {
		return rs[0][:120]
	}
	return rs[0]
}

// wallWatch is a supervisor's websocket, recording when events arrive.
type wallWatch struct {
	mu  sync.Mutex
	evs []wallEvent
}

type wallEvent struct {
	typ  string
	data json.RawMessage
	at   time.Time
}

// watchWallboard signs in as supervisor sam and follows the wallboard.
func watchWallboard(t *testing.T, base string) *wallWatch {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	hc := &http.Client{Jar: jar}
	resp, err := hc.Post(base+"/v1/supervisor/login", "application/json", strings.NewReader(`{"login":"sam","password":"demo"}`))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("supervisor login: %v %v", err, resp)
	}
	resp.Body.Close()
	u, _ := url.Parse(base)
	hdr := http.Header{}
	for _, c := range jar.Cookies(u) {
		hdr.Add("Cookie", c.Name+"="+c.Value)
	}
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/v1/supervisor/ws", hdr)
	if err != nil {
		t.Fatal(err)
	}
	w := &wallWatch{}
	go func() {
		for {
			var m struct {
				Type string          `json:"type"`
				Data json.RawMessage `json:"data"`
			}
			if err := ws.ReadJSON(&m); err != nil {
				return
			}
			w.mu.Lock()
			w.evs = append(w.evs, wallEvent{m.Type, m.Data, time.Now()})
			w.mu.Unlock()
		}
	}()
	t.Cleanup(func() { ws.Close() })
	return w
}

// waitAlert waits for an alert whose evidence contains phrase and
// returns when it arrived and when the caller's final transcript that
// triggered it arrived.
func (w *wallWatch) waitAlert(t *testing.T, phrase string, timeout time.Duration) (alertAt, finalAt time.Time) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		w.mu.Lock()
		var final time.Time
		for _, e := range w.evs {
			switch e.typ {
			case "transcript":
				var tr struct {
					Speaker string `json:"speaker"`
					Text    string `json:"text"`
					Final   bool   `json:"final"`
				}
				if json.Unmarshal(e.data, &tr) == nil && tr.Final && tr.Speaker == "caller" && strings.Contains(strings.ToLower(tr.Text), phrase) {
					final = e.at
				}
			case "alert":
				if strings.Contains(strings.ToLower(string(e.data)), phrase) && !final.IsZero() {
					w.mu.Unlock()
					return e.at, final
				}
			}
		}
		w.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	var kinds []string
	for _, e := range w.evs {
		kinds = append(kinds, e.typ+":"+string(e.data[:min(len(e.data), 80)]))
	}
	t.Fatalf("no %q alert on the wallboard; events: %s", phrase, strings.Join(kinds, "\n"))
	return
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatal(err)
	}
}
