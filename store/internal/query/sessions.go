package query

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/switchboard-voice/switchboard/store"
)

// DefaultLimit and MaxLimit bound a page (SessionQuery.Limit).
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Dialect holds what differs between the backends' SQL. The sessions
// table is aliased s and the turns table t.
type Dialect struct {
	// Time converts a bound to the value the database compares started_at
	// with.
	Time func(time.Time) any
	// Contains is a format of a condition true when a turn's text (%[1]s)
	// contains the needle (%[2]s, a placeholder) whatever the case, with
	// Unicode case mapping, e.g. "strpos(lower(%[1]s), lower(%[2]s)) > 0".
	Contains string
	// Needle converts the searched text to the value bound to the
	// needle's placeholder; nil binds it as it is.
	Needle func(string) string
	// Duration is the session's duration, an expression that sorts (NULL
	// while the session is open).
	Duration string
}

// Search is a session search as SQL, on sessions s.
type Search struct {
	// Where selects the sessions (" WHERE ..." or ""); Where.Args() are
	// its arguments.
	Where Where
	// Order is " ORDER BY ...".
	Order string
	// Limit and Offset are the page's.
	Limit, Offset int
}

// Count returns the statement counting every match, and its arguments.
func (q Search) Count() (string, []any) {
	return `SELECT count(*) FROM sessions s` + q.Where.String(), q.Where.args
}

// Page returns the statement selecting the page's sessions in order,
// with SessionColumns then RowCounts, and its arguments. The page is cut
// on the sessions' IDs and sort keys alone, so that the wide rows and the
// alert counts are read for the page's sessions only.
func (q Search) Page() (string, []any) {
	n := len(q.Where.args)
	args := append(append(make([]any, 0, n+2), q.Where.args...), q.Limit, q.Offset)
	return `SELECT ` + SessionColumns + `, ` + RowCounts + ` FROM sessions s
		JOIN (SELECT s.id FROM sessions s` + q.Where.String() + q.Order +
		` LIMIT $` + strconv.Itoa(n+1) + ` OFFSET $` + strconv.Itoa(n+2) + `) page ON page.id = s.id` + q.Order, args
}

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{store.ErrInvalid}, a...)...)
}

// sortKeys maps SessionQuery.Sort to its expression; "duration" comes
// from the dialect. nullable keys sort their NULLs last.
var sortKeys = map[string]struct {
	expr     string
	nullable bool
}{
	"started_at": {"s.started_at", false},
	"score":      {"s.score", true},
	"sentiment":  {"s.sentiment", true},
	"duration":   {"", true},
}

// Sessions checks a session search and returns its SQL.
func Sessions(d Dialect, q store.SessionQuery) (Search, error) {
	if err := checkQuery(q); err != nil {
		return Search{}, err
	}
	out := Search{Limit: q.Limit, Offset: q.Offset}
	switch {
	case out.Limit == 0:
		out.Limit = DefaultLimit
	case out.Limit > MaxLimit:
		out.Limit = MaxLimit
	}
	w := &out.Where
	w.AddIf(!q.Since.IsZero(), "s.started_at >= $?", d.Time(q.Since))
	w.AddIf(!q.Until.IsZero(), "s.started_at < $?", d.Time(q.Until))
	w.AddIf(q.Bot != "", "s.bot = $?", q.Bot)
	w.AddIf(q.Queue != "", "(s.handoff_queue = $? OR s.queue = $?)", q.Queue)
	w.AddIf(q.Agent != "", "s.agent_id = $?", q.Agent)
	w.AddIf(q.Outcome != "", "s.outcome = $?", string(q.Outcome))
	for _, b := range []struct {
		cond string
		v    *float64
	}{
		{"s.score >= $?", q.MinScore}, {"s.score <= $?", q.MaxScore},
		{"s.sentiment >= $?", q.MinSentiment}, {"s.sentiment <= $?", q.MaxSentiment},
	} {
		if b.v != nil {
			w.Add(b.cond, *b.v)
		}
	}
	switch q.AlertKind {
	case "":
	case store.AnyAlert:
		w.Cond("EXISTS (SELECT 1 FROM alerts a WHERE a.session_id = s.id)")
	default:
		w.Add("EXISTS (SELECT 1 FROM alerts a WHERE a.session_id = s.id AND a.kind = $?)", q.AlertKind)
	}
	if q.Text != "" {
		needle := q.Text
		if d.Needle != nil {
			needle = d.Needle(needle)
		}
		w.Add("EXISTS (SELECT 1 FROM turns t WHERE t.session_id = s.id AND "+fmt.Sprintf(d.Contains, "t.text", "$?")+")", needle)
	}
	out.Order = order(d, q)
	return out, nil
}

