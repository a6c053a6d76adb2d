// Package store is Switchboard's persistence: bots with their drafts and
// published versions, sessions (conversations with callers) and their
// turns, the contact centre around human calls (ContactStore) and quality
// assurance (QAStore). Everything else talks to the Store interface, or to
// the smaller ContactStore and QAStore; two backends implement it:
//
//   - store/sqlite: one file, pure Go, for a single node and for tests
//     (":memory:" works too).
//   - store/postgres: PostgreSQL, for several nodes sharing one database.
//
// Pick one by name, as a config file would, with store/open:
//
//	st, err := open.Open(ctx, "sqlite", "/var/lib/switchboard/switchboard.db")
//	if err != nil {
//		return err
//	}
//	defer st.Close()
//
// Opening applies the schema migrations embedded in the binary
// (store/migrations), each in its own transaction, recorded in the
// schema_migrations table; both backends also export Migrate.
//
// # Bots
//
// An operator edits a draft (SaveDraft), then Publish freezes it as the
// next version (1, 2, 3... without gaps, even with concurrent publishers)
// and makes it active. Activate switches back to an older version, which is
// how a rollback is done; Bot reports both the active and the latest
// version:
//
//	st.SaveDraft(ctx, "billing", draftJSON)
//	v, err := st.Publish(ctx, "billing", draftJSON, "new greeting")
//	...
//	st.Activate(ctx, "billing", v-1) // roll back
//
// # Sessions and turns
//
// A voicebot creates a session when a call starts, appends turns as the
// conversation goes, and ends it with an outcome:
//
//	st.CreateSession(ctx, store.Session{ID: callID, Bot: "billing", BotVersion: v, Channel: "sip"})
//	turns, err := st.AppendTurns(ctx, callID, callerTurn, botTurn) // Seq assigned: n+1, n+2
//	st.EndSession(ctx, callID, store.OutcomeHandedOff, "billing-l2", "asked for a human", time.Time{})
//
// AppendTurns is all or nothing and numbers the turns atomically, so
// concurrent appenders to one session never get the same Seq. Sessions
// lists sessions newest first, filtered by bot, start time and outcome.
//
// # Contact centre
//
// Agents and queues are JSON definitions kept by ID (PutAgent, PutQueue).
// When a handed-off call is answered, AssignAgent records the agent and the
// queue on the session (again on a transfer), and EndCall when the call
// ends, which may be long after the bot's part (EndSession). Agents' state
// changes (AppendAgentEvent), their wrap-ups (one per session and agent;
// saving again replaces it), their judgements of live-assist suggestions
// (AddFeedback) and supervisors' actions (AppendAudit) are kept as they
// come. A caller who would rather be called back leaves a pending Callback,
// later done or cancelled, once.
//
// # Quality assurance
//
// Scorecards are versioned like bots: SaveScorecardDraft, PublishScorecard
// (gapless versions), ActivateScorecard to roll back. A session's
// evaluation against a scorecard is one QAResult (a rescore replaces it);
// reviewers' answers are QAOverrides, added beside it, the newest counting.
// Real-time alerts are kept by ID (SaveAlert). QA writes what it finds in
// this order:
//
//	st.SetTurnSentiment(ctx, id, seq, -0.6, "negative") // each scored turn
//	st.SaveQAResult(ctx, store.QAResult{SessionID: id, Scorecard: "compliance", Version: v, Score: 85, Result: answers})
//	st.SetSessionSummary(ctx, id, store.SessionSummary{Sentiment: &overall, Score: &score})
//
// SaveQAResult does not touch the session: SetSessionSummary sets the
// caller's overall sentiment and the score of the active scorecard, which
// the session lists and the QA console filter and sort on (a nil field is
// left as it is). Turns scored as they are spoken carry Sentiment and
// SentimentLabel in AppendTurns directly.
//
// SearchSessions is the QA console's query: any combination of a time
// range, bot, queue (handoff or assigned), agent, outcome, score and
// sentiment ranges, an alert kind (AnyAlert for any) and a text the
// caller, bot or agent said (case-insensitive), sorted by start, score,
// sentiment or duration, one page at a time with the number of matches:
//
//	page, err := st.SearchSessions(ctx, store.SessionQuery{
//		Since: monday, Queue: "billing", MaxScore: &sixty, AlertKind: store.AnyAlert,
//		Sort: "score", Limit: 50,
//	})
//
// # Values
//
// Times are stored in UTC with microsecond precision (PostgreSQL's) and
// come back in UTC; a zero time given to a write means "now". JSON values
// (drafts, definitions, entities) must be valid JSON and come back with the
// same meaning, though PostgreSQL may change their spacing and key order.
//
// # Errors
//
// Every error names the operation ("store: append turns to session 42:
// ...") and wraps one of the sentinels, to be checked with errors.Is:
// ErrNotFound, ErrConflict (a session or callback ID used twice, ending a
// session or its call twice, a callback no longer pending), ErrInvalid
// (empty ID, unknown outcome or state, version <= 0, bad JSON, a score or
// sentiment out of range, an unknown sort key) and ErrUnavailable (the database cannot be reached, or the store is
// closed). Map them to HTTP or SIP status codes at the edge.
//
// # Conformance
//
// store/storetest is the suite both backends pass; a new backend passes it
// too. The PostgreSQL half needs a server: scripts/postgres.sh start
// prints the DSN to put in SWITCHBOARD_TEST_POSTGRES_DSN.
package store
