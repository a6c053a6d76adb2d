package desk_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard-voice/switchboard/assist"
	"github.com/switchboard-voice/switchboard/internal/browsertest"
	"github.com/switchboard-voice/switchboard/web/desk"
	"github.com/switchboard-voice/switchboard/web/internal/deskfake"
)

// agentDesk is one test's browser and fake agent service, with the
// DeskState the fake's snapshot returns.
type agentDesk struct {
	t    testing.TB
	b    *browsertest.Browser
	fake *deskfake.Server

	mu   sync.Mutex
	snap assist.DeskState
}

func float(f float64) *float64 { return &f }

func startDesk(t testing.TB, opts ...func(fake *deskfake.Server) []desk.Option) *agentDesk {
	d := &agentDesk{t: t}
	d.b = browsertest.Start(t,
		browsertest.WithFakeMic(browsertest.ToneWAV(440, 48000, 10*time.Second)),
		browsertest.WithWindowSize(1366, 768),
		browsertest.WithReport("window.desk.conn", "window.desk.seq", "JSON.stringify(window.desk.commands)",
			"JSON.stringify(window.desk.counts)", "document.querySelector('#call-error').textContent"))
	me := assist.AgentState{AgentID: "a1", Name: "Alice Chen", State: "offline", Since: time.Now().Add(-time.Minute)}
	d.snap = assist.DeskState{
		Agent:  me,
		Queues: []string{"cards", "loans"},
		Agents: []assist.AgentState{
			{AgentID: "a2", Name: "Bob Li", State: "available", Since: time.Now()},
			{AgentID: "a3", Name: "Carmen Diaz", State: "away", Reason: "lunch", Since: time.Now()},
		},
	}
	var page http.Handler = desk.Handler()
	d.fake = deskfake.Start(t, deskfake.Config{
		API:    "/v1/desk",
		Cookie: "switchboard_agent",
		Users:  map[string]deskfake.User{"a1": {Password: "s3cret", Identity: me}},
		Pages: map[string]http.Handler{
			// The page is built once the fake's media origin is known.
			"/agent":  http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { page.ServeHTTP(w, r) }),
			"/agent/": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { page.ServeHTTP(w, r) }),
		},
		Snapshot: func() any {
			d.mu.Lock()
			defer d.mu.Unlock()
			return d.snap
		},
	})
	for _, o := range opts {
		page = desk.Handler(o(d.fake)...)
	}
	return d
}

// login signs in as a1 and waits for the websocket.
func (d *agentDesk) login() {
	d.t.Helper()
	b := d.b
	b.Navigate(d.fake.URL + "/agent")
	b.WaitVisible("#login-form")
	b.Do("sign in", browsertest.ActionTimeout,
		chromedp.SendKeys("#login", "a1"), chromedp.SendKeys("#password", "s3cret"), chromedp.Click("#login-submit"))
	b.WaitVisible("#desk-view")
	b.Poll("websocket open", 10*time.Second, func() bool { return b.Eval("window.desk.conn") == "open" })
}

// setValue sets a form control's value as a person would (change event).
func (d *agentDesk) setValue(selector, value string) {
	d.t.Helper()
	d.b.Eval(`(() => { const e = document.querySelector(` + deskfake.MustJSON(selector) + `);
		e.value = ` + deskfake.MustJSON(value) + `; e.dispatchEvent(new Event('change', {bubbles: true})); return e.value; })()`)
}

func (d *agentDesk) text(selector string) string {
	d.t.Helper()
	return d.b.Eval(`(document.querySelector(` + deskfake.MustJSON(selector) + `) || {}).textContent`)
}

// lines returns the live transcript's lines as "speaker|text|final".
func (d *agentDesk) lines() []string {
	d.t.Helper()
	var out []string
	js := `JSON.stringify([...document.querySelectorAll('#transcript li.live')].map(
		(li) => li.dataset.speaker + '|' + li.querySelector('.text').textContent + '|' + li.dataset.final))`
	if err := json.Unmarshal([]byte(d.b.Eval(js)), &out); err != nil {
		d.t.Fatal(err)
	}
	return out
}

