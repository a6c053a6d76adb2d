package desk_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/assist"
	"github.com/switchboard-voice/switchboard/web/desk"
	"github.com/switchboard-voice/switchboard/web/internal/deskfake"
)

// TestBrowserDeskReconnect cuts the websocket mid-call and checks that
// the events published meanwhile show exactly once, that a restarted hub
// (a new epoch: a resync) does not duplicate the transcript either, that
// malformed events do not break the page, and that an expired session
// brings back the sign-in form. The call's audio is on another origin
// and survives all but the last.
func TestBrowserDeskReconnect(t *testing.T) {
	d := startDesk(t, func(fake *deskfake.Server) []desk.Option {
		return []desk.Option{desk.WithMediaOrigins(fake.MediaURL)}
	})
	b, fake := d.b, d.fake
	call := callView(func(v *assist.CallView) {
		v.CallID = "call-9"
		v.Transcript = []assist.Segment{{Speaker: "caller", Utterance: 1, Text: "My card is gone", Final: true, Start: time.Second}}
	})
	d.mu.Lock()
	d.snap.Agent.State = "busy"
	d.snap.Calls = []assist.CallView{call}
	d.mu.Unlock()
	d.login()
	b.WaitVisible("#call-panel")
	d.waitLines("the transcript so far from the resync", "caller|My card is gone|true")

	// Audio from the media node (another origin, absolute URL).
	fake.Publish("call.connect", assist.Connect{CallID: "call-9", MediaURL: fake.MediaURL + "/whip/agent-call-9"})
	b.Poll("WebRTC to the other origin", 20*time.Second, func() bool { return b.Eval("window.desk.mediaState('call-9')") == "connected" })

	fake.Publish("transcript", segment("call-9", "caller", 2, "Can you block it", true, 3*time.Second))
	d.waitLines("a live line", "caller|My card is gone|true", "caller|Can you block it|true")
	epoch := b.Eval("window.desk.epoch")

	// Cut the websocket; publish while the page is away.
	fake.Refuse(true)
	if n := fake.Drop(); n != 1 {
		t.Fatalf("dropped %d websockets, want 1", n)
	}
	b.Poll("the reconnecting banner", 5*time.Second, func() bool {
		return b.Eval("window.desk.conn") == "reconnecting" && b.Eval("document.querySelector('#banner').hidden") == "false"
	})
	if !strings.HasPrefix(d.text("#banner"), "Reconnecting…") {
		t.Errorf("banner %q", d.text("#banner"))
	}
	fake.Publish("transcript", segment("call-9", "agent", 1, "Sure, let me check", true, 5*time.Second))
	fake.Publish("transcript", segment("call-9", "caller", 3, "谢谢", true, 8*time.Second))
	time.Sleep(1500 * time.Millisecond) // a few refused attempts
	fake.Refuse(false)
	b.Poll("back online", 15*time.Second, func() bool { return b.Eval("window.desk.conn") == "open" })
	all := []string{"caller|My card is gone|true", "caller|Can you block it|true", "agent|Sure, let me check|true", "caller|谢谢|true"}
	d.waitLines("the missed lines, once each", all...)
	if b.Eval("document.querySelector('#banner').hidden") != "true" {
		t.Error("the banner stayed")
	}
	if got := b.Eval("window.desk.epoch"); got != epoch {
		t.Errorf("epoch %s after resuming, want %s", got, epoch)
	}
	if b.EvalFloat("window.desk.counts.reconnects") < 2 {
		t.Errorf("reconnects %s: the refused attempts were not retried", b.Eval("window.desk.counts.reconnects"))
	}

	// A restarted hub: a new epoch, a resync with the finals so far plus
	// one more. Nothing is duplicated; what was missed is added.
	d.mu.Lock()
	d.snap.Calls[0].Transcript = []assist.Segment{
		{Speaker: "caller", Utterance: 1, Text: "My card is gone", Final: true, Start: time.Second},
		{Speaker: "caller", Utterance: 2, Text: "Can you block it", Final: true, Start: 3 * time.Second},
		{Speaker: "agent", Utterance: 1, Text: "Sure, let me check", Final: true, Start: 5 * time.Second},
		{Speaker: "caller", Utterance: 3, Text: "谢谢", Final: true, Start: 8 * time.Second},
		{Speaker: "agent", Utterance: 2, Text: "不客气", Final: true, Start: 10 * time.Second},
	}
	d.mu.Unlock()
	fake.Restart()
	b.Poll("a new epoch", 15*time.Second, func() bool {
		return b.Eval("window.desk.conn") == "open" && b.Eval("window.desk.epoch") != epoch
	})
	d.waitLines("the resync merged", append(slices.Clone(all), "agent|不客气|true")...)
	if b.Eval("window.desk.mediaState('call-9')") != "connected" {
		t.Errorf("the audio did not survive the websocket: %s", b.Eval("window.desk.mediaState('call-9')"))
	}
	if fake.Legs() != 1 {
		t.Errorf("%d media legs", fake.Legs())
	}

	// Malformed events and messages: skipped, the page goes on.
	fake.Publish("transcript", "not an object")
	fake.Publish("transcript", map[string]any{"call_id": 5, "speaker": []int{1}})
	fake.Publish("transcript", map[string]any{"call_id": "call-9", "speaker": "caller", "text": "no utterance"})
	fake.Publish("call", []int{1, 2})
	fake.Publish("offer", nil)
	fake.Publish("no.such.event", map[string]string{"x": "y"})
	fake.Publish("suggestions", map[string]any{"call_id": "call-9", "articles": "oops", "steps": []any{1, nil, map[string]any{"id": 7, "text": 8}}, "latency": "fast"})
	for _, raw := range []string{"{not json", "42", "null", `{"type":"transcript","seq":"x"}`, `{"seq":99}`, `{"type":"reply","reply_to":"nobody","ok":true}`} {
		b.Eval("window.desk.debug.receive(" + deskfake.MustJSON(raw) + ")")
	}
	fake.Publish("transcript", segment("call-9", "caller", 4, "still working", true, 12*time.Second))
	d.waitLines("a good event after the bad ones", append(slices.Clone(all), "agent|不客气|true", "caller|still working|true")...)
	if got := b.EvalFloat("window.desk.counts.failed"); got != 5 {
		t.Errorf("%v events failed, want 5 (the malformed ones)", got)
	}
	if got := b.EvalFloat("window.desk.counts.malformed"); got != 5 {
		t.Errorf("%v malformed messages, want 5", got)
	}
	if got := b.EvalFloat("window.desk.unknown"); got != 1 {
		t.Errorf("%v unknown events, want 1", got)
	}
	if got := d.text("#suggestions .steps"); !strings.Contains(got, "8") {
		t.Errorf("steps with odd fields: %q", got)
	}
	for _, line := range b.Console() {
		if strings.HasPrefix(line, "exception") {
			t.Errorf("page exception: %s", line)
		}
	}

	// The session expires: back to the sign-in form, audio hung up.
	fake.Expire()
	b.WaitVisible("#login-form")
	if got := d.text("#login-error"); got != "Your session has ended. Sign in again." {
		t.Errorf("sign-in message %q", got)
	}
	b.Poll("audio hung up", 10*time.Second, func() bool { return fake.Legs() == 0 })
	if got := b.Eval("window.desk.conn"); got != "signed-out" {
		t.Errorf("conn %q", got)
	}
}
