package query

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-voice/switchboard/store"
)

var testDialect = Dialect{
	Time:     func(t time.Time) any { return t.UTC().Format(time.RFC3339Nano) },
	Contains: "strpos(lower(%[1]s), lower(%[2]s)) > 0",
	Duration: "(s.ended_at - s.started_at)",
}

func TestWhere(t *testing.T) {
	var w Where
	if w.String() != "" || len(w.Args()) != 0 {
		t.Fatalf("empty Where = %q %v", w.String(), w.Args())
	}
	w.AddIf(false, "a = $?", 1)
	w.Add("b = $?", "x")
	w.Cond("c IS NULL")
	w.AddIf(true, "(d = $? OR e = $?)", 2.5)
	limit := w.Arg(10)
	got := w.String() + " LIMIT " + limit
	if want := " WHERE b = $1 AND c IS NULL AND (d = $2 OR e = $2) LIMIT $3"; got != want {
		t.Errorf("SQL = %q, want %q", got, want)
	}
	if fmt.Sprint(w.Args()) != "[x 2.5 10]" {
		t.Errorf("args = %v", w.Args())
	}
}

func f(v float64) *float64 { return &v }

func TestSessions(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	q := store.SessionQuery{
		Since: t0, Until: t0.Add(time.Hour), Bot: "b", Queue: "q", Agent: "a", Outcome: store.OutcomeResolved,
		MinScore: f(10), MaxScore: f(90), MinSentiment: f(-0.5), MaxSentiment: f(0.5),
		AlertKind: "silence", Text: "x' OR '1'='1", Sort: "duration", Desc: true, Offset: 20, Limit: 10,
	}
	s, err := Sessions(testDialect, q)
	if err != nil {
		t.Fatal(err)
	}
	sql := s.Where.String() + s.Order
	for _, v := range []string{"x' OR", "silence", "resolved", `"b"`, "'b'", "'q'", "'a'"} {
		if strings.Contains(sql, v) {
			t.Errorf("a value, %s, is in the SQL: %s", v, sql)
		}
	}
	if n := len(s.Where.Args()); n != 12 || !strings.Contains(sql, "$12") || strings.Contains(sql, "$13") {
		t.Errorf("%d arguments for %s", n, sql)
	}
	if want := " ORDER BY (s.ended_at - s.started_at) DESC NULLS LAST, s.id DESC"; s.Order != want {
		t.Errorf("order = %q, want %q", s.Order, want)
	}
	page, args := s.Page()
	if !strings.Contains(page, " LIMIT $13 OFFSET $14) page") || len(args) != 14 || args[12] != 10 || args[13] != 20 {
		t.Errorf("page = %q %v", page, args)
	}
	if count, args := s.Count(); count != "SELECT count(*) FROM sessions s"+s.Where.String() || len(args) != 12 {
		t.Errorf("count = %q %v", count, args)
	}
	if !strings.Contains(sql, "strpos(lower(t.text), lower($12)) > 0") {
		t.Errorf("text search: %s", sql)
	}

	for _, tc := range []struct {
		q     store.SessionQuery
		limit int
		order string
	}{
		{store.SessionQuery{}, DefaultLimit, " ORDER BY s.started_at DESC, s.id DESC"},
		{store.SessionQuery{Limit: MaxLimit + 1, Desc: true}, MaxLimit, " ORDER BY s.started_at DESC, s.id DESC"},
		{store.SessionQuery{Limit: 7, Sort: "started_at"}, 7, " ORDER BY s.started_at ASC, s.id ASC"},
		{store.SessionQuery{Sort: "score"}, DefaultLimit, " ORDER BY s.score ASC NULLS LAST, s.id ASC"},
		{store.SessionQuery{Sort: "sentiment", Desc: true}, DefaultLimit, " ORDER BY s.sentiment DESC NULLS LAST, s.id DESC"},
	} {
		s, err := Sessions(testDialect, tc.q)
		if err != nil {
			t.Fatal(err)
		}
		if s.Limit != tc.limit || s.Order != tc.order || s.Where.String() != "" {
			t.Errorf("Sessions(%+v) = limit %d %q %q, want %d %q", tc.q, s.Limit, s.Where.String(), s.Order, tc.limit, tc.order)
		}
	}
	s, err = Sessions(testDialect, store.SessionQuery{AlertKind: store.AnyAlert})
	if err != nil || len(s.Where.Args()) != 0 || !strings.Contains(s.Where.String(), "EXISTS (SELECT 1 FROM alerts") {
		t.Errorf("any alert: %q %v %v", s.Where.String(), s.Where.Args(), err)
	}
}

func TestSessionsInvalid(t *testing.T) {
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		q    store.SessionQuery
		want string
	}{
		{store.SessionQuery{Outcome: "won"}, `unknown outcome "won"`},
		{store.SessionQuery{Sort: "id DESC; --"}, "unknown sort key"},
		{store.SessionQuery{Limit: -1}, "limit -1"},
		{store.SessionQuery{Offset: -3}, "offset -3"},
		{store.SessionQuery{Since: t0.Add(time.Second), Until: t0}, "after until"},
		{store.SessionQuery{MinScore: f(2), MaxScore: f(1)}, "minimum score 2 above the maximum 1"},
		{store.SessionQuery{MinSentiment: f(0.2), MaxSentiment: f(0.1)}, "minimum sentiment"},
	} {
		_, err := Sessions(testDialect, tc.q)
		if !errors.Is(err, store.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Sessions(%+v) = %v, want ErrInvalid saying %q", tc.q, err, tc.want)
		}
	}
}
