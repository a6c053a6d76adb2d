package conversation

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/nlu/dialog"
	"github.com/switchboard-voice/switchboard/prompts"
	"github.com/switchboard-voice/switchboard/qa/redact"
	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/sqlite"
)

const bot = `
name: mini
languages: [en]
greeting: Hi there.
fallback: Say again?
handoff: {queue: general, phrases: [agent]}
intents:
  - name: hours
    examples: [when are you open, opening hours, what time do you close, hours please]
    answer: Nine to five.
  - name: bye
    examples: [goodbye, bye, that is all, thanks bye]
    flow: bye
flows:
  - name: bye
    steps: [{id: end, kind: end, say: Bye now.}]
`

// flaky wraps a store and fails every call while down is set, as a
// database that went away would.
type flaky struct {
	store.Store
	down atomic.Bool
}

func (f *flaky) err() error {
	if f.down.Load() {
		return store.ErrUnavailable
	}
	return nil
}

func (f *flaky) CreateSession(ctx context.Context, s store.Session) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Store.CreateSession(ctx, s)
}

func (f *flaky) AppendTurns(ctx context.Context, id string, t ...store.Turn) ([]store.Turn, error) {
	if err := f.err(); err != nil {
		return nil, err
	}
	return f.Store.AppendTurns(ctx, id, t...)
}

func (f *flaky) EndSession(ctx context.Context, id string, o store.Outcome, q, r string, at time.Time) error {
	if err := f.err(); err != nil {
		return err
	}
	return f.Store.EndSession(ctx, id, o, q, r, at)
}

func (f *flaky) Bot(ctx context.Context, name string) (store.Bot, error) {
	if err := f.err(); err != nil {
		return store.Bot{}, err
	}
	return f.Store.Bot(ctx, name)
}

func setup(t *testing.T) (*Registry, *Manager, *flaky) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	fl := &flaky{Store: st}
	reg := NewRegistry(fl, nil)
	b, err := prompts.Parse("mini.yaml", []byte(bot))
	if err != nil {
		t.Fatal(err)
	}
	if err := reg.SetDraft(ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.Publish(ctx, "mini", "v1"); err != nil {
		t.Fatal(err)
	}
	return reg, New(reg, fl, nil), fl
}

func TestDatabaseGoesAway(t *testing.T) {
	ctx := context.Background()
	_, m, fl := setup(t)
	t1, err := m.Start(ctx, "mini", dialog.Info{CallerID: "+1"})
	if err != nil || !t1.Stored {
		t.Fatalf("start: %v %+v", err, t1)
	}
	id := t1.SessionID
	fl.down.Store(true)
	t2, err := m.Say(ctx, id, "when are you open")
	if err != nil {
		t.Fatal(err)
	}
	if t2.Stored || t2.Reply.Text() != "Nine to five." {
		t.Fatalf("turn while down: %+v", t2)
	}
	// A new session while the database is away still gets served.
	t3, err := m.Start(ctx, "mini", dialog.Info{})
	if err != nil || t3.Stored {
		t.Fatalf("start while down: %v %+v", err, t3)
	}
	fl.down.Store(false)
	t4, err := m.Say(ctx, id, "goodbye")
	if err != nil || !t4.Stored || !t4.Done || t4.Outcome != "resolved" {
		t.Fatalf("turn after recovery: %v %+v", err, t4)
	}
	turns, err := fl.Turns(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"bot", "caller", "bot", "caller", "bot"}
	if len(turns) != len(want) {
		t.Fatalf("stored %d turns, want %d", len(turns), len(want))
	}
	for i, tr := range turns {
		if tr.Speaker != want[i] || tr.Seq != i+1 {
			t.Errorf("turn %d: %+v", i, tr)
		}
	}
	if turns[3].Intent != "bye" || turns[2].Text != "Nine to five." {
		t.Errorf("turns %+v", turns)
	}
	s, err := fl.Session(ctx, id)
	if err != nil || s.Outcome != store.OutcomeResolved || s.BotVersion != 1 {
		t.Fatalf("session %+v %v", s, err)
	}
	// The session started while down is written by Flush.
	if left := m.Flush(ctx); left != 0 {
		t.Fatalf("%d sessions left unwritten", left)
	}
	if _, err := fl.Session(ctx, t3.SessionID); err != nil {
		t.Fatalf("session started while down: %v", err)
	}
	if _, live := m.Live(id); live {
		t.Error("ended session still live")
	}
}

