package wallboard_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/switchboard-voice/switchboard/assist"
	"github.com/switchboard-voice/switchboard/internal/browsertest"
	"github.com/switchboard-voice/switchboard/web/internal/deskfake"
	"github.com/switchboard-voice/switchboard/web/wallboard"
)

func float(f float64) *float64 { return &f }

func alert(id, sev, msg string, at time.Time) json.RawMessage {
	return json.RawMessage(deskfake.MustJSON(map[string]any{
		"id": id, "rule": "r-" + id, "rule_name": "Rule " + id, "kind": "sentiment", "severity": sev,
		"call_id": "call-1", "agent": "a1", "queue": "cards", "at": at, "message": msg,
	}))
}

// startWall starts the browser and a fake supervisors' service whose
// snapshot is *snap, with the media node's origin allowed.
func startWall(tb testing.TB, snap *assist.WallState) (*browsertest.Browser, *deskfake.Server) {
	b := browsertest.Start(tb,
		browsertest.WithFakeMic(browsertest.ToneWAV(440, 48000, 10*time.Second)),
		browsertest.WithWindowSize(1366, 768),
		browsertest.WithReport("window.wall.conn", "window.wall.seq", "JSON.stringify(window.wall.commands)",
			"document.querySelector('#monitor-error').textContent"))
	var page http.Handler
	fake := deskfake.Start(tb, deskfake.Config{
		API:    "/v1/supervisor",
		Cookie: "switchboard_supervisor",
		Users:  map[string]deskfake.User{"s1": {Password: "pw", Identity: map[string]string{"id": "s1", "name": "Sam Wu"}}},
		Pages: map[string]http.Handler{
			"/supervisor":  http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { page.ServeHTTP(w, r) }),
			"/supervisor/": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { page.ServeHTTP(w, r) }),
		},
		Snapshot: func() any { return *snap },
	})
	page = wallboard.Handler(wallboard.WithMediaOrigins(fake.MediaURL))
	b.Navigate(fake.URL + "/supervisor")
	b.WaitVisible("#login-form")
	b.Do("sign in", browsertest.ActionTimeout,
		chromedp.SendKeys("#login", "s1"), chromedp.SendKeys("#password", "pw"), chromedp.Click("#login-submit"))
	b.WaitVisible("#wall-view")
	b.Poll("the websocket", 10*time.Second, func() bool { return b.Eval("window.wall.conn") == "open" })
	return b, fake
}

