// Package reviewtest seeds a real SQLite store with calls for the tests of
// qa/review, web/qa and "switchboard qa": a bot and its published version,
// a call the bot resolved alone (with a card number spoken, and its stereo
// recording), a call handed off to an agent, and the sample scorecards of
// the repository's scorecards/ folder.
//
// It is for tests only: it imports testing.
package reviewtest

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/prompts"
	"github.com/switchboard-voice/switchboard/qa/redact"
	"github.com/switchboard-voice/switchboard/qa/review"
	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/sqlite"
)

// The seeded calls.
const (
	// BotCall is resolved by the bot alone; the caller says CardNumber.
	BotCall = "bot-1"
	// BotCallID is its call's ID (its recording is named after it).
	BotCallID = "call-bot-1"
	// AgentCall is handed off to agent Alice in queue billing.
	AgentCall = "agent-1"
	// CardNumber is what the caller of BotCall says (a Luhn-valid test
	// card number).
	CardNumber = "4111 1111 1111 1111"
	// CardTurn is the Seq of the turn that says it.
	CardTurn = 5
	// Bot is the bot both calls reached.
	Bot = "tinybank"
)

// Day is when the seeded calls start: 2026-03-02 09:00 UTC (the bot call)
// and ten minutes later (the agent call).
var Day = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// Fixture is a seeded store, its review service and its recording folder.
type Fixture struct {
	Store   *sqlite.Store
	Service *review.Service
	// DBPath is the SQLite file of Store.
	DBPath string
	// RecDir holds BotCall's recording, Recording.
	RecDir    string
	Recording string
	// Cards is the folder of the sample scorecards.
	Cards string
}

// BotYAML is the seeded bot: a greeting, a recorded-call disclosure, a
// payment flow asking for a card number.
const BotYAML = `
name: tinybank
languages: [en]
greeting: Hello, welcome to Tiny Bank.
fallback: Sorry, I did not get that.
goodbye: Thank you for calling. Goodbye!
handoff: {queue: billing, phrases: [agent], message: Let me put you through to a colleague who can help.}
intents:
  - name: pay_bill
    examples: [I want to pay my bill, pay my bill, make a payment]
    flow: pay
  - name: complaint
    examples: [I want to make a complaint, complain about a charge]
    handoff: billing
flows:
  - name: welcome
    steps:
      - {id: disclosure_recording, kind: say, say: "This call may be recorded for quality."}
  - name: pay
    steps:
      - {id: ask_card, kind: ask, say: "Sure. What is your card number?", slot: card, type: digits, reprompt: "Please say the sixteen digits of your card."}
      - {id: done, kind: say, say: "Thank you, your payment of {{amount}} dollars is done."}
`

// Option configures New.
type Option func(*review.Config)

// WithConfig changes the review service's configuration.
func WithConfig(f func(*review.Config)) Option { return Option(f) }

// New seeds a store in a temporary folder and builds the review service
// over it (redaction on, rules only), with the sample scorecards loaded.
// The calls are stored but not scored.
func New(t testing.TB, opts ...Option) *Fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "switchboard.db")
	st, err := sqlite.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &Fixture{Store: st, DBPath: dbPath, RecDir: filepath.Join(dir, "recordings"), Cards: CardsDir()}
	if err := os.MkdirAll(f.RecDir, 0o755); err != nil {
		t.Fatal(err)
	}
	red, err := redact.New()
	if err != nil {
		t.Fatal(err)
	}
	cfg := review.Config{Store: st, Redactor: red, RecordingDir: f.RecDir, Clock: func() time.Time { return Day.Add(24 * time.Hour) }}
	for _, o := range opts {
		o(&cfg)
	}
	if f.Service, err = review.New(cfg); err != nil {
		t.Fatal(err)
	}
	b, err := prompts.Parse("tinybank.yaml", []byte(BotYAML))
	if err != nil {
		t.Fatal(err)
	}
	def, err := b.JSON()
	if err != nil {
		t.Fatal(err)
	}
	must(t, st.SaveDraft(ctx, Bot, def))
	if _, err := st.Publish(ctx, Bot, def, "test"); err != nil {
		t.Fatal(err)
	}
	seedBotCall(t, st)
	seedAgentCall(t, st)
	f.Recording = filepath.Join(f.RecDir, "20260302T090000Z-"+BotCallID+".wav")
	if err := os.WriteFile(f.Recording, StereoWAV(30*time.Second), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Service.LoadDir(ctx, f.Cards); err != nil {
		t.Fatal(err)
	}
	return f
}

// CardsDir returns the repository's scorecards/ folder.
func CardsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "scorecards")
}

// Turn is a seeded turn: who, what, where in the call (seconds), and for
// bot turns the replies it is made of.
type Turn struct {
	Speaker     string
	Text        string
	Offset, Dur float64
	Intent      string
	Action      string
	Says        []string
	Slots       map[string]string
}

// Seed stores a session and its turns (Offset and Dur become the voice
// timings; bot turns get the entities conversation stores).
func Seed(t testing.TB, st store.Store, s store.Session, turns []Turn) {
	t.Helper()
	ctx := context.Background()
	must(t, st.CreateSession(ctx, s))
	var out []store.Turn
	for _, x := range turns {
		tm := map[string]int64{"offset": int64(x.Offset * 1e6)}
		if x.Dur > 0 {
			tm["duration"] = int64(x.Dur * 1e6)
		}
		st := store.Turn{Speaker: x.Speaker, Text: x.Text, Intent: x.Intent, Action: x.Action, Timings: tm,
			At: s.StartedAt.Add(time.Duration(x.Offset * float64(time.Second)))}
		if x.Speaker == "bot" {
			says := x.Says
			if len(says) == 0 {
				says = []string{x.Text}
			}
			var acts []map[string]any
			for _, say := range says {
				acts = append(acts, map[string]any{"kind": "say", "text": say})
			}
			if st.Action == "" {
				st.Action = "say"
			}
			st.Entities, _ = json.Marshal(map[string]any{"slots": x.Slots, "actions": acts})
		}
		out = append(out, st)
	}
	if _, err := st.AppendTurns(ctx, s.ID, out...); err != nil {
		t.Fatal(err)
	}
}

