package sqlite_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/switchboard-voice/switchboard/store"
	"github.com/switchboard-voice/switchboard/store/sqlite"
	"github.com/switchboard-voice/switchboard/store/storetest"
)

func openAt(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openAt(t, filepath.Join(t.TempDir(), "switchboard.db"))
	})
}

func TestConformanceMemory(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return openAt(t, sqlite.Memory)
	})
}

func TestDurable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "durable.db")
	open := func(t *testing.T) store.Store { return openAt(t, path) }
	storetest.RunDurable(t, open, open)
}

func TestOpenCreatesParents(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "c", "s.db")
	openAt(t, path)
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
}

func TestOpenInvalid(t *testing.T) {
	ctx := context.Background()
	if _, err := sqlite.Open(ctx, ""); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Open(\"\") = %v, want ErrInvalid", err)
	}
	if _, err := sqlite.Open(ctx, ":memory:", sqlite.WithReadConns(0)); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("Open with 0 read conns = %v, want ErrInvalid", err)
	}
	// A directory where the file should be.
	dir := t.TempDir()
	if _, err := sqlite.Open(ctx, dir); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open(directory) = %v, want ErrUnavailable", err)
	}
}

func TestOpenNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(path, []byte("this is not a database, just some text that is long enough"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := sqlite.Open(context.Background(), path)
	if !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open(junk) = %v, want ErrUnavailable", err)
	}
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "m.db")
	st := openAt(t, path)
	applied, err := st.Migrate(ctx)
	if err != nil || len(applied) != 0 {
		t.Errorf("Migrate on a migrated database = %v, %v; want nothing applied", applied, err)
	}
	st.Close()
	if _, err := st.Migrate(ctx); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Migrate after Close = %v", err)
	}
	st = openAt(t, path)
	if applied, err := st.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Errorf("Migrate after reopen = %v, %v", applied, err)
	}
}

// TestMigrateFromV2 opens a database that a release at schema version 2
// left, with rows in it, and migrates it.
func TestMigrateFromV2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "v2.db")
	old, err := sqlite.Open(ctx, path, sqlite.WithSchemaVersion(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := old.ExecRaw(ctx, storetest.V2Rows); err != nil {
		t.Fatal(err)
	}
	old.Close()
	st := openAt(t, path)
	storetest.CheckV2Rows(t, st)
	if applied, err := st.Migrate(ctx); err != nil || len(applied) != 0 {
		t.Errorf("Migrate after the upgrade = %v, %v", applied, err)
	}
}

// TestTwoStoresOneFile opens the same file twice, as two processes would:
// writers of different stores wait on SQLite's lock (busy_timeout) instead
// of failing.
func TestTwoStoresOneFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "shared.db")
	a, b := openAt(t, path), openAt(t, path)
	if err := a.CreateSession(ctx, store.Session{ID: "s", Bot: "b"}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i, st := range []*sqlite.Store{a, b, a, b, a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := 0; r < 25; r++ {
				if _, err := st.AppendTurns(ctx, "s", store.Turn{Speaker: "caller", Text: fmt.Sprint(i, r)}); err != nil {
					errs <- err
					return
				}
				if _, err := st.Publish(ctx, "bot", json.RawMessage(`{}`), ""); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	turns, err := b.Turns(ctx, "s")
	if err != nil || len(turns) != 200 || turns[199].Seq != 200 {
		t.Fatalf("Turns = %d, %v; want 200", len(turns), err)
	}
	vs, err := a.Versions(ctx, "bot")
	if err != nil || len(vs) != 200 {
		t.Fatalf("Versions = %d, %v; want 200", len(vs), err)
	}
}

func BenchmarkAppendTurn(b *testing.B) {
	b.Run("File", func(b *testing.B) {
		storetest.BenchAppendTurn(b, openAt(b, filepath.Join(b.TempDir(), "bench.db")))
	})
	b.Run("Memory", func(b *testing.B) {
		storetest.BenchAppendTurn(b, openAt(b, sqlite.Memory))
	})
}

// BenchmarkSearchSessions searches 10,000 sessions in a database file.
func BenchmarkSearchSessions(b *testing.B) {
	storetest.BenchSearchSessions(b, openAt(b, filepath.Join(b.TempDir(), "search.db")), 10000)
}