// order is the ORDER BY clause: the sort key, then the ID, both in the
// query's direction, NULLs last.
func order(d Dialect, q store.SessionQuery) string {
	if q.Sort == "" {
		return " ORDER BY s.started_at DESC, s.id DESC"
	}
	k := sortKeys[q.Sort]
	expr := k.expr
	if q.Sort == "duration" {
		expr = d.Duration
	}
	dir := " ASC"
	if q.Desc {
		dir = " DESC"
	}
	nulls := ""
	if k.nullable {
		nulls = " NULLS LAST"
	}
	return " ORDER BY " + expr + dir + nulls + ", s.id" + dir
}

func checkQuery(q store.SessionQuery) error {
	if q.Outcome != "" && !q.Outcome.Valid() {
		return invalid("unknown outcome %q", q.Outcome)
	}
	if _, ok := sortKeys[q.Sort]; q.Sort != "" && !ok {
		return invalid("unknown sort key %q (want started_at, score, sentiment or duration)", q.Sort)
	}
	if q.Limit < 0 || q.Offset < 0 {
		return invalid("limit %d, offset %d", q.Limit, q.Offset)
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && q.Since.After(q.Until) {
		return invalid("since %v is after until %v", q.Since, q.Until)
	}
	for _, r := range []struct {
		what     string
		min, max *float64
	}{
		{"score", q.MinScore, q.MaxScore},
		{"sentiment", q.MinSentiment, q.MaxSentiment},
	} {
		if (r.min != nil && math.IsNaN(*r.min)) || (r.max != nil && math.IsNaN(*r.max)) {
			return invalid("%s bound is NaN", r.what)
		}
		if r.min != nil && r.max != nil && *r.min > *r.max {
			return invalid("minimum %s %v above the maximum %v", r.what, *r.min, *r.max)
		}
	}
	return nil
}

// SessionFilter is the WHERE clause of a session list (Store.Sessions),
// on sessions s; stamp converts a time to the value stored.
func SessionFilter(f store.SessionFilter, stamp func(time.Time) any) *Where {
	w := &Where{}
	w.AddIf(f.Bot != "", "s.bot = $?", f.Bot)
	w.AddIf(!f.Since.IsZero(), "s.started_at >= $?", stamp(f.Since))
	w.AddIf(f.Outcome != "", "s.outcome = $?", string(f.Outcome))
	return w
}

// SessionColumns are a session's columns, of sessions s, in the order
// both backends scan them.
const SessionColumns = `s.id, s.bot, s.bot_version, s.channel, s.caller_id, s.language,
	s.started_at, s.ended_at, s.outcome, s.handoff_queue, s.handoff_reason, s.call_id,
	s.agent_id, s.queue, s.call_ended_at, s.sentiment, s.score`

// RowCounts are the columns a search adds to a session's: its number of
// turns and of alerts (store.SessionRow).
const RowCounts = `s.last_seq, (SELECT count(*) FROM alerts a WHERE a.session_id = s.id)`

// AlertFilter is the WHERE clause of an alert list; stamp converts a time
// to the value stored.
func AlertFilter(f store.AlertFilter, stamp func(time.Time) any) *Where {
	w := &Where{}
	w.AddIf(f.SessionID != "", "session_id = $?", f.SessionID)
	w.AddIf(f.Kind != "", "kind = $?", f.Kind)
	w.AddIf(!f.Since.IsZero(), "at >= $?", stamp(f.Since))
	return w
}
