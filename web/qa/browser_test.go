package qa_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/switchboard-voice/switchboard/internal/browsertest"
	"github.com/switchboard-voice/switchboard/qa/review/reviewtest"
	"github.com/switchboard-voice/switchboard/store"
)

// TestBrowserReview drives the console in headless Chromium against a real
// SQLite store and HTTP server: search a call by what was said, open it,
// seek the recording from a turn and from evidence, override an answer
// with a comment, then the dashboards' charts and a CSV download.
func TestBrowserReview(t *testing.T) {
	b := browsertest.Start(t, browsertest.WithReport("window.qa.page", "window.qa.error", "window.qa.loaded",
		"document.querySelector('#player') && document.querySelector('#player').currentTime"))
	f, hs := server(t)
	// A Mandarin call, to find by its words and show.
	reviewtest.Seed(t, f.Store, store.Session{ID: "zh-1", Bot: reviewtest.Bot, Channel: "sip", Language: "zh", StartedAt: reviewtest.Day.Add(20 * time.Minute)},
		[]reviewtest.Turn{{Speaker: "bot", Text: "您好，欢迎致电。", Offset: 0}, {Speaker: "caller", Text: "我要投诉，重复扣款了", Offset: 3, Dur: 3}})
	if err := f.Store.EndSession(context.Background(), "zh-1", store.OutcomeAbandoned, "", "", reviewtest.Day.Add(21*time.Minute)); err != nil {
		t.Fatal(err)
	}

	b.Navigate(hs.URL + "/qa")
	b.WaitVisible("table#calls tbody tr.call")
	if n := b.EvalFloat("document.querySelectorAll('tr.call').length"); n != 3 {
		t.Errorf("%v calls listed, want 3", n)
	}
	b.Screenshot("/tmp/qa-calls.png")

	// Search in Chinese, then for the card call.
	search := func(text string) {
		b.Eval(`(() => { const i = document.querySelector('#filters input[name=q]'); i.value = ` + strconv.Quote(text) + `; return 1 })()`)
		before := b.EvalFloat("window.qa.loaded")
		b.Click("#search")
		b.Poll("search for "+text, 10*time.Second, func() bool { return b.EvalFloat("window.qa.loaded") > before })
	}
	search("投诉")
	if got := b.Eval("[...document.querySelectorAll('tr.call')].map(r => r.dataset.id).join(',')"); got != "zh-1" {
		t.Fatalf("search 投诉 found %q", got)
	}
	b.Click(`tr.call[data-id="zh-1"]`)
	b.WaitVisible("#transcript li.turn")
	if got := b.Eval("document.querySelector('li.turn[data-seq=\"2\"] .text').textContent"); got != "我要投诉，重复扣款了" {
		t.Errorf("Chinese turn shows %q", got)
	}
	b.Screenshot("/tmp/qa-call-zh.png")

	b.Navigate(hs.URL + "/qa#/calls")
	b.WaitVisible("table#calls tbody tr.call")
	search("card number")
	if got := b.Eval("[...document.querySelectorAll('tr.call')].map(r => r.dataset.id).join(',')"); got != reviewtest.BotCall {
		t.Fatalf("search found %q", got)
	}
	b.Click(`tr.call[data-id="` + reviewtest.BotCall + `"]`)
	b.WaitVisible("#player")
	b.Poll("audio metadata", 10*time.Second, func() bool { return b.EvalFloat("document.querySelector('#player').readyState") >= 1 })
	if d := b.EvalFloat("document.querySelector('#player').duration"); math.Abs(d-30) > 0.1 {
		t.Errorf("audio lasts %v s", d)
	}
	if strings.Contains(b.Eval("document.body.innerText"), "4111 1111 1111 1111") {
		t.Error("the page shows the card number")
	}

	// Click a turn: the audio seeks to its start and it is highlighted.
	b.Click(`li.turn[data-seq="5"]`)
	b.Poll("seek to turn 5", 5*time.Second, func() bool {
		return math.Abs(b.EvalFloat("document.querySelector('#player').currentTime")-10) < 0.05
	})
	if !strings.Contains(b.Eval(`document.querySelector('li.turn[data-seq="5"]').className`), "current") {
		t.Error("turn 5 not highlighted")
	}

	// Click a piece of evidence: the audio seeks to its span.
	at := b.EvalFloat(`(() => { const e = [...document.querySelectorAll('button.evidence')].filter(x => Number(x.dataset.start) > 0 && Math.abs(Number(x.dataset.start) - 10) > 1)[0]; e.id = 'ev-test'; return Number(e.dataset.start) })()`)
	b.Click("#ev-test")
	b.Poll("seek to evidence", 5*time.Second, func() bool {
		return math.Abs(b.EvalFloat("document.querySelector('#player').currentTime")-at) < 0.05
	})

	// Override "How did the call end?" with a comment.
	b.Eval(`(() => { const r = document.querySelector('#reviewer'); r.value = 'qa-lead'; r.dispatchEvent(new Event('change')); return 1 })()`)
	b.Eval(`(() => { const f = document.querySelector('.question[data-question="resolution"] form.override');
		f.answer.value = 'handed_off'; f.comment.value = 'the caller was transferred in the end'; f.id = 'ov-test'; return 1 })()`)
	if got := b.Eval(`document.querySelector('.card-score[data-card="bot-calls"]').textContent`); got != "100.00" {
		t.Errorf("score before the override %q", got)
	}
	b.Click("#ov-test button[type=submit]")
	b.Poll("override shown", 10*time.Second, func() bool {
		return b.Eval(`(document.querySelector('.question[data-question="resolution"] .override-answer') || {}).textContent`) == "handed_off"
	})
	// Resolution weighs 60% of the 40% outcome section: half its points.
	if got := b.Eval(`document.querySelector('.card-score[data-card="bot-calls"]').textContent`); got != "88.00" {
		t.Errorf("score after the override %q, want 88.00", got)
	}
	// The player kept its place.
	if got := b.EvalFloat("document.querySelector('#player').currentTime"); math.Abs(got-at) > 0.05 {
		t.Errorf("after the override the player is at %v s, want %v", got, at)
	}
	if got := b.Eval(`document.querySelector('.question[data-question="resolution"] .overridden').textContent`); !strings.Contains(got, "the caller was transferred in the end") || !strings.Contains(got, "qa-lead") {
		t.Errorf("override line %q", got)
	}
	b.Screenshot("/tmp/qa-call.png")

	// Dashboards: the charts render and a CSV link downloads CSV.
	b.Navigate(hs.URL + "/qa#/dashboards?since=2026-03-02&until=2026-03-02")
	b.WaitVisible("#containment-rate")
	b.WaitVisible("svg.chart.containment")
	for _, sel := range []string{"svg.containment circle", "svg.handoffs rect.bar", "svg.scores circle", "svg.sentiment-trend circle",
		"svg.agents rect.bar", "svg.queues rect.bar", "svg.questions polyline, svg.questions circle"} {
		if n := b.EvalFloat("document.querySelectorAll(" + strconv.Quote(sel) + ").length"); n == 0 {
			t.Errorf("no %s", sel)
		}
	}
	if got := b.Eval("document.querySelector('#containment-rate .v').textContent"); got != "33.3%" {
		t.Errorf("containment tile %q (1 of the 3 bot sessions)", got)
	}
	b.Screenshot("/tmp/qa-dashboards.png")

	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(b.Context(), 5*time.Second)
	_, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
	cancel()
	if err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	b.Click(`a.csv[data-table="containment"]`)
	var data []byte
	b.Poll("CSV downloaded", 10*time.Second, func() bool {
		files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
		if len(files) == 0 {
			return false
		}
		data, _ = os.ReadFile(files[0])
		return len(data) > 0
	})
	if !strings.HasPrefix(string(data), "day,bot_sessions,contained,rate\n2026-03-02,3,1,0.3333\n") {
		t.Errorf("downloaded CSV %q", data)
	}

	// Scorecards: a broken draft shows its problems with file:line.
	b.Navigate(hs.URL + "/qa#/scorecards/bot-calls")
	b.WaitVisible("textarea#draft")
	if got := b.Eval("document.querySelector('#draft').value"); !strings.Contains(got, "name: bot-calls") {
		t.Fatalf("draft %q", got)
	}
	b.Eval(`(() => { const d = document.querySelector('#draft'); d.value = d.value.replace('weight: 25', 'weight: 35'); return 1 })()`)
	b.Click("#save-draft")
	b.Poll("problems shown", 5*time.Second, func() bool { return b.EvalFloat("document.querySelectorAll('#problems li').length") > 0 })
	if got := b.Eval("document.querySelector('#problems li').textContent"); !strings.HasPrefix(got, "bot-calls.yaml:") {
		t.Errorf("problem %q", got)
	}
	b.Screenshot("/tmp/qa-scorecards.png")
}
