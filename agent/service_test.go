package agent_test

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/acd"
	"github.com/switchboard-voice/switchboard/agent"
	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/asr/asrtest"
	"github.com/switchboard-voice/switchboard/assist"
	"github.com/switchboard-voice/switchboard/media"
	"github.com/switchboard-voice/switchboard/media/audiotest"
	"github.com/switchboard-voice/switchboard/media/mediatest"
	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/sqlite"
	"github.com/switchboard-voice/switchboard/tts"
	"github.com/switchboard-voice/switchboard/voicebot/voicebottest"
)

// event is one desktop event the service published.
type event struct {
	ch, typ string
	data    []byte
}

// desks records the service's desktop events.
type desks struct {
	mu  sync.Mutex
	evs []event
	new chan struct{}
}

func (d *desks) Publish(ch, typ string, data any) {
	raw, _ := json.Marshal(data)
	d.mu.Lock()
	d.evs = append(d.evs, event{ch, typ, raw})
	d.mu.Unlock()
	select {
	case d.new <- struct{}{}:
	default:
	}
}

// wait returns the first event on ch of type typ after index from that
// matches (decoded into v), or fails.
func (d *desks) wait(t *testing.T, ch, typ string, v any, match func() bool) int {
	t.Helper()
	deadline := time.After(15 * time.Second)
	seen := 0
	for {
		d.mu.Lock()
		evs := d.evs[seen:]
		d.mu.Unlock()
		for i, e := range evs {
			if e.ch == ch && e.typ == typ {
				if err := json.Unmarshal(e.data, v); err != nil {
					t.Fatal(err)
				}
				if match == nil || match() {
					return seen + i
				}
			}
		}
		seen += len(evs)
		select {
		case <-d.new:
		case <-deadline:
			t.Fatalf("no %s event on %s", typ, ch)
		}
	}
}

// phone is the far end of a leg: it sends a tone and records what it hears.
type phone struct {
	leg, far *mediatest.Leg
	mu       sync.Mutex
	got      []int16
	stop     chan struct{}
	wg       sync.WaitGroup
}

func (p *phone) WriteFrame(f media.Frame) error {
	p.mu.Lock()
	p.got = append(p.got, f.Samples...)
	p.mu.Unlock()
	return nil
}
func (p *phone) OnDTMF(media.DTMF) {}
func (p *phone) Close() error      { return nil }

func newPhone(t *testing.T, id string, hz float64) *phone {
	a, b := mediatest.Pipe(mediatest.Options{InfoA: media.LegInfo{ID: id, From: "+15550100", Kind: "sip"}})
	p := &phone{leg: a, far: b, stop: make(chan struct{})}
	b.Attach(p)
	// Utterances: a human recording with the phone's tone under it (the
	// tone tells who is heard), then 0.6 s of silence, over and over.
	speech := mediatest.AsteriskPrompt(t, "agent-pass")
	var tone []int16
	for range 20 {
		burst := audiotest.Tone(hz, 8000, time.Duration(len(speech))*time.Second/8000, 0.15)
		media.Mix(burst, burst, speech)
		tone = append(tone, burst...)
		tone = append(tone, make([]int16, 4800)...)
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tk := time.NewTicker(media.FrameDuration)
		defer tk.Stop()
		for i := 0; i+160 <= len(tone); i += 160 {
			select {
			case <-p.stop:
				return
			case <-b.Done():
				return
			case <-tk.C:
			}
			_ = b.WriteFrame(media.Frame{Samples: tone[i : i+160], Rate: 8000})
		}
	}()
	t.Cleanup(func() {
		close(p.stop)
		p.wg.Wait()
		_ = b.Hangup(context.Background())
	})
	return p
}