// BotCallTurns are the turns of BotCall; turn 5 says the card number, turn
// 4 is a fallback.
var BotCallTurns = []Turn{
	{Speaker: "bot", Text: "Hello, welcome to Tiny Bank. This call may be recorded for quality.", Offset: 0,
		Says: []string{"Hello, welcome to Tiny Bank.", "This call may be recorded for quality."}},
	{Speaker: "caller", Text: "I'd like to pay my bill", Offset: 4, Dur: 2, Intent: "pay_bill"},
	{Speaker: "bot", Text: "Sure. What is your card number?", Offset: 6.5},
	{Speaker: "bot", Text: "Sorry, I did not get that.", Offset: 8.5},
	{Speaker: "caller", Text: "my card number is " + CardNumber, Offset: 10, Dur: 5},
	{Speaker: "bot", Text: "Thank you, your payment of 20 dollars is done.", Offset: 15.5,
		Slots: map[string]string{"card": "4111111111111111", "amount": "20"}},
	{Speaker: "caller", Text: "great, thanks, that was quick", Offset: 19, Dur: 2},
	{Speaker: "bot", Text: "Thank you for calling. Goodbye!", Offset: 22, Action: "end"},
}

func seedBotCall(t testing.TB, st store.Store) {
	ctx := context.Background()
	Seed(t, st, store.Session{ID: BotCall, Bot: Bot, BotVersion: 1, Channel: "sip", CallerID: "+8613800138000",
		Language: "en", StartedAt: Day, CallID: BotCallID}, BotCallTurns)
	must(t, st.EndSession(ctx, BotCall, store.OutcomeResolved, "", "", Day.Add(25*time.Second)))
	must(t, st.EndCall(ctx, BotCall, Day.Add(25*time.Second)))
}

// AgentCallTurns are the turns of AgentCall: the bot hands a complaint
// off; Alice greets, verifies, apologises, gives a ticket number and a
// follow-up time and says goodbye without offering more help.
var AgentCallTurns = []Turn{
	{Speaker: "bot", Text: "Hello, welcome to Tiny Bank.", Offset: 0},
	{Speaker: "caller", Text: "I want to make a complaint, I was charged twice", Offset: 3, Dur: 4, Intent: "complaint"},
	{Speaker: "bot", Text: "Let me put you through to a colleague who can help.", Offset: 7.5, Action: "handoff"},
	{Speaker: "agent", Text: "Good morning, my name is Alice, how can I help?", Offset: 15, Dur: 3},
	{Speaker: "caller", Text: "I was charged twice and nobody helps, this is terrible", Offset: 19, Dur: 4},
	{Speaker: "agent", Text: "I'm so sorry about that. Can you confirm your date of birth?", Offset: 24, Dur: 3},
	{Speaker: "caller", Text: "first of May 1980", Offset: 28, Dur: 2},
	{Speaker: "agent", Text: "Thank you. I have raised ticket number 55123, we will call you back within 2 working days.", Offset: 31, Dur: 5},
	{Speaker: "caller", Text: "ok", Offset: 37, Dur: 1},
	{Speaker: "agent", Text: "Thank you for calling, goodbye.", Offset: 39, Dur: 2},
}

func seedAgentCall(t testing.TB, st store.Store) {
	ctx := context.Background()
	start := Day.Add(10 * time.Minute)
	Seed(t, st, store.Session{ID: AgentCall, Bot: Bot, BotVersion: 1, Channel: "sip", Language: "en",
		StartedAt: start, CallID: "call-agent-1"}, AgentCallTurns)
	must(t, st.EndSession(ctx, AgentCall, store.OutcomeHandedOff, "billing", "intent complaint", start.Add(8*time.Second)))
	must(t, st.AssignAgent(ctx, AgentCall, "alice", "billing"))
	must(t, st.EndCall(ctx, AgentCall, start.Add(42*time.Second)))
	must(t, st.SaveWrapup(ctx, store.Wrapup{SessionID: AgentCall, AgentID: "alice", Disposition: "complaint",
		Notes: "refund double charge", HandleTime: 50 * time.Second, At: start.Add(time.Minute)}))
}

// StereoWAV returns a 16-bit stereo 8 kHz WAV file lasting d: a 300 Hz
// tone on the left (caller) channel and 500 Hz on the right, never zero.
func StereoWAV(d time.Duration) []byte {
	const rate = 8000
	n := int(d.Seconds() * rate)
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + n*4))
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1))
	w(uint16(2))
	w(uint32(rate))
	w(uint32(rate * 4))
	w(uint16(4))
	w(uint16(16))
	b.WriteString("data")
	w(uint32(n * 4))
	for i := range n {
		l := 8000*math.Sin(2*math.Pi*300*float64(i)/rate) + 9000
		r := 8000*math.Sin(2*math.Pi*500*float64(i)/rate) - 9000
		w(int16(l))
		w(int16(r))
	}
	return b.Bytes()
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