func (d *agentDesk) waitLines(what string, want ...string) {
	d.t.Helper()
	d.b.Poll(what, 5*time.Second, func() bool { return slices.Equal(d.lines(), want) })
}

func segment(call, speaker string, utt int, text string, final bool, start time.Duration) assist.TranscriptEvent {
	return assist.TranscriptEvent{CallID: call, Segment: assist.Segment{
		Speaker: speaker, Utterance: utt, Text: text, Final: final, Start: start, End: start + time.Second, At: time.Now(),
	}}
}

var offer = assist.OfferView{
	OfferID: "o1", CallID: "call-1", Queue: "cards", Waited: 42 * time.Second,
	Handoff: assist.Handoff{
		SessionID: "s-77", Bot: "banking", Queue: "cards", Reason: "asked_for_agent",
		Summary: "The caller lost their debit card yesterday and wants it blocked.",
		Slots:   map[string]string{"card_last4": "1234", "city": "上海"},
		Intents: []string{"lost_card"},
		Transcript: []assist.Line{
			{Speaker: "bot", Text: "Hello, how can I help?", Offset: time.Second},
			{Speaker: "caller", Text: "I lost my card, I want an agent", Offset: 4 * time.Second},
		},
	},
	Customer: assist.Customer{
		CallerID: "+15550100", Callbacks: 1,
		Past: []assist.PastConversation{{
			SessionID: "s-12", StartedAt: time.Now().Add(-72 * time.Hour), Outcome: "resolved",
			Sentiment: float(-0.6), Summary: "Disputed a card payment.",
		}},
	},
}

func callView(mod func(*assist.CallView)) assist.CallView {
	v := assist.CallView{
		CallID: "call-1", SessionID: "s-77", Queue: "cards", AgentID: "a1", CallerID: "+15550100",
		StartedAt: time.Now().Add(-time.Minute), AnsweredAt: time.Now(),
		Parties: []assist.Party{{ID: "c1", Role: "caller", Name: "+15550100"}, {ID: "a1", Role: "agent", Name: "Alice Chen"}},
		Handoff: offer.Handoff, Customer: offer.Customer,
	}
	if mod != nil {
		mod(&v)
	}
	return v
}