// hears waits until the phone hears a tone of hz over the last 300 ms
// (want) or hears none of it over the last 1.6 s, a whole burst and gap
// (not want).
func (p *phone) hears(t *testing.T, hz float64, want bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	window := 2400
	if !want {
		window = 12800
	}
	for {
		p.mu.Lock()
		s := p.got
		if len(s) > window {
			s = s[len(s)-window:]
		}
		got := audiotest.Power(s, 8000, hz) > 0.005
		p.mu.Unlock()
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("phone heard %v Hz: %v, want %v", hz, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// speech transcribes every utterance as "my card was charged twice" and
// synthesises tones.
type speech struct{}

func (speech) Recognizer(context.Context, string, int, string) (asr.Recognizer, error) {
	return &asrtest.Fake{Text: "my card was charged twice"}, nil
}
func (speech) Synthesizer(context.Context, string, string) (tts.Synthesizer, error) {
	return voicebottest.ToneTTS{}, nil
}

type fixture struct {
	svc    *agent.Service
	router *acd.Router
	st     store.Store
	desks  *desks
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "agent.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	r, err := acd.New(acd.Config{
		RingTimeout: 10 * time.Second, WrapUp: time.Minute,
		Queues: []acd.Queue{{ID: "cards", Callback: true}, {ID: "billing"}},
		Agents: []acd.Agent{{ID: "a1", Name: "Ana"}, {ID: "a2", Name: "Bo"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	d := &desks{new: make(chan struct{}, 1)}
	svc, err := agent.New(agent.Config{Router: agent.Local(r), Events: r, Store: st, Publisher: d, Speech: speech{},
		Sentiment: func(ctx context.Context, text, lang string) *float64 { v := -0.6; return &v },
		Passwords: func(login string) (string, string, bool, bool) {
			return map[string]string{"ana": "a1", "bo": "a2"}[login], "pw", false, login == "ana" || login == "bo"
		},
		MediaTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Close() })
	return &fixture{svc: svc, router: r, st: st, desks: d}
}

// answer makes agent id available, waits for its offer, accepts it and
// connects its phone; it returns the phone and the call ID.
func (f *fixture) answer(t *testing.T, id string, hz float64) (*phone, string) {
	t.Helper()
	if _, err := f.svc.SetState(id, "available", ""); err != nil {
		t.Fatal(err)
	}
	var offer assist.OfferView
	f.desks.wait(t, agent.AgentChannel(id), "offer", &offer, nil)
	conn, err := f.svc.Accept(id, offer.OfferID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(conn.MediaURL, "/whip/agent.") {
		t.Fatalf("media URL %q", conn.MediaURL)
	}
	app, ok := f.svc.MediaApp(strings.TrimPrefix(conn.MediaURL, "/whip/"))
	if !ok {
		t.Fatal("the media URL is not routed")
	}
	p := newPhone(t, id, hz)
	go func() { _ = app.Serve(context.Background(), p.leg) }()
	return p, conn.CallID
}

func TestCallWithAgent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	// A bot session handed off.
	if err := f.st.CreateSession(ctx, store.Session{ID: "s1", Bot: "banking", Channel: "sip", CallerID: "+15550100", StartedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	caller := newPhone(t, "leg-caller", 440)
	served := make(chan error, 1)
	go func() {
		served <- f.svc.Serve(ctx, agent.Caller{Leg: caller.leg, Queue: "cards", SessionID: "s1", Reason: "caller asked for a human",
			Summary: "Lost card, wants a refund", Slots: map[string]string{"card_last4": "4821"}})
	}()

	select {
	case err := <-served:
		t.Fatalf("Serve returned at once: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	ana, callID := f.answer(t, "a1", 1000)
	t.Run("bridged both ways", func(t *testing.T) {
		ana.hears(t, 440, true)
		caller.hears(t, 1000, true)
	})
	t.Run("the desktop sees the call and the live transcript", func(t *testing.T) {
		var v assist.CallView
		f.desks.wait(t, agent.AgentChannel("a1"), "call", &v, func() bool { return v.CallID == callID })
		if v.Handoff.Summary != "Lost card, wants a refund" || v.Handoff.Slots["card_last4"] != "4821" {
			t.Errorf("handoff %+v", v.Handoff)
		}
		var tr assist.TranscriptEvent
		f.desks.wait(t, agent.AgentChannel("a1"), "transcript", &tr, func() bool { return tr.Final && tr.Speaker == "caller" })
		if tr.Text != "my card was charged twice" || tr.Sentiment == nil {
			t.Errorf("transcript %+v", tr)
		}
	})
	t.Run("hold plays music and cuts the caller off", func(t *testing.T) {
		if _, err := f.svc.Hold("a1", callID, true); err != nil {
			t.Fatal(err)
		}
		caller.hears(t, 1000, false)
		ana.hears(t, 440, false)
		if _, err := f.svc.Hold("a1", callID, false); err != nil {
			t.Fatal(err)
		}
		caller.hears(t, 1000, true)
	})
	t.Run("mute", func(t *testing.T) {
		if _, err := f.svc.Mute("a1", callID, true); err != nil {
			t.Fatal(err)
		}
		caller.hears(t, 1000, false)
		ana.hears(t, 440, true)
		_, _ = f.svc.Mute("a1", callID, false)
	})
	t.Run("bad commands get clear errors", func(t *testing.T) {
		if _, err := f.svc.Hold("a2", callID, true); !errors.Is(err, agent.ErrNotYours) {
			t.Errorf("another agent's hold: %v", err)
		}
		if err := f.svc.DTMF("a1", callID, "12x"); !errors.Is(err, agent.ErrBadRequest) {
			t.Errorf("bad digits: %v", err)
		}
		if _, err := f.svc.Transfer(ctx, "a1", assist.TransferCommand{CallID: callID, Kind: "agent", Target: "a2"}, false); !errors.Is(err, agent.ErrBusy) {
			t.Errorf("transfer to an offline agent: %v", err)
		}
		if _, err := f.svc.Transfer(ctx, "a1", assist.TransferCommand{CallID: callID, Kind: "queue", Target: "nope"}, false); !errors.Is(err, agent.ErrBadRequest) {
			t.Errorf("transfer to an unknown queue: %v", err)
		}
		if _, err := f.svc.Command(ctx, "a1", assist.Command{Type: "hold", Data: json.RawMessage(`{"call":"x"}`)}); !errors.Is(err, agent.ErrBadRequest) {
			t.Errorf("unknown field: %v", err)
		}
		if _, err := f.svc.Accept("a1", "no-such-offer"); err == nil {
			t.Error("accepting an unknown offer worked")
		}
	})
	t.Run("blind transfer to another agent", func(t *testing.T) {
		if _, err := f.svc.SetState("a2", "available", ""); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Transfer(ctx, "a1", assist.TransferCommand{CallID: callID, Kind: "agent", Target: "a2"}, false); err != nil {
			t.Fatal(err)
		}
		var ended assist.CallEnded
		f.desks.wait(t, agent.AgentChannel("a1"), "call.ended", &ended, nil)
		if ended.By != "transfer" || ended.Summary == "" {
			t.Errorf("call.ended %+v", ended)
		}
		var offer assist.OfferView
		f.desks.wait(t, agent.AgentChannel("a2"), "offer", &offer, nil)
		conn, err := f.svc.Accept("a2", offer.OfferID)
		if err != nil {
			t.Fatal(err)
		}
		app, _ := f.svc.MediaApp(strings.TrimPrefix(conn.MediaURL, "/whip/"))
		bo := newPhone(t, "a2", 1500)
		go func() { _ = app.Serve(ctx, bo.leg) }()
		bo.hears(t, 440, true)
		caller.hears(t, 1500, true)
		// Ana wraps up.
		if _, err := f.svc.Wrapup(ctx, "a1", assist.WrapupCommand{CallID: callID, Disposition: "nope"}); !errors.Is(err, agent.ErrBadRequest) {
			t.Errorf("unknown disposition: %v", err)
		}
		st, err := f.svc.Wrapup(ctx, "a1", assist.WrapupCommand{CallID: callID, Disposition: "escalated", Notes: "sent to Bo", Summary: "edited"})
		if err != nil || st.State != "available" {
			t.Fatalf("wrap-up: %+v %v", st, err)
		}
		// Bo hangs up: the call ends.
		if err := f.svc.Hangup("a2", callID); err != nil {
			t.Fatal(err)
		}
	})
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call did not end")
	}
	// What the store kept.
	ses, err := f.st.Session(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if ses.AgentID != "a2" || ses.CallEndedAt.IsZero() {
		t.Errorf("session %+v", ses)
	}
	ws, _ := f.st.Wrapups(ctx, "s1")
	if len(ws) != 1 || ws[0].AgentID != "a1" || ws[0].Summary != "edited" || ws[0].Disposition != "escalated" {
		t.Errorf("wrap-ups %+v", ws)
	}
	turns, _ := f.st.Turns(ctx, "s1")
	var callerTurns int
	for _, tn := range turns {
		if tn.Speaker == "caller" && tn.Text == "my card was charged twice" && tn.SentimentLabel == "negative" && tn.Timings["offset"] > 0 {
			callerTurns++
		}
	}
	if callerTurns == 0 {
		t.Errorf("no caller turn stored with sentiment and offset: %+v", turns)
	}
	var holds int
	for _, tn := range turns {
		if tn.Action == agent.HoldAction && tn.Timings["duration"] > 0 {
			holds++
		}
	}
	if holds != 1 {
		t.Errorf("%d holds stored, want 1", holds)
	}
}

func TestCallbackRequest(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	caller := newPhone(t, "leg-cb", 440)
	served := make(chan error, 1)
	go func() {
		served <- f.svc.Serve(ctx, agent.Caller{Leg: caller.leg, Queue: "cards", CallerID: "+15550123"})
	}()
	// Nobody is available; the caller presses 1.
	time.Sleep(300 * time.Millisecond)
	_ = caller.far.SendDTMF('1', 100*time.Millisecond)
	select {
	case err := <-served:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the caller was not let go after asking for a callback")
	}
	cbs, err := f.st.Callbacks(ctx, store.CallbackPending)
	if err != nil || len(cbs) != 1 || cbs[0].CallerID != "+15550123" || cbs[0].Queue != "cards" {
		t.Fatalf("callbacks %+v %v", cbs, err)
	}
}

func TestCallerHangsUpWhileWaiting(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	caller := newPhone(t, "leg-gone", 440)
	served := make(chan error, 1)
	go func() { served <- f.svc.Serve(ctx, agent.Caller{Leg: caller.leg, Queue: "cards"}) }()
	time.Sleep(200 * time.Millisecond)
	_ = caller.far.Hangup(ctx)
	select {
	case <-served:
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	snap := f.router.Snapshot()
	if snap.Queues[0].Waiting != 0 || snap.Queues[0].Abandoned != 1 {
		t.Errorf("queue after the hang-up: %+v", snap.Queues[0])
	}
}

// TestSIPPhoneAnswers: an agent whose endpoint is a SIP phone is rung for
// the offer; answering takes the call and bridges it (a phone that
// declines gets the call offered to the next agent).
func TestSIPPhoneAnswers(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.svc.PutAgent(ctx, acd.Agent{ID: "a1", Name: "Ana", Endpoint: "sip:ana@switchboard"}); err != nil {
		t.Fatal(err)
	}
	desk := newPhone(t, "a1-phone", 1000)
	rang := make(chan string, 4)
	f.svc.SetPhones(func(ctx context.Context, endpoint string) (media.Leg, error) {
		rang <- endpoint
		select {
		case <-time.After(300 * time.Millisecond): // it rings, then the agent picks up
			return desk.leg, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})
	caller := newPhone(t, "leg-phone", 440)
	go func() { _ = f.svc.Serve(ctx, agent.Caller{Leg: caller.leg, Queue: "cards", CallerID: "+15550111"}) }()
	if _, err := f.svc.SetState("a1", "available", ""); err != nil {
		t.Fatal(err)
	}
	select {
	case ep := <-rang:
		if ep != "sip:ana@switchboard" {
			t.Errorf("rang %q", ep)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the agent's phone did not ring")
	}
	var conn assist.Connect
	f.desks.wait(t, agent.AgentChannel("a1"), "call.connect", &conn, nil)
	if !conn.Phone {
		t.Errorf("connect %+v", conn)
	}
	desk.hears(t, 440, true)
	caller.hears(t, 1000, true)
	st, _ := f.router.AgentStatus("a1")
	if st.State != acd.OnCall {
		t.Errorf("agent state %s", st.State)
	}
}

// TestBadInput: unknown agents, double accepts and busy targets get
// errors that name the problem.
func TestBadInput(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.SetState("ghost", "available", ""); !errors.Is(err, acd.ErrUnknownAgent) {
		t.Errorf("unknown agent: %v", err)
	}
	if _, err := f.svc.SetState("a1", "sleeping", ""); !errors.Is(err, acd.ErrInvalidState) {
		t.Errorf("unknown state: %v", err)
	}
	caller := newPhone(t, "leg-bad", 440)
	go func() { _ = f.svc.Serve(ctx, agent.Caller{Leg: caller.leg, Queue: "cards"}) }()
	if _, err := f.svc.SetState("a1", "available", ""); err != nil {
		t.Fatal(err)
	}
	var offer assist.OfferView
	f.desks.wait(t, agent.AgentChannel("a1"), "offer", &offer, nil)
	if _, err := f.svc.Accept("a1", offer.OfferID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Accept("a1", offer.OfferID); err == nil || agent.StatusOf(err) != 409 && agent.StatusOf(err) != 404 {
		t.Errorf("double accept: %v (status %d)", err, agent.StatusOf(err))
	}
	if _, err := f.svc.Command(ctx, "a1", assist.Command{Type: "accept", Data: json.RawMessage(`{}`)}); !errors.Is(err, agent.ErrBadRequest) {
		t.Errorf("accept without offer: %v", err)
	}
	if _, err := f.svc.Command(ctx, "a1", assist.Command{Type: "fly"}); !errors.Is(err, assist.ErrCommand) {
		t.Errorf("unknown command: %v", err)
	}
	if _, err := f.svc.Command(ctx, "a1", assist.Command{Type: "hold", Data: json.RawMessage(`not json`)}); !errors.Is(err, agent.ErrBadRequest) {
		t.Errorf("malformed data: %v", err)
	}
}

// TestLookupVIPFirst: the caller lookup marks one caller VIP; with a VIP
// priority rule on the queue the VIP, who came second, is offered first,
// and the desktop sees the customer's attributes and open tickets.
func TestLookupVIPFirst(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if err := f.svc.PutQueue(ctx, acd.Queue{ID: "cards", Callback: true, Priority: []acd.PriorityRule{{Attribute: "vip", Equals: "true", Boost: 10}}}); err != nil {
		t.Fatal(err)
	}
	f.svc.Close()
	svc, err := agent.New(agent.Config{Router: agent.Local(f.router), Events: f.router, Store: f.st, Publisher: f.desks, Speech: speech{},
		Lookup: func(ctx context.Context, callerID string) (agent.CustomerInfo, error) {
			if callerID == "+15550199" {
				return agent.CustomerInfo{Attributes: map[string]string{"vip": "true", "name": "Jane Doe"},
					Tickets: []assist.Ticket{{ID: "T-1042", Title: "Disputed card payment", Status: "open"}}}, nil
			}
			return agent.CustomerInfo{}, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	plain, vip := newPhone(t, "leg-plain", 440), newPhone(t, "leg-vip", 440)
	go func() { _ = svc.Serve(ctx, agent.Caller{Leg: plain.leg, Queue: "cards", CallerID: "+15550100"}) }()
	time.Sleep(300 * time.Millisecond)
	go func() { _ = svc.Serve(ctx, agent.Caller{Leg: vip.leg, Queue: "cards", CallerID: "+15550199"}) }()
	time.Sleep(300 * time.Millisecond)
	if _, err := svc.SetState("a1", "available", ""); err != nil {
		t.Fatal(err)
	}
	var offer assist.OfferView
	f.desks.wait(t, agent.AgentChannel("a1"), "offer", &offer, nil)
	if offer.Customer.CallerID != "+15550199" || offer.Customer.Attributes["name"] != "Jane Doe" {
		t.Fatalf("first offer is for %+v, want the VIP", offer.Customer)
	}
	if len(offer.Customer.Tickets) != 1 || offer.Customer.Tickets[0].ID != "T-1042" {
		t.Errorf("tickets %+v", offer.Customer.Tickets)
	}
}

// TestReconnectAudio: an agent whose page reloads mid-call gets a media
// URL in the resync; the audio sent there replaces the old leg.
func TestReconnectAudio(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	caller := newPhone(t, "leg-re", 440)
	go func() { _ = f.svc.Serve(ctx, agent.Caller{Leg: caller.leg, Queue: "cards"}) }()
	first, callID := f.answer(t, "a1", 1000)
	caller.hears(t, 1000, true)
	d, err := f.svc.DeskState("a1")
	if err != nil || len(d.Calls) != 1 || d.Calls[0].CallID != callID || d.Calls[0].MediaURL == "" {
		t.Fatalf("resync %+v %v", d.Calls, err)
	}
	app, ok := f.svc.MediaApp(strings.TrimPrefix(d.Calls[0].MediaURL, "/whip/"))
	if !ok {
		t.Fatal("the reconnect URL is not routed")
	}
	again := newPhone(t, "a1-again", 1500)
	go func() { _ = app.Serve(ctx, again.leg) }()
	caller.hears(t, 1500, true)
	caller.hears(t, 1000, false)
	again.hears(t, 440, true)
	select {
	case <-first.leg.Done():
	case <-time.After(5 * time.Second):
		t.Error("the old audio leg was not let go")
	}
	if st, _ := f.router.AgentStatus("a1"); st.State != acd.OnCall {
		t.Errorf("agent %s after reconnecting", st.State)
	}
}
