package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/postgres"
	"github.com/switchboard-voice/switchboard/store/storetest"
)

// testDSN returns the test server's DSN, or skips the test; with
// SWITCHBOARD_REQUIRE_POSTGRES=1 (CI) a missing DSN fails it instead.
func testDSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv("SWITCHBOARD_TEST_POSTGRES_DSN")
	if dsn != "" {
		return dsn
	}
	const how = "start one with: export SWITCHBOARD_TEST_POSTGRES_DSN=$(scripts/postgres.sh start)"
	if os.Getenv("SWITCHBOARD_REQUIRE_POSTGRES") == "1" {
		t.Fatal("SWITCHBOARD_REQUIRE_POSTGRES=1 but SWITCHBOARD_TEST_POSTGRES_DSN is not set; " + how)
	}
	t.Skip("PostgreSQL tests skipped: SWITCHBOARD_TEST_POSTGRES_DSN is not set; " + how)
	return ""
}

// admin runs one statement on its own connection.
func admin(t testing.TB, sql string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// schema is a fresh schema, dropped when the test ends, and the
// application name its connections use.
type schema struct{ name string }

func newSchema(t testing.TB) schema {
	t.Helper()
	b := make([]byte, 6)
	rand.Read(b)
	s := schema{name: "test_" + hex.EncodeToString(b)}
	admin(t, "CREATE SCHEMA "+s.name)
	t.Cleanup(func() { admin(t, "DROP SCHEMA "+s.name+" CASCADE") })
	return s
}

// open opens a store whose tables live in the schema.
func (s schema) open(t testing.TB, opts ...postgres.Option) *postgres.Store {
	t.Helper()
	opts = append(opts, postgres.WithConnConfig(func(c *pgx.ConnConfig) {
		c.RuntimeParams["search_path"] = s.name
		c.RuntimeParams["application_name"] = s.name
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := postgres.Open(ctx, testDSN(t), opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// terminate kills the server processes serving the schema's store, as a
// server restart or an admin would, and returns how many.
func (s schema) terminate(t testing.TB) int {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, testDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var n int
	err = c.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1 AND pid <> pg_backend_pid()`, s.name).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestConformance(t *testing.T) {
	testDSN(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return newSchema(t).open(t)
	})
}

func TestDurable(t *testing.T) {
	s := newSchema(t)
	open := func(t *testing.T) store.Store { return s.open(t) }
	storetest.RunDurable(t, open, open)
}

func TestMigrate(t *testing.T) {
	s := newSchema(t)
	// Two nodes starting at once on an empty schema: the advisory lock
	// lets one of them apply each migration.
	var wg sync.WaitGroup
	stores := make([]*postgres.Store, 4)
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i] = s.open(t)
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	applied, err := stores[0].Migrate(context.Background())
	if err != nil || len(applied) != 0 {
		t.Errorf("Migrate on a migrated schema = %v, %v", applied, err)
	}
}

// TestMigrateFromV2 opens a schema that a release at schema version 2
// left, with rows in it, and migrates it.
func TestMigrateFromV2(t *testing.T) {
	ctx := context.Background()
	s := newSchema(t)
	old := s.open(t, postgres.WithSchemaVersion(2))
	if err := old.ExecRaw(ctx, storetest.V2Rows); err != nil {
		t.Fatal(err)
	}
	old.Close()
	st := s.open(t)
	storetest.CheckV2Rows(t, st)
	if applied, err := st.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Errorf("Migrate after the upgrade = %v, %v", applied, err)
	}
}

func TestOpenBadDSN(t *testing.T) {
	_, err := postgres.Open(context.Background(), "postgres://user:secret@host:notaport/db")
	if !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Open(bad DSN) = %v, want ErrInvalid", err)
	}
	if err != nil && contains(err.Error(), "secret") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// TestTerminatedConnections kills the store's server connections while it
// is idle and while it is busy: every call either succeeds (on a new
// connection) or returns ErrUnavailable; nothing committed is lost, and
// sequence numbers stay contiguous.
func TestTerminatedConnections(t *testing.T) {
	s := newSchema(t)
	st := s.open(t)
	ctx := context.Background()
	if err := st.CreateSession(ctx, store.Session{ID: "s", Bot: "b"}); err != nil {
		t.Fatal(err)
	}
	var ok sync.Map // texts of turns whose AppendTurns returned nil
	appendOne := func(text string) error {
		_, err := st.AppendTurns(ctx, "s", store.Turn{Speaker: "caller", Text: text})
		if err == nil {
			ok.Store(text, true)
		}
		return err
	}
	for i := 0; i < 10; i++ {
		if err := appendOne(fmt.Sprint("before ", i)); err != nil {
			t.Fatal(err)
		}
	}

	// Idle: the pooled connections are dead; the next call reconnects.
	if n := s.terminate(t); n == 0 {
		t.Fatal("no connection to terminate")
	}
	if err := appendOne("after idle kill"); err != nil && !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("first call after the kill: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for err := st.Ping(ctx); err != nil; err = st.Ping(ctx) {
		if !errors.Is(err, store.ErrUnavailable) || time.Now().After(deadline) {
			t.Fatalf("Ping after the kill: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Busy: 4 writers append while the connections are killed repeatedly.
	var unavailable atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < 40; r++ {
				err := appendOne(fmt.Sprintf("busy %d/%d", w, r))
				switch {
				case errors.Is(err, store.ErrUnavailable):
					unavailable.Add(1)
				case err != nil:
					t.Errorf("append during kills: %v", err)
					return
				}
			}
		}()
	}
	killed := 0
	for i := 0; i < 10; i++ {
		time.Sleep(5 * time.Millisecond)
		killed += s.terminate(t)
	}
	wg.Wait()
	t.Logf("terminated %d connections; %d appends returned ErrUnavailable", killed, unavailable.Load())

	turns, err := st.Turns(ctx, "s")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for i, tr := range turns {
		if tr.Seq != i+1 {
			t.Fatalf("turn %d has seq %d", i, tr.Seq)
		}
		if stored[tr.Text] {
			t.Fatalf("turn %q stored twice", tr.Text)
		}
		stored[tr.Text] = true
	}
	ok.Range(func(k, _ any) bool {
		if !stored[k.(string)] {
			t.Errorf("turn %q was acknowledged but is lost", k)
		}
		return true
	})
}

func BenchmarkAppendTurn(b *testing.B) {
	storetest.BenchAppendTurn(b, newSchema(b).open(b))
}

// BenchmarkSearchSessions searches 10,000 sessions.
func BenchmarkSearchSessions(b *testing.B) {
	storetest.BenchSearchSessions(b, newSchema(b).open(b), 10000)
}
