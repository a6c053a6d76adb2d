package storetest

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/store"
)

// V2Rows is SQL that fills a database at schema version 2 (before the
// contact-centre and QA tables) as a release of that time would have: a
// published bot, a handed-off session with two turns and an open one. It
// is the same for both dialects.
const V2Rows = `
INSERT INTO bots (name, draft, active_version, latest_version, updated_at)
VALUES ('billing', '{"greeting":"您好"}', 1, 1, '2025-03-01T09:00:00.123456Z');
INSERT INTO bot_versions (bot, version, definition, note, published_at)
VALUES ('billing', 1, '{"greeting":"您好"}', 'first', '2025-03-01T09:00:00.123456Z');
INSERT INTO sessions (id, bot, bot_version, channel, caller_id, language, started_at, ended_at, outcome,
	handoff_queue, handoff_reason, last_seq, call_id)
VALUES ('old-1', 'billing', 1, 'sip', '+8613800138000', 'zh', '2025-03-01T09:00:00.123456Z',
	'2025-03-01T09:02:00.000000Z', 'handed_off', 'billing-l2', 'asked for a human', 2, 'a84b4c76e66710@pbx'),
	('old-2', 'billing', 1, 'text', '', 'en', '2025-03-01T09:05:00.000000Z', NULL, '', '', '', 0, '');
INSERT INTO turns (session_id, seq, speaker, text, intent, confidence, entities, action, flow, step, timings, at)
VALUES ('old-1', 1, 'caller', '我要转人工', 'handoff', 0.5, '{"x":1}', '', '', '', '{"asr":900}',
	'2025-03-01T09:00:10.000000Z'),
	('old-1', 2, 'bot', 'One moment.', '', 0, NULL, 'handoff', 'main', 'transfer', NULL,
	'2025-03-01T09:00:11.000000Z');
`

// CheckV2Rows checks a store whose database held V2Rows at schema version
// 2 and has been migrated: the old rows read back with the new fields
// empty, and take the new writes.
func CheckV2Rows(t *testing.T, st store.Store) {
	ctx := ctxT(t)
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		must(t, err)
		return v
	}
	old1, err := st.Session(ctx, "old-1")
	must(t, err)
	want := store.Session{ID: "old-1", Bot: "billing", BotVersion: 1, Channel: "sip", CallerID: "+8613800138000",
		Language: "zh", StartedAt: at("2025-03-01T09:00:00.123456Z"), EndedAt: at("2025-03-01T09:02:00Z"),
		Outcome: store.OutcomeHandedOff, HandoffQueue: "billing-l2", HandoffReason: "asked for a human",
		CallID: "a84b4c76e66710@pbx"}
	if !sameSession(old1, want) {
		t.Errorf("migrated session = %+v\nwant %+v", old1, want)
	}
	turns, err := st.Turns(ctx, "old-1")
	must(t, err)
	sameTurns(t, "migrated turns", turns, []store.Turn{
		{SessionID: "old-1", Seq: 1, Speaker: "caller", Text: "我要转人工", Intent: "handoff", Confidence: 0.5,
			Entities: json.RawMessage(`{"x":1}`), Timings: map[string]int64{"asr": 900}, At: at("2025-03-01T09:00:10Z")},
		{SessionID: "old-1", Seq: 2, Speaker: "bot", Text: "One moment.", Action: "handoff", Flow: "main",
			Step: "transfer", At: at("2025-03-01T09:00:11Z")},
	})
	page, err := st.SearchSessions(ctx, store.SessionQuery{})
	must(t, err)
	if page.Total != 2 || len(page.Rows) != 2 || page.Rows[0].ID != "old-2" || page.Rows[1].Turns != 2 ||
		page.Rows[1].Alerts != 0 {
		t.Errorf("search of the migrated sessions = %+v", page)
	}

	// The new writes work on the old rows.
	more, err := st.AppendTurns(ctx, "old-1", store.Turn{Speaker: "agent", Text: "您好，我是客服。",
		Sentiment: 0.5, SentimentLabel: "positive"})
	must(t, err)
	if more[0].Seq != 3 {
		t.Errorf("turn appended after the migration has seq %d, want 3", more[0].Seq)
	}
	must(t, st.SetTurnSentiment(ctx, "old-1", 1, -0.4, "negative"))
	must(t, st.AssignAgent(ctx, "old-1", "a1", "billing-l2"))
	must(t, st.EndCall(ctx, "old-1", at("2025-03-01T09:10:00Z")))
	must(t, st.SetSessionSummary(ctx, "old-1", store.SessionSummary{Sentiment: f(-0.4), Score: f(55)}))
	must(t, st.SaveQAResult(ctx, store.QAResult{SessionID: "old-1", Scorecard: "c", Version: 1, Score: 55,
		Result: json.RawMessage(`{}`)}))
	must(t, st.SaveAlert(ctx, store.Alert{ID: "al", SessionID: "old-1", Kind: "silence"}))
	search(t, st, store.SessionQuery{Agent: "a1", MaxScore: f(60), AlertKind: "silence", Text: "转人工",
		Sort: "duration"}, 1, "old-1")
	v, err := st.Publish(ctx, "billing", json.RawMessage(`{"greeting":"你好"}`), "after the migration")
	must(t, err)
	if v != 2 {
		t.Errorf("publish after the migration gave version %d, want 2", v)
	}
}
