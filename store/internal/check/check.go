// Package check holds the validation and value conversions both store
// backends share, so they accept and reject exactly the same values.
package check

import (
	"encoding/json"
	"fmt"
	"math"
	"time"

	"github.com/switchboard-voice/switchboard/store"
)

// DefaultLimit is the number of sessions Sessions returns when the filter
// has no limit.
const DefaultLimit = 100

// MaxLimit caps SessionFilter.Limit.
const MaxLimit = 10000

// Speakers and actions a turn may carry.
var (
	speakers = map[string]bool{"caller": true, "bot": true, "agent": true}
	actions  = map[string]bool{"": true, "say": true, "handoff": true, "end": true, "hold": true}
)

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{store.ErrInvalid}, a...)...)
}

// Name checks a bot name or session ID is not empty.
func Name(what, v string) error {
	if v == "" {
		return invalid("empty %s", what)
	}
	return nil
}

// Names checks several names at once: pairs of what the name is and its
// value.
func Names(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err := Name(pairs[i], pairs[i+1]); err != nil {
			return err
		}
	}
	return nil
}

// JSON checks a bot draft or definition: present and valid JSON.
func JSON(what string, v json.RawMessage) error {
	if len(v) == 0 {
		return invalid("empty %s", what)
	}
	if !json.Valid(v) {
		return invalid("%s is not valid JSON", what)
	}
	return nil
}

// Version checks a version number is positive.
func Version(v int) error {
	if v <= 0 {
		return invalid("version %d (versions start at 1)", v)
	}
	return nil
}

// Session checks a session about to be created.
func Session(s store.Session) error {
	if err := Names("session id", s.ID, "bot", s.Bot); err != nil {
		return err
	}
	if s.BotVersion < 0 {
		return invalid("bot version %d", s.BotVersion)
	}
	if s.Outcome != "" && !s.Outcome.Valid() {
		return invalid("unknown outcome %q", s.Outcome)
	}
	if s.Outcome == "" && !s.EndedAt.IsZero() {
		return invalid("session %s has an end time but no outcome", s.ID)
	}
	return Summary(store.SessionSummary{Sentiment: s.Sentiment, Score: s.Score})
}

// Outcome checks an outcome given to EndSession.
func Outcome(o store.Outcome) error {
	if !o.Valid() {
		return invalid("unknown outcome %q", o)
	}
	return nil
}

// Filter checks a session filter and returns the limit to use.
func Filter(f store.SessionFilter) (int, error) {
	if f.Outcome != "" && !f.Outcome.Valid() {
		return 0, invalid("unknown outcome %q", f.Outcome)
	}
	return Limit(f.Limit, DefaultLimit, MaxLimit)
}

// Limit checks a list's limit and returns the one to use: def for 0, at
// most max; a negative limit is invalid.
func Limit(n, def, max int) (int, error) {
	switch {
	case n < 0:
		return 0, invalid("limit %d", n)
	case n == 0:
		return def, nil
	case n > max:
		return max, nil
	}
	return n, nil
}

// Turn checks the i-th turn (from 0) appended to a session.
func Turn(sessionID string, i int, t store.Turn) error {
	if t.SessionID != "" && t.SessionID != sessionID {
		return invalid("turn %d belongs to session %q, not %q", i+1, t.SessionID, sessionID)
	}
	if !speakers[t.Speaker] {
		return invalid("turn %d: unknown speaker %q", i+1, t.Speaker)
	}
	if !actions[t.Action] {
		return invalid("turn %d: unknown action %q", i+1, t.Action)
	}
	if math.IsNaN(t.Confidence) || math.IsInf(t.Confidence, 0) {
		return invalid("turn %d: confidence %v", i+1, t.Confidence)
	}
	if len(t.Entities) > 0 && !json.Valid(t.Entities) {
		return invalid("turn %d: entities are not valid JSON", i+1)
	}
	if t.SentimentLabel == "" && t.Sentiment != 0 {
		return invalid("turn %d: sentiment %v without a label", i+1, t.Sentiment)
	}
	if t.SentimentLabel != "" {
		if err := Sentiment(t.Sentiment, t.SentimentLabel); err != nil {
			return invalid("turn %d: %v", i+1, err)
		}
	}
	return nil
}

// Timings encodes a turn's timings; nil stays nil (SQL NULL).
func Timings(m map[string]int64) ([]byte, error) {
	if m == nil {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, invalid("timings: %v", err)
	}
	return b, nil
}

// ParseTimings decodes stored timings; NULL gives nil.
func ParseTimings(b []byte) (map[string]int64, error) {
	if len(b) == 0 {
		return nil, nil
	}
	m := map[string]int64{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("decode timings: %w", err)
	}
	return m, nil
}

// StoredJSON returns an optional stored JSON value (entities, a detail, a
// payload) as the caller sees it: NULL is nil.
func StoredJSON(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return json.RawMessage(b)
}

// Time is t as stored: UTC, microsecond precision (PostgreSQL's), and the
// current time when t is zero.
func Time(t time.Time, now time.Time) time.Time {
	if t.IsZero() {
		t = now
	}
	return t.UTC().Truncate(time.Microsecond)
}