// TestBrowserWallboard signs a supervisor in, checks that the WallState
// renders, listens to a call over WebRTC (from a media node on another
// origin), whispers on the same audio, follows updates and leaves.
func TestBrowserWallboard(t *testing.T) {
	now := time.Now()
	snap := assist.WallState{
		Queues: []assist.QueueView{
			{ID: "cards", Name: "Cards", Waiting: 3, Longest: 65 * time.Second, ServiceLevel: 0.85, Threshold: 20 * time.Second,
				AbandonRate: 0.04, AHT: 250 * time.Second, Answered: 48, Abandoned: 2, Agents: 3, Available: 1},
			{ID: "loans", Name: "Loans 贷款", ServiceLevel: -1, Agents: 2},
		},
		Agents: []assist.AgentState{
			{AgentID: "a1", Name: "Alice Chen", State: "busy", Since: now.Add(-3 * time.Minute), Calls: []string{"call-1"}},
			{AgentID: "a2", Name: "Bob Li", State: "away", Reason: "lunch", Since: now.Add(-10 * time.Minute)},
			{AgentID: "a3", Name: "Carmen Diaz", State: "available", Since: now.Add(-30 * time.Second)},
		},
		Calls: []assist.LiveCall{
			{CallID: "call-1", Queue: "cards", AgentID: "a1", CallerID: "+15550100", StartedAt: now.Add(-2 * time.Minute), State: "talking", Sentiment: float(-0.7), Alerts: 1},
			{CallID: "call-2", Queue: "cards", CallerID: "+15550111", StartedAt: now.Add(-40 * time.Second), State: "waiting"},
		},
		Alerts: []json.RawMessage{alert("al-1", "warning", "Caller sounds upset", now.Add(-time.Minute))},
		At:     now,
	}
	b, fake := startWall(t, &snap)
	text := func(sel string) string {
		return b.Eval(`(document.querySelector(` + deskfake.MustJSON(sel) + `) || {}).textContent`)
	}
	rows := func(table string) string {
		return b.Eval(`[...document.querySelectorAll('#` + table + ` tbody tr')].map(tr => [...tr.cells].map(c => c.textContent.trim()).join('|')).join('\n')`)
	}

	b.Poll("the wallboard", 10*time.Second, func() bool { return b.Eval("window.wall.calls.size") == "2" })
	if got := text("#sup-name"); got != "Sam Wu" {
		t.Errorf("supervisor %q", got)
	}

	// Queues. Clocks tick from the snapshot's time: they read at least
	// what the snapshot says, plus at most the time since.
	clockNear := func(got string, at time.Duration) bool {
		var m, s int
		if _, err := fmt.Sscanf(got, "%d:%d", &m, &s); err != nil {
			return false
		}
		d := time.Duration(m)*time.Minute + time.Duration(s)*time.Second
		return d >= at-time.Second && d <= at+time.Since(now)+time.Second
	}
	fields := func(table string) [][]string {
		var out [][]string
		for _, r := range strings.Split(rows(table), "\n") {
			out = append(out, strings.Split(r, "|"))
		}
		return out
	}
	b.Poll("queue rows", 3*time.Second, func() bool { return strings.Count(rows("queues"), "\n") == 1 })
	q := fields("queues")
	if got := strings.Join(slices.Delete(slices.Clone(q[0]), 2, 3), "|"); got != "Cards|3|85%|4.0% (2)|04:10|48|1 / 3" || !clockNear(q[0][2], 65*time.Second) {
		t.Errorf("cards row %q", q[0])
	}
	if got := strings.Join(q[1], "|"); got != "Loans 贷款|0|–|–|0.0%|–|0|0 / 2" {
		t.Errorf("loans row %q", got)
	}
	// Agents, sorted by name, with their state and time in it.
	ag := fields("agents")
	if len(ag) != 3 || ag[0][0] != "Alice Chen" || ag[0][1] != "on a call" || !clockNear(ag[0][2], 3*time.Minute) || ag[0][3] != "1" ||
		ag[1][0] != "Bob Li" || ag[1][1] != "away: lunch" || !clockNear(ag[1][2], 10*time.Minute) || ag[1][3] != "0" {
		t.Errorf("agents %q", ag)
	}
	// Calls, oldest first, with the agent's name and the sentiment.
	calls := fields("calls")
	if len(calls) != 2 || strings.Join(calls[0][:4], "|") != "+15550100|cards|Alice Chen|talking" || !clockNear(calls[0][4], 2*time.Minute) ||
		calls[0][5] != "-0.70" || calls[0][6] != "1" || calls[1][0] != "+15550111" {
		t.Errorf("calls %q", calls)
	}
	if got := b.Eval(`document.querySelector('#calls tbody tr .sbar').getAttribute('aria-valuenow')`); got != "-0.70" {
		t.Errorf("sentiment meter %q", got)
	}
	if got := text("#alerts li"); !strings.Contains(got, "Rule al-1") || !strings.Contains(got, "Caller sounds upset") || !strings.Contains(got, "agent Alice Chen") {
		t.Errorf("alert %q", got)
	}

	// Listen: the reply's Connect opens WebRTC to the media node, the
	// microphone muted.
	connect := assist.Connect{CallID: "call-1", MediaURL: fake.MediaURL + "/whip/monitor-call-1"}
	for _, mode := range []string{"listen", "whisper"} {
		fake.Handle(mode, func(json.RawMessage) (any, error) { return connect, nil })
	}
	b.Eval(`document.querySelector('#calls tbody tr').marker = 'kept'`)
	b.Click(`#calls tbody tr:first-child button[data-mode=listen]`)
	if c := fake.WaitCommand("listen", 5*time.Second).Data.(assist.MonitorCommand); c != (assist.MonitorCommand{CallID: "call-1", Mode: "listen"}) {
		t.Errorf("listen %+v", c)
	}
	b.Poll("WebRTC connected", 20*time.Second, func() bool { return b.Eval("window.wall.mediaState('call-1')") == "connected" })
	if b.Eval("window.wall.monitor.get('call-1').media.micOn") != "false" {
		t.Error("the microphone is on while listening")
	}
	b.Poll("listen pressed", 3*time.Second, func() bool {
		return b.Eval(`document.querySelector('#calls tbody tr:first-child button[data-mode=listen]').getAttribute('aria-pressed')`) == "true"
	})
	if got := text("#monitoring"); !strings.HasPrefix(got, "Listening to +15550100") {
		t.Errorf("monitoring %q", got)
	}

	// Whisper on the same audio: the microphone goes on, no new call.
	b.Click(`#calls tbody tr:first-child button[data-mode=whisper]`)
	if c := fake.WaitCommand("whisper", 5*time.Second).Data.(assist.MonitorCommand); c.Mode != "whisper" {
		t.Errorf("whisper %+v", c)
	}
	b.Poll("whispering", 3*time.Second, func() bool { return b.Eval("window.wall.monitor.get('call-1').media.micOn") == "true" })
	if fake.Legs() != 1 {
		t.Errorf("%d media legs, want 1", fake.Legs())
	}

	// Updates: a wall, a call, an agent, an alert.
	snap.Queues[0].Waiting = 5
	snap.At = time.Now()
	fake.Publish("wall", snap)
	b.Poll("five waiting", 3*time.Second, func() bool { return strings.HasPrefix(rows("queues"), "Cards|5|") })
	if b.Eval(`document.querySelector('#calls tbody tr').marker`) != "kept" {
		t.Error("the call row was rebuilt by an update (focus would be lost)")
	}
	fake.Publish("call", assist.LiveCall{CallID: "call-2", Queue: "cards", AgentID: "a3", CallerID: "+15550111", StartedAt: now.Add(-40 * time.Second), State: "talking", Sentiment: float(0.5)})
	fake.Publish("agent.state", assist.AgentState{AgentID: "a2", Name: "Bob Li", State: "available", Since: time.Now()})
	fake.Publish("alert", alert("al-2", "critical", "Caller asked for a manager", time.Now()))
	b.Poll("the updates", 3*time.Second, func() bool {
		r := strings.Split(rows("calls"), "\n")
		return len(r) == 2 && strings.HasPrefix(r[1], "+15550111|cards|Carmen Diaz|talking|") && strings.Contains(r[1], "|0.50|") &&
			strings.Contains(rows("agents"), "Bob Li|available|00:0")
	})
	b.Poll("the new alert on top", 3*time.Second, func() bool {
		return b.Eval(`[...document.querySelectorAll('#alerts li')].map(li => li.className).join(' ')`) == "sev-critical sev-warning"
	})
	b.Screenshot("/tmp/wallboard.png")

	// Leave.
	b.Click(`#calls tbody tr:first-child button[data-mode=leave]`)
	if c := fake.WaitCommand("leave", 5*time.Second).Data.(assist.CallCommand); c.CallID != "call-1" {
		t.Errorf("leave %+v", c)
	}
	b.Poll("the audio hung up", 10*time.Second, func() bool { return fake.Legs() == 0 && b.Eval("window.wall.mediaState('call-1')") == "none" })

	// A refused monitor says why; an ended call goes.
	fake.Handle("barge", func(json.RawMessage) (any, error) { return nil, deskfake.ErrRefused })
	b.Click(`#calls tbody tr:first-child button[data-mode=barge]`)
	b.Poll("the barge error", 3*time.Second, func() bool { return text("#monitor-error") == "Barge: "+deskfake.ErrRefused.Error() })
	fake.Publish("call", assist.LiveCall{CallID: "call-1", State: "ended"})
	b.Poll("the ended call goes", 3*time.Second, func() bool { return b.Eval("document.querySelectorAll('#calls tbody tr').length") == "1" })
	for _, line := range b.Console() {
		if strings.HasPrefix(line, "exception") {
			t.Errorf("page exception: %s", line)
		}
	}
}
