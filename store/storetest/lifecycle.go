package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/store"
)

var lifecycleTests = []test{
	{"Ping", testPing},
	{"Canceled", testCanceled},
	{"Closed", testClosed},
}

func testPing(t *testing.T, st store.Store) {
	must(t, st.Ping(ctxT(t)))
}

func testCanceled(t *testing.T, st store.Store) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := st.Bots(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Bots with a canceled context: %v", err)
	}
	err = st.SaveDraft(ctx, "b", json.RawMessage(`{}`))
	if !errors.Is(err, context.Canceled) {
		t.Errorf("SaveDraft with a canceled context: %v", err)
	}
	if _, err := st.Bot(context.Background(), "b"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a canceled SaveDraft stored the bot: %v", err)
	}
}

func testClosed(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	_, err := st.Publish(ctx, "b", json.RawMessage(`{}`), "")
	must(t, err)
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b"}))
	must(t, st.Close())
	must(t, st.Close())
	raw := json.RawMessage(`{}`)
	calls := map[string]func() error{
		"SaveDraft": func() error { return st.SaveDraft(ctx, "b", raw) },
		"Bot":       func() error { _, err := st.Bot(ctx, "b"); return err },
		"Bots":      func() error { _, err := st.Bots(ctx); return err },
		"Publish":   func() error { _, err := st.Publish(ctx, "b", raw, ""); return err },
		"Version":   func() error { _, err := st.Version(ctx, "b", 1); return err },
		"Versions":  func() error { _, err := st.Versions(ctx, "b"); return err },
		"Activate":  func() error { return st.Activate(ctx, "b", 1) },
		"CreateSession": func() error {
			return st.CreateSession(ctx, store.Session{ID: "s2", Bot: "b"})
		},
		"Session":  func() error { _, err := st.Session(ctx, "s"); return err },
		"Sessions": func() error { _, err := st.Sessions(ctx, store.SessionFilter{}); return err },
		"AppendTurns": func() error {
			_, err := st.AppendTurns(ctx, "s", store.Turn{Speaker: "caller"})
			return err
		},
		"AppendNoTurns": func() error { _, err := st.AppendTurns(ctx, "s"); return err },
		"Turns":         func() error { _, err := st.Turns(ctx, "s"); return err },
		"EndSession": func() error {
			return st.EndSession(ctx, "s", store.OutcomeResolved, "", "", time.Time{})
		},
		"Ping": func() error { return st.Ping(ctx) },
	}
	for name, call := range calls {
		wantErr(t, name+" after Close", call(), store.ErrUnavailable)
	}
}

// RunDurable checks that what one store wrote is there after it is closed
// and the same database is opened again. open and reopen must open the
// same database.
func RunDurable(t *testing.T, open, reopen func(t *testing.T) store.Store) {
	ctx := ctxT(t)
	st := open(t)
	def := json.RawMessage(`{"greeting":"你好"}`)
	_, err := st.Publish(ctx, "b", def, "v1")
	must(t, err)
	_, err = st.Publish(ctx, "b", def, "v2")
	must(t, err)
	must(t, st.Activate(ctx, "b", 1))
	must(t, st.CreateSession(ctx, store.Session{ID: "s", Bot: "b", BotVersion: 1, StartedAt: t0}))
	in, err := st.AppendTurns(ctx, "s",
		store.Turn{Speaker: "caller", Text: "hello", Entities: json.RawMessage(`{"n":1}`)},
		store.Turn{Speaker: "bot", Text: "hi", Timings: map[string]int64{"nlu": 5}})
	must(t, err)
	must(t, st.EndSession(ctx, "s", store.OutcomeResolved, "", "", t0.Add(time.Minute)))
	must(t, st.Close())
	_, err = st.Bot(ctx, "b")
	wantErr(t, "Bot after Close", err, store.ErrUnavailable)

	st = reopen(t)
	defer st.Close()
	b, err := st.Bot(ctx, "b")
	must(t, err)
	if b.ActiveVersion != 1 || b.LatestVersion != 2 {
		t.Errorf("bot after reopen = %+v", b)
	}
	ses, err := st.Session(ctx, "s")
	must(t, err)
	if ses.Outcome != store.OutcomeResolved || !ses.StartedAt.Equal(stored(t0)) {
		t.Errorf("session after reopen = %+v", ses)
	}
	turns, err := st.Turns(ctx, "s")
	must(t, err)
	sameTurns(t, "turns after reopen", turns, in)
	more, err := st.AppendTurns(ctx, "s", store.Turn{Speaker: "agent", Text: "late"})
	must(t, err)
	if more[0].Seq != 3 {
		t.Errorf("append after reopen got seq %d, want 3", more[0].Seq)
	}
}
