// Package storetest is the conformance suite every store.Store backend
// passes. A backend's test calls Run with a function that opens a fresh,
// empty store:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store {
//			st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "s.db"))
//			...
//			t.Cleanup(func() { st.Close() })
//			return st
//		})
//	}
//
// and RunDurable with a pair of functions that open the same database twice.
//
// The groups: Bots and Scorecards (the same tests: drafts, gapless
// versions under concurrent publishers, rollback), Sessions, Turns,
// Contact (agents, queues, agent events, wrap-ups, feedback, audit,
// callbacks, agent assignment, call end), QA (results, overrides, alerts,
// sentiment, summaries), Search (SearchSessions on a seeded data set:
// every filter, sort and page), Concurrent and Lifecycle.
//
// A backend also checks its upgrade from schema version 2: fill a
// database at that version with V2Rows, open it with the current code and
// call CheckV2Rows. BenchAppendTurn and BenchSearchSessions (on
// SeedSessions) are the benchmarks both backends run.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/store"
)

// Opener opens a store. In Run every call must return a fresh, empty one.
type Opener func(t *testing.T) store.Store

// Run runs the conformance suite; each subtest opens its own store.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Bots", draftTests(botDrafts)},
		{"Scorecards", draftTests(scorecardDrafts)},
		{"Sessions", sessionTests},
		{"Turns", turnTests},
		{"Contact", contactTests},
		{"QA", qaTests},
		{"Search", searchTests},
		{"Concurrent", concurrentTests},
		{"Lifecycle", lifecycleTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					tc.fn(t, open(t))
				})
			}
		})
	}
}

type test struct {
	name string
	fn   func(t *testing.T, st store.Store)
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// must fails the test on err.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantErr checks err wraps want.
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}

// jsonEqual reports whether two JSON documents have the same value
// (PostgreSQL's jsonb reformats them).
func jsonEqual(a, b json.RawMessage) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var va, vb any
	if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// stored is t as a backend stores it: UTC, microseconds.
func stored(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// recent checks a time set by the store is close to now.
func recent(t *testing.T, what string, at time.Time) {
	t.Helper()
	if d := time.Since(at); d < -time.Minute || d > time.Minute {
		t.Errorf("%s = %v, want about now", what, at)
	}
}
