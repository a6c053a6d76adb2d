// Package store is Switchboard's persistence: bots with their drafts and
// published versions, sessions (conversations with callers) and their
// turns. Everything else talks to the Store interface; two backends
// implement it:
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
// ErrNotFound, ErrConflict (a session ID used twice, ending a session
// twice), ErrInvalid (empty ID, unknown outcome, version <= 0, bad JSON)
// and ErrUnavailable (the database cannot be reached, or the store is
// closed). Map them to HTTP or SIP status codes at the edge.
//
// # Conformance
//
// store/storetest is the suite both backends pass; a new backend passes it
// too. The PostgreSQL half needs a server: scripts/postgres.sh start
// prints the DSN to put in SWITCHBOARD_TEST_POSTGRES_DSN.
package store
