package agent_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/switchboard-voice/switchboard/agent"
	"github.com/switchboard-voice/switchboard/asr"
	"github.com/switchboard-voice/switchboard/asr/asrtest"
	"github.com/switchboard-voice/switchboard/assist"
	"github.com/switchboard-voice/switchboard/events"
	natsbus "github.com/switchboard-voice/switchboard/events/nats"
	"github.com/switchboard-voice/switchboard/nlu/dialog"
	"github.com/switchboard-voice/switchboard/prompts"
	"github.com/switchboard-voice/switchboard/tts"
	"github.com/switchboard-voice/switchboard/voicebot/voicebottest"
)

// callerLines are what the caller says to the agent, one per utterance.
var callerLines = []string{
	"my card was stolen yesterday", "I was charged twice for the same thing", "my transfer has not arrived yet",
	"how do I top up with a bank transfer", "the cash machine kept my card", "I want to change my pin",
	"there is a payment I do not recognise", "my top up failed", "what is the exchange rate for euros",
	"my new card still has not arrived", "can I get a refund for this", "why was I charged a fee",
}

type lineSpeech struct {
	mu sync.Mutex
	n  int
}

func (s *lineSpeech) Recognizer(context.Context, string, int, string) (asr.Recognizer, error) {
	return &asrtest.Fake{Respond: func(asr.Config, []int16) asr.Result {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.n++
		return asr.Result{Text: callerLines[s.n%len(callerLines)], Final: true}
	}}, nil
}
func (s *lineSpeech) Synthesizer(context.Context, string, string) (tts.Synthesizer, error) {
	return voicebottest.ToneTTS{}, nil
}

// TestSuggestionLatency measures, over the banking bot's knowledge and
// flows, the time from a caller utterance's final transcript to the
// suggestions reaching the agent's desktop: the assistant, the events bus
// (embedded NATS) and the desktop's websocket. A benchmark, run with
// SWITCHBOARD_BENCH_ASSIST=1 (figures in docs/benchmarks.md).
func TestSuggestionLatency(t *testing.T) {
	if os.Getenv("SWITCHBOARD_BENCH_ASSIST") != "1" {
		t.Skip("benchmark: set SWITCHBOARD_BENCH_ASSIST=1")
	}
	bot, err := prompts.Load("../bots/banking")
	if err != nil {
		t.Skipf("banking bot: %v", err)
	}
	eng, err := dialog.New(bot)
	if err != nil {
		t.Fatal(err)
	}
	a := assist.NewAssistant(func(context.Context, string) (*dialog.Engine, error) { return eng, nil })
	if err := a.Prepare(context.Background(), "banking"); err != nil {
		t.Fatal(err)
	}
	bus, err := natsbus.Open(context.Background(), natsbus.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer bus.Close()
	hub := assist.NewHub()
	sub, _ := bus.Subscribe("desk.>", func(m events.Msg) {
		var d struct {
			T string          `json:"t"`
			D json.RawMessage `json:"d"`
		}
		if json.Unmarshal(m.Data, &d) == nil {
			_, _ = hub.Publish(strings.TrimPrefix(m.Subject, "desk."), d.T, d.D)
		}
	})
	defer sub.Unsubscribe()
	pub := agent.PublisherFunc(func(ch, typ string, data any) {
		raw, _ := json.Marshal(data)
		msg, _ := json.Marshal(map[string]any{"t": typ, "d": json.RawMessage(raw)})
		_ = bus.Publish("desk."+ch, msg)
	})
	f := newFixture(t)
	f.svc.Close()
	svc, err := agent.New(agent.Config{Router: agent.Local(f.router), Events: f.router, Store: f.st, Publisher: pub,
		Speech: &lineSpeech{}, Suggester: a, Bus: bus})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hub.Serve(w, r, agent.AgentChannel("a1"), nil, func(ctx context.Context, c assist.Command) (any, error) { return svc.Command(ctx, "a1", c) })
	}))
	defer srv.Close()
	ws, _, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(srv.URL, "http"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Close()

	caller := newPhone(t, "leg-bench", 440)
	go func() {
		_ = svc.Serve(context.Background(), agent.Caller{Leg: caller.leg, Queue: "cards", Bot: "banking"})
	}()
	if _, err := svc.SetState("a1", "available", ""); err != nil {
		t.Fatal(err)
	}
	var lat []time.Duration
	finals := map[int]time.Time{}
	deadline := time.Now().Add(3 * time.Minute)
	for len(lat) < 15 && time.Now().Before(deadline) {
		var m struct {
			Type string          `json:"type"`
			ID   string          `json:"id"`
			Data json.RawMessage `json:"data"`
		}
		_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
		if err := ws.ReadJSON(&m); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		switch m.Type {
		case "offer":
			var o assist.OfferView
			_ = json.Unmarshal(m.Data, &o)
			_ = ws.WriteJSON(assist.Command{ID: "1", Type: "accept", Data: json.RawMessage(`{"offer_id":"` + o.OfferID + `"}`)})
		case "reply":
			var r struct {
				Data assist.Connect `json:"data"`
			}
			raw, _ := json.Marshal(m)
			_ = json.Unmarshal(raw, &r)
			if app, ok := svc.MediaApp(strings.TrimPrefix(r.Data.MediaURL, "/whip/")); ok {
				ana := newPhone(t, "a1", 1000)
				go func() { _ = app.Serve(context.Background(), ana.leg) }()
			}
		case "transcript":
			var tr assist.TranscriptEvent
			_ = json.Unmarshal(m.Data, &tr)
			if tr.Final && tr.Speaker == "caller" {
				finals[tr.Utterance] = tr.At
			}
		case "suggestions":
			var s assist.Suggestions
			_ = json.Unmarshal(m.Data, &s)
			lat = append(lat, s.Latency)
			t.Logf("%-45q → %d articles, flow %q, %v server side, %v to the desktop", s.For, len(s.Articles), s.Flow, s.Latency, now.Sub(latestFinal(finals)))
		}
	}
	if len(lat) == 0 {
		t.Fatal("no suggestions")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	t.Logf("suggestions after the final transcript, %d utterances: p50 %v p95 %v max %v",
		len(lat), lat[len(lat)/2], lat[len(lat)*95/100], lat[len(lat)-1])
}

func latestFinal(m map[int]time.Time) time.Time {
	var t time.Time
	for _, v := range m {
		if v.After(t) {
			t = v
		}
	}
	return t
}