// TestBrowserDesk walks an agent through a call: sign in, go available,
// an offer, accept with WebRTC audio, the live transcript, suggestions
// and feedback, hold, mute failing, keypad, transfers, and wrap-up.
func TestBrowserDesk(t *testing.T) {
	d := startDesk(t)
	b, fake := d.b, d.fake

	// A wrong password says so.
	b.Navigate(fake.URL + "/agent")
	b.WaitVisible("#login-form")
	b.Do("wrong password", browsertest.ActionTimeout,
		chromedp.SendKeys("#login", "a1"), chromedp.SendKeys("#password", "nope"), chromedp.Click("#login-submit"))
	b.Poll("the sign-in error", 5*time.Second, func() bool { return d.text("#login-error") == "Wrong login or password." })
	b.Eval(`document.querySelector('#login').value = ''`)
	d.login()
	if got := d.text("#agent-name"); got != "Alice Chen" {
		t.Errorf("agent name %q", got)
	}
	if got := d.text("#state-now"); got != "offline" {
		t.Errorf("state %q", got)
	}

	// Status: away for lunch, then available.
	fake.Handle("state", func(raw json.RawMessage) (any, error) {
		var c assist.StateCommand
		_ = json.Unmarshal(raw, &c)
		return assist.AgentState{AgentID: "a1", Name: "Alice Chen", State: c.State, Reason: c.Reason, Since: time.Now()}, nil
	})
	d.setValue("#state-select", "away:lunch")
	if c := fake.WaitCommand("state", 5*time.Second).Data.(assist.StateCommand); c != (assist.StateCommand{State: "away", Reason: "lunch"}) {
		t.Errorf("state command %+v", c)
	}
	b.Poll("away (lunch)", 5*time.Second, func() bool { return d.text("#state-now") == "away (lunch)" })
	d.setValue("#state-select", "available")
	if c := fake.WaitCommand("state", 5*time.Second).Data.(assist.StateCommand); c != (assist.StateCommand{State: "available"}) {
		t.Errorf("state command %+v", c)
	}
	b.Poll("available", 5*time.Second, func() bool { return d.text("#state-now") == "available" })

	// An offer.
	o := offer
	o.ExpiresAt = time.Now().Add(20 * time.Second)
	fake.Publish("offer", o)
	b.WaitVisible("#offers .offer")
	card := d.text("#offers .offer")
	for _, want := range []string{"+15550100", "cards", o.Handoff.Summary, "asked for agent", "card last4", "1234", "上海", "1 pending callback", "Disputed a card payment.", "negative", "resolved"} {
		if !strings.Contains(card, want) {
			t.Errorf("the offer card lacks %q: %s", want, card)
		}
	}
	b.Poll("the countdown", 3*time.Second, func() bool {
		s := d.text("#offers .offer .until")
		return s >= "00:15" && s <= "00:20"
	})
	if got := d.text("#offers .offer .waited"); got < "00:42" || got > "00:45" {
		t.Errorf("waited %q", got)
	}

	// Accept: the reply and a call.connect event both carry the Connect;
	// one WebRTC call opens.
	connect := assist.Connect{CallID: "call-1", MediaURL: "/whip/agent-call-1"}
	fake.Handle("accept", func(json.RawMessage) (any, error) {
		fake.Publish("call", callView(nil))
		fake.Publish("call.connect", connect)
		return connect, nil
	})
	b.Click("#offers .offer .accept")
	if c := fake.WaitCommand("accept", 5*time.Second).Data.(assist.OfferCommand); c.OfferID != "o1" {
		t.Errorf("accept %+v", c)
	}
	b.WaitVisible("#call-panel")
	if b.Eval("document.querySelectorAll('#offers .offer').length") != "0" {
		t.Error("the offer card stayed after accepting")
	}
	b.Poll("WebRTC connected", 20*time.Second, func() bool { return b.Eval("window.desk.mediaState('call-1')") == "connected" })
	b.Poll("the echo comes back", 10*time.Second, func() bool {
		return b.EvalFloat("window.desk.mediaStats('call-1').then(s => s.packetsReceived)") >= 25
	})
	if n := fake.Legs(); n != 1 {
		t.Errorf("%d media legs, want 1 (the reply and the event carry the same Connect)", n)
	}
	if got := d.text("#call-caller"); got != "+15550100" {
		t.Errorf("call panel caller %q", got)
	}
	b.Poll("the audio label", 3*time.Second, func() bool { return d.text("#call-audio") == "connected" })

	// The transcript: the bot part first, then partials replaced by finals.
	if got := b.Eval("document.querySelectorAll('#transcript li.bot-part').length"); got != "2" {
		t.Errorf("%s bot lines, want 2", got)
	}
	fake.Publish("transcript", segment("call-1", "caller", 1, "I lost my", false, 2*time.Second))
	d.waitLines("the caller's partial", "caller|I lost my|false")
	if b.Eval("document.querySelector('#transcript li.live').classList.contains('partial')") != "true" {
		t.Error("a partial is not marked as one")
	}
	fake.Publish("transcript", segment("call-1", "caller", 1, "I lost my card yesterday", true, 2*time.Second))
	d.waitLines("the caller's final", "caller|I lost my card yesterday|true")
	fake.Publish("transcript", segment("call-1", "agent", 1, "我可以", false, 5*time.Second))
	fake.Publish("transcript", segment("call-1", "agent", 1, "我可以帮您冻结这张卡", true, 5*time.Second))
	// A late partial never replaces a final.
	fake.Publish("transcript", segment("call-1", "caller", 1, "I lost", false, 2*time.Second))
	fake.Publish("transcript", segment("call-1", "caller", 2, "thank you", true, 9*time.Second))
	d.waitLines("both speakers' finals",
		"caller|I lost my card yesterday|true", "agent|我可以帮您冻结这张卡|true", "caller|thank you|true")
	if got := b.Eval(`[...document.querySelectorAll('#transcript li.live')].map(li => li.querySelector('.ts').textContent + ' ' + li.querySelector('.who').textContent).join(', ')`); got != "00:02 Caller, 00:05 You, 00:09 Caller" {
		t.Errorf("timestamps and labels: %s", got)
	}
	if got := b.Eval(`document.querySelector('#transcript li[data-speaker=agent] .text').lang`); got != "zh" {
		t.Errorf("the Chinese line has lang %q", got)
	}

	// The transcript follows the conversation, unless the agent scrolled
	// up to read: then it stays put and offers a way down.
	for i := 10; i < 50; i++ {
		fake.Publish("transcript", segment("call-1", "caller", i, fmt.Sprintf("line %d", i), true, time.Duration(i)*time.Second))
	}
	atBottom := "(() => { const l = document.querySelector('#transcript'); return l.scrollHeight - l.scrollTop - l.clientHeight < 24; })()"
	b.Poll("40 more lines, scrolled to the last", 5*time.Second, func() bool {
		return len(d.lines()) == 43 && b.Eval(atBottom) == "true" && b.Eval("document.querySelector('#transcript').scrollTop") != "0"
	})
	b.Eval("document.querySelector('#transcript').scrollTop = 0")
	fake.Publish("transcript", segment("call-1", "agent", 2, "let me look", true, 60*time.Second))
	b.Poll("the line and the way down", 5*time.Second, func() bool {
		return len(d.lines()) == 44 && b.Eval("document.querySelector('#jump').hidden") == "false"
	})
	if b.Eval("document.querySelector('#transcript').scrollTop") != "0" {
		t.Error("the transcript moved while the agent was reading")
	}
	b.Click("#jump")
	b.Poll("back at the bottom", 3*time.Second, func() bool { return b.Eval(atBottom) == "true" })

	// Suggestions: expand an article, 👍 it.
	fake.Publish("suggestions", assist.Suggestions{
		CallID: "call-1", For: "I lost my card yesterday",
		Articles: []assist.Article{
			{ID: "kb-12", Title: "Lost or stolen card", Snippet: "Block the card first.", Body: "1. Verify the caller.\n2. Block the card in the card system.", Score: 3.2},
			{ID: "kb-40", Title: "Replacement fees", Snippet: "The first replacement is free."},
		},
		Flow: "lost_card",
		Steps: []assist.Step{
			{ID: "verify", Text: "Verify the caller's identity"},
			{ID: "block", Text: "Block the card", Done: true},
		},
		Reply:   "I have blocked your card; a new one will arrive within five days.",
		Latency: 320 * time.Millisecond,
	})
	b.WaitVisible(`#suggestions [data-article="kb-12"]`)
	if got := d.text("#suggest-latency"); got != "in 320 ms" {
		t.Errorf("latency %q", got)
	}
	if got := d.text("#suggestions .reply blockquote"); !strings.HasPrefix(got, "I have blocked your card") {
		t.Errorf("reply %q", got)
	}
	if got := b.Eval(`[...document.querySelectorAll('#suggestions .steps input')].map(i => i.dataset.step + '=' + i.checked).join(' ')`); got != "verify=false block=true" {
		t.Errorf("steps %s", got)
	}
	if b.Eval(`document.querySelector('#suggestions [data-article="kb-12"] .body').hidden`) != "true" {
		t.Error("the article body shows before a click")
	}
	b.Click(`#suggestions [data-article="kb-12"] button.title`)
	b.Poll("the article expands", 3*time.Second, func() bool {
		return b.Eval(`document.querySelector('#suggestions [data-article="kb-12"] .body').hidden`) == "false"
	})
	b.Click(`#suggestions [data-article="kb-12"] .vote.up`)
	if c := fake.WaitCommand("feedback", 5*time.Second).Data.(assist.FeedbackCommand); c != (assist.FeedbackCommand{CallID: "call-1", Kind: "article", Ref: "kb-12", Useful: true}) {
		t.Errorf("feedback %+v", c)
	}
	b.Poll("👍 pressed", 3*time.Second, func() bool {
		return b.Eval(`document.querySelector('#suggestions [data-article="kb-12"] .vote.up').getAttribute('aria-pressed')`) == "true"
	})
	b.Click(`#suggestions .steps li[data-ref="verify"] .vote.down`)
	if c := fake.WaitCommand("feedback", 5*time.Second).Data.(assist.FeedbackCommand); c != (assist.FeedbackCommand{CallID: "call-1", Kind: "step", Ref: "verify"}) {
		t.Errorf("feedback %+v", c)
	}
	b.Screenshot("/tmp/desk.png")

	// Hold: the reply's CallView is shown.
	fake.Handle("hold", func(raw json.RawMessage) (any, error) {
		var c assist.ToggleCommand
		_ = json.Unmarshal(raw, &c)
		return callView(func(v *assist.CallView) { v.Hold = c.On }), nil
	})
	b.Click("#hold")
	if c := fake.WaitCommand("hold", 5*time.Second).Data.(assist.ToggleCommand); c != (assist.ToggleCommand{CallID: "call-1", On: true}) {
		t.Errorf("hold %+v", c)
	}
	b.Poll("hold pressed", 3*time.Second, func() bool {
		return b.Eval("document.querySelector('#hold').getAttribute('aria-pressed')") == "true" && d.text("#hold") == "Resume"
	})

	// A refused command says why.
	fake.Handle("mute", func(json.RawMessage) (any, error) { return nil, deskfake.ErrRefused })
	b.Click("#mute")
	fake.WaitCommand("mute", 5*time.Second)
	b.Poll("the mute error", 3*time.Second, func() bool { return d.text("#call-error") == "Mute: "+deskfake.ErrRefused.Error() })

	// The keypad.
	b.Click("#keypad-toggle")
	b.Click(`#keypad button[data-digit="5"]`)
	if c := fake.WaitCommand("dtmf", 5*time.Second).Data.(assist.DTMFCommand); c != (assist.DTMFCommand{CallID: "call-1", Digits: "5"}) {
		t.Errorf("dtmf %+v", c)
	}

	// A blind transfer to agent a2.
	fake.Handle("transfer", func(raw json.RawMessage) (any, error) {
		var c assist.TransferCommand
		_ = json.Unmarshal(raw, &c)
		return callView(func(v *assist.CallView) {
			if c.Warm {
				v.Consulting = c.Target
			}
		}), nil
	})
	b.Click("#transfer")
	b.WaitVisible("#transfer-dialog")
	if got := b.Eval(`[...document.querySelectorAll('#transfer-agent option')].map(o => o.value).join(',')`); got != ",a2,a3" {
		t.Errorf("agents to transfer to: %q", got)
	}
	d.setValue("#transfer-agent", "a2")
	b.Click(`#transfer-form input[name=how][value=blind]`)
	b.Click("#transfer-go")
	if c := fake.WaitCommand("transfer", 5*time.Second).Data.(assist.TransferCommand); c != (assist.TransferCommand{CallID: "call-1", Kind: "agent", Target: "a2"}) {
		t.Errorf("transfer %+v", c)
	}
	b.Poll("the dialog closes", 3*time.Second, func() bool { return b.Eval("document.querySelector('#transfer-dialog').open") == "false" })

	// Conference another agent in.
	fake.Handle("conference", func(json.RawMessage) (any, error) { return callView(nil), nil })
	b.Click("#conference")
	b.WaitVisible("#transfer-dialog")
	if b.Eval("document.querySelector('#transfer-how').hidden") != "true" || d.text("#transfer-go") != "Add to call" {
		t.Error("the conference dialog offers blind/warm or says transfer")
	}
	d.setValue("#transfer-agent", "a3")
	b.Click("#transfer-go")
	if c := fake.WaitCommand("conference", 5*time.Second).Data.(assist.TransferCommand); c != (assist.TransferCommand{CallID: "call-1", Kind: "agent", Target: "a3"}) {
		t.Errorf("conference %+v", c)
	}
	b.Poll("the dialog closes", 3*time.Second, func() bool { return b.Eval("document.querySelector('#transfer-dialog').open") == "false" })

	// A warm transfer to a number, then complete it.
	b.Click("#transfer")
	b.WaitVisible("#transfer-dialog")
	b.Click(`#transfer-form input[name=kind][value=number]`)
	b.Do("type the number", browsertest.ActionTimeout, chromedp.SendKeys("#transfer-number", "+15550199"))
	b.Click(`#transfer-form input[name=how][value=warm]`)
	b.Click("#transfer-go")
	if c := fake.WaitCommand("transfer", 5*time.Second).Data.(assist.TransferCommand); c != (assist.TransferCommand{CallID: "call-1", Kind: "number", Target: "+15550199", Warm: true}) {
		t.Errorf("warm transfer %+v", c)
	}
	b.WaitVisible("#complete")
	if got := d.text("#call-consult-who"); got != "+15550199" {
		t.Errorf("consulting %q", got)
	}
	b.Click("#complete")
	if c := fake.WaitCommand("complete", 5*time.Second).Data.(assist.CallCommand); c.CallID != "call-1" {
		t.Errorf("complete %+v", c)
	}

	// Hang up: the command, and the audio's DELETE.
	b.Click("#hangup")
	if c := fake.WaitCommand("hangup", 5*time.Second).Data.(assist.CallCommand); c.CallID != "call-1" {
		t.Errorf("hangup %+v", c)
	}
	b.Poll("the audio is hung up", 10*time.Second, func() bool {
		return b.Eval("window.desk.mediaState('call-1')") == "none" && fake.Legs() == 0
	})

	// The call ends: wrap-up with the summary to edit.
	fake.Publish("call.ended", assist.CallEnded{
		CallID: "call-1", SessionID: "s-77", By: "agent",
		Summary:      "Caller lost their card; card blocked.",
		Dispositions: []string{"resolved", "callback_needed"}, WrapUp: time.Minute,
	})
	b.WaitVisible("#wrapup")
	if got := b.Eval("document.querySelector('#wrapup-summary').value"); got != "Caller lost their card; card blocked." {
		t.Errorf("wrap-up summary %q", got)
	}
	if b.Eval("document.querySelector('#call-panel').hidden") != "true" {
		t.Error("the call panel stayed after the call ended")
	}
	if got := d.text("#wrapup-by"); got != "you" {
		t.Errorf("ended by %q", got)
	}
	if got := d.text("#wrapup-timer"); got < "00:55" || got > "01:00" {
		t.Errorf("wrap-up timer %q", got)
	}
	// Saving without a disposition is refused on the page.
	b.Click("#wrapup-save")
	b.Poll("the disposition error", 3*time.Second, func() bool { return d.text("#wrapup-error") == "Choose a disposition." })
	b.Eval(`document.querySelector('#wrapup-summary').value += ' A new card is on its way.'`)
	d.setValue("#wrapup-disposition", "resolved")
	b.Do("notes", browsertest.ActionTimeout, chromedp.SendKeys("#wrapup-notes", "Customer was calm."))
	fake.Handle("wrapup", func(json.RawMessage) (any, error) {
		return assist.AgentState{AgentID: "a1", Name: "Alice Chen", State: "available", Since: time.Now()}, nil
	})
	b.Click("#wrapup-save")
	want := assist.WrapupCommand{CallID: "call-1", Disposition: "resolved", Notes: "Customer was calm.",
		Summary: "Caller lost their card; card blocked. A new card is on its way."}
	if c := fake.WaitCommand("wrapup", 5*time.Second).Data.(assist.WrapupCommand); c != want {
		t.Errorf("wrapup %+v, want %+v", c, want)
	}
	b.Poll("back to waiting", 3*time.Second, func() bool {
		return b.Eval("document.querySelector('#wrapup').hidden") == "true" && b.Eval("document.querySelector('#idle').hidden") == "false"
	})
	if got := d.lines(); len(got) != 0 {
		t.Errorf("the transcript stayed after wrap-up: %v", got)
	}

	// An alert is a toast.
	fake.Publish("alert", map[string]any{"id": "al-1", "rule_name": "Angry caller", "kind": "sentiment", "severity": "critical", "message": "Caller sentiment fell below -0.6"})
	b.Poll("the toast", 3*time.Second, func() bool {
		return strings.Contains(d.text("#toasts"), "Angry caller") && strings.Contains(d.text("#toasts"), "below -0.6")
	})
	for _, line := range b.Console() {
		if strings.HasPrefix(line, "exception") {
			t.Errorf("page exception: %s", line)
		}
	}
}