func TestHandoffRecorded(t *testing.T) {
	ctx := context.Background()
	_, m, fl := setup(t)
	t1, _ := m.Start(ctx, "mini", dialog.Info{})
	t2, err := m.Say(ctx, t1.SessionID, "agent please")
	if err != nil || !t2.Done || t2.Outcome != "handed_off" {
		t.Fatalf("%v %+v", err, t2)
	}
	s, _ := fl.Session(ctx, t1.SessionID)
	if s.HandoffQueue != "general" || s.HandoffReason == "" || s.Outcome != store.OutcomeHandedOff {
		t.Fatalf("session %+v", s)
	}
	turns, _ := fl.Turns(ctx, t1.SessionID)
	last := turns[len(turns)-1]
	var ents map[string]any
	json.Unmarshal(last.Entities, &ents)
	if last.Action != "handoff" || ents["actions"] == nil {
		t.Fatalf("last turn %+v", last)
	}
	if _, err := m.Say(ctx, t1.SessionID, "hello?"); !errors.Is(err, ErrNoSession) {
		t.Fatalf("after handoff: %v", err)
	}
}

func TestConcurrentSessions(t *testing.T) {
	ctx := context.Background()
	_, m, fl := setup(t)
	var wg sync.WaitGroup
	ids := make([]string, 16)
	for i := range ids {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			t1, err := m.Start(ctx, "mini", dialog.Info{})
			if err != nil {
				t.Error(err)
				return
			}
			ids[i] = t1.SessionID
			for j := 0; j < 3; j++ {
				if _, err := m.Say(ctx, t1.SessionID, "opening hours"); err != nil {
					t.Error(err)
				}
			}
			if err := m.Hangup(ctx, t1.SessionID); err != nil {
				t.Error(err)
			}
		}(i)
	}
	wg.Wait()
	for _, id := range ids {
		turns, err := fl.Turns(ctx, id)
		if err != nil || len(turns) != 7 {
			t.Fatalf("%s: %d turns, %v", id, len(turns), err)
		}
		s, _ := fl.Session(ctx, id)
		if s.Outcome != store.OutcomeAbandoned {
			t.Fatalf("outcome %q", s.Outcome)
		}
	}
	if m.Count() != 0 {
		t.Fatalf("%d sessions still live", m.Count())
	}
}

func TestRegistryServesCachedEngineWhenStoreDown(t *testing.T) {
	ctx := context.Background()
	reg, _, fl := setup(t)
	e1, err := reg.Engine(ctx, "mini")
	if err != nil || e1.Version() != 1 {
		t.Fatalf("%v %v", e1, err)
	}
	fl.down.Store(true)
	e2, err := reg.Engine(ctx, "mini")
	if err != nil || e2 != e1 {
		t.Fatalf("while down: %v %v", e2, err)
	}
	fl.down.Store(false)
	if _, err := reg.Engine(ctx, "nope"); !errors.Is(err, ErrNoBot) {
		t.Fatalf("unknown bot: %v", err)
	}
	// PublishIfChanged does nothing when the draft equals the active version.
	v, changed, err := reg.PublishIfChanged(ctx, "mini")
	if err != nil || changed || v != 1 {
		t.Fatalf("PublishIfChanged = %d %v %v", v, changed, err)
	}
}

func TestOnActivate(t *testing.T) {
	ctx := context.Background()
	reg, _, _ := setup(t)
	got := make(chan [2]any, 4)
	reg.OnActivate(func(bot string, v int) { got <- [2]any{bot, v} })
	if _, err := reg.Publish(ctx, "mini", "v2"); err != nil {
		t.Fatal(err)
	}
	if err := reg.Rollback(ctx, "mini", 1); err != nil {
		t.Fatal(err)
	}
	want := map[[2]any]bool{{"mini", 2}: true, {"mini", 1}: true}
	for range 2 {
		select {
		case g := <-got:
			if !want[g] {
				t.Errorf("activated %v", g)
			}
			delete(want, g)
		case <-time.After(2 * time.Second):
			t.Fatalf("not told of %v", want)
		}
	}
}

// TestRedactedAndScored: with a redactor, no card number reaches the
// store (text or entities); with a sentiment scorer, caller turns carry
// their score.
func TestRedactedAndScored(t *testing.T) {
	ctx := context.Background()
	_, m, fl := setup(t)
	red, err := redact.New()
	if err != nil {
		t.Fatal(err)
	}
	m.Redactor = red
	m.Sentiment = func(text, lang string) (float64, string, bool) { return -0.5, "negative", true }
	t1, _ := m.Start(ctx, "mini", dialog.Info{})
	if _, err := m.Say(ctx, t1.SessionID, "my card 4111 1111 1111 1111 was charged twice"); err != nil {
		t.Fatal(err)
	}
	turns, _ := fl.Turns(ctx, t1.SessionID)
	raw, _ := json.Marshal(turns)
	if strings.Contains(string(raw), "4111 1111 1111 1111") || strings.Contains(string(raw), "4111111111111111") {
		t.Fatalf("a card number was stored: %s", raw)
	}
	var caller *store.Turn
	for i := range turns {
		if turns[i].Speaker == "caller" {
			caller = &turns[i]
		}
	}
	if caller == nil || !strings.Contains(caller.Text, "1111") || caller.SentimentLabel != "negative" {
		t.Fatalf("caller turn %+v", caller)
	}
}
