package demobackend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// Errors returned by the endpoints, mapped to HTTP status codes by statusOf.
var (
	// ErrInvalid: the request body is not a JSON object or a field is
	// missing or malformed (400).
	ErrInvalid = errors.New("invalid request")
	// ErrNotFound: no such account or parcel (404).
	ErrNotFound = errors.New("not found")
	// ErrConflict: the request conflicts with the current state, such as a
	// card that is already blocked (409).
	ErrConflict = errors.New("conflict")
	// ErrOutOfRange: an amount is outside the allowed range (422).
	ErrOutOfRange = errors.New("out of range")
	// ErrSimulated: a trigger value asked for a failure (500).
	ErrSimulated = errors.New("simulated backend failure")
)

// maxBody bounds request bodies; webhook bodies are a few slots.
const maxBody = 64 << 10

// DefaultSlowDelay is how long the slow trigger values wait before replying:
// longer than the default 3s webhook timeout.
const DefaultSlowDelay = 5 * time.Second

// Option configures the handler returned by New.
type Option func(*server)

// WithClock sets the clock that decides "today" (default time.Now). Dates in
// replies use the location of the times it returns.
func WithClock(now func() time.Time) Option {
	return func(s *server) { s.now = now }
}

// WithSlowDelay sets how long slow trigger values wait before replying
// (default DefaultSlowDelay).
func WithSlowDelay(d time.Duration) Option {
	return func(s *server) { s.slow = d }
}

type server struct {
	log  *slog.Logger
	now  func() time.Time
	slow time.Duration
}

// New returns the demo webhook backend. A nil logger discards logs.
func New(logger *slog.Logger, opts ...Option) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &server{log: logger, now: time.Now, slow: DefaultSlowDelay}
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("POST /cards/block", s.endpoint(s.blockCard))
	mux.Handle("POST /accounts/balance", s.endpoint(s.balance))
	mux.Handle("POST /transfers/status", s.endpoint(s.transferStatus))
	mux.Handle("POST /topups", s.endpoint(s.topUp))
	mux.Handle("POST /parcels/track", s.endpoint(s.trackParcel))
	mux.Handle("POST /parcels/address", s.endpoint(s.changeAddress))
	mux.Handle("POST /customers/lookup", s.endpoint(s.lookupCustomer))
	return s.logged(mux)
}

// customers are the demo's customer records, by caller ID (the numbers
// and browser identities the demo calls from).
var customers = map[string]map[string]any{
	"+15550100": {"attributes": map[string]any{"name": "Jane Doe", "vip": true, "tier": 3},
		"tickets": []map[string]any{{"id": "T-1042", "title": "Disputed card payment of $49.99", "status": "open", "opened_at": "2026-11-20T10:15:00Z"}}},
	"+15550123": {"attributes": map[string]any{"name": "Sam Lee", "tier": 1}, "tickets": []map[string]any{}},
	"13800138000": {"attributes": map[string]any{"name": "王芳", "vip": false, "tier": 2},
		"tickets": []map[string]any{{"id": "GD-20261128-07", "title": "快递延误投诉", "status": "处理中", "opened_at": "2026-11-28T08:00:00Z"}}},
}

// lookupCustomer answers the caller lookup (desk.lookup): attributes for
// routing priority and the desktop, and open tickets. Unknown callers get
// an empty record.
func (s *server) lookupCustomer(ctx context.Context, q request) (any, error) {
	if c, ok := customers[q.get("caller_id")]; ok {
		return c, nil
	}
	return map[string]any{"attributes": map[string]any{}, "tickets": []any{}}, nil
}

// request is a decoded webhook body: every field as a string.
type request map[string]string

// get returns the first non-empty value among keys, trimmed.
func (q request) get(keys ...string) string {
	for _, k := range keys {
		if v := strings.TrimSpace(q[k]); v != "" {
			return v
		}
	}
	return ""
}

// rawReply is written as is, for the trigger that returns a non-JSON body.
type rawReply struct {
	contentType string
	body        string
}

// errAbandoned: the client went away while a slow reply was waiting.
var errAbandoned = errors.New("client gave up")

// endpointFunc handles one decoded request and returns a JSON-encodable reply.
type endpointFunc func(ctx context.Context, q request) (any, error)

func (s *server) endpoint(f endpointFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q, err := decode(w, r)
		if err == nil {
			var reply any
			reply, err = f(r.Context(), q)
			if err == nil {
				if raw, ok := reply.(rawReply); ok {
					w.Header().Set("Content-Type", raw.contentType)
					w.WriteHeader(http.StatusOK)
					io.WriteString(w, raw.body)
					return
				}
				writeJSON(w, http.StatusOK, reply)
				return
			}
		}
		if errors.Is(err, errAbandoned) {
			s.log.Info("demo webhook abandoned by client", "path", r.URL.Path, "session_id", q.get("session_id"))
			return
		}
		writeJSON(w, statusOf(err), map[string]string{"error": err.Error()})
	})
}

// decode reads the body as one JSON object of scalar values.
func decode(w http.ResponseWriter, r *http.Request) (request, error) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.UseNumber()
	var raw map[string]any
	if err := dec.Decode(&raw); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: body must be a JSON object: %v", ErrInvalid, err)
	}
	if raw == nil {
		return nil, fmt.Errorf("%w: body must be a JSON object, not null", ErrInvalid)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: body must hold a single JSON object", ErrInvalid)
	}
	q := make(request, len(raw))
	for k, v := range raw {
		switch v := v.(type) {
		case string:
			q[k] = v
		case json.Number:
			q[k] = v.String()
		case bool:
			q[k] = fmt.Sprint(v)
		case nil:
		default:
			// Nested values are not slots; ignore them.
		}
	}
	return q, nil
}

func statusOf(err error) int {
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return http.StatusRequestEntityTooLarge
	case errors.Is(err, ErrInvalid):
		return http.StatusBadRequest
	case errors.Is(err, ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, ErrConflict):
		return http.StatusConflict
	case errors.Is(err, ErrOutOfRange):
		return http.StatusUnprocessableEntity
	default:
		return http.StatusInternalServerError
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// stall waits for the slow delay, or returns errAbandoned when the client
// gives up first.
func (s *server) stall(ctx context.Context) error {
	t := time.NewTimer(s.slow)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%w: %w", errAbandoned, ctx.Err())
	}
}

// statusWriter remembers the status code for the access log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *server) logged(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		s.log.Info("demo webhook", "method", r.Method, "path", r.URL.Path,
			"status", sw.status, "elapsed", time.Since(start))
	})
}

// reference derives a stable reference like "BLK-048213" from parts.
func reference(prefix string, parts ...string) string {
	h := fnv.New32a()
	for _, p := range parts {
		io.WriteString(h, p)
		h.Write([]byte{0})
	}
	return fmt.Sprintf("%s-%06d", prefix, h.Sum32()%1000000)
}

// day returns midnight of t's date in t's location.
func day(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, t.Location())
}
