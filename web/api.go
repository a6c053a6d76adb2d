// Package web serves Switchboard's HTTP API (v1, described in
// docs/openapi.yaml), health and readiness checks, and Prometheus metrics.
package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/switchboard-voice/switchboard/conversation"
	"github.com/switchboard-voice/switchboard/internal/metrics"
	"github.com/switchboard-voice/switchboard/nlu/dialog"
	"github.com/switchboard-voice/switchboard/prompts"
	"github.com/switchboard-voice/switchboard/qa/review"
	"github.com/switchboard-voice/switchboard/store"
)

// maxBody bounds request bodies (a bot definition with examples may be
// large; a message is not).
const maxBody = 8 << 20

// Server is the HTTP API.
type Server struct {
	reg   *conversation.Registry
	conv  *conversation.Manager
	st    store.Store
	m     *metrics.Metrics
	log   *slog.Logger
	ready func() error
	mux   *http.ServeMux
	// recDir holds call recordings ("" when recording is off).
	recDir string
	// Routes lists "METHOD /pattern" of every API route, for the OpenAPI
	// check.
	Routes []string
}

// Config holds a Server's dependencies.
type Config struct {
	Registry *conversation.Registry
	Sessions *conversation.Manager
	Store    store.Store
	Metrics  *metrics.Metrics
	Logger   *slog.Logger
	// Ready reports whether the server can take traffic (nil: always).
	Ready func() error
	// Extra handlers mounted as is (pattern -> handler), e.g. /demo/.
	Extra map[string]http.Handler
	// RecordingDir is where call recordings are written ("" when
	// recording is off): /v1/sessions/{id}/recording serves them.
	RecordingDir string
}

// New builds the API server.
func New(cfg Config) *Server {
	s := &Server{reg: cfg.Registry, conv: cfg.Sessions, st: cfg.Store, m: cfg.Metrics, log: cfg.Logger, ready: cfg.Ready, mux: http.NewServeMux(), recDir: cfg.RecordingDir}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.route("GET /healthz", s.healthz)
	s.route("GET /readyz", s.readyz)
	s.route("GET /v1/bots", s.listBots)
	s.route("GET /v1/bots/{bot}", s.getBot)
	s.route("PUT /v1/bots/{bot}/draft", s.putDraft)
	s.route("POST /v1/bots/{bot}/publish", s.publish)
	s.route("GET /v1/bots/{bot}/versions", s.versions)
	s.route("POST /v1/bots/{bot}/rollback", s.rollback)
	s.route("POST /v1/sessions", s.createSession)
	s.route("GET /v1/sessions", s.listSessions)
	s.route("GET /v1/sessions/{id}", s.getSession)
	s.route("POST /v1/sessions/{id}/messages", s.postMessage)
	s.route("GET /v1/sessions/{id}/transcript", s.transcript)
	s.route("GET /v1/sessions/{id}/recording", s.recording)
	s.route("DELETE /v1/sessions/{id}", s.hangup)
	if s.m != nil {
		s.mux.Handle("GET /metrics", promhttp.HandlerFor(s.m.Registry, promhttp.HandlerOpts{}))
	}
	for p, h := range cfg.Extra {
		s.mux.Handle(p, h)
	}
	return s
}

func (s *Server) route(pattern string, h func(w http.ResponseWriter, r *http.Request) error) {
	s.Routes = append(s.Routes, pattern)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		rw := &statusWriter{ResponseWriter: w, code: 200}
		if err := h(rw, r); err != nil {
			s.writeError(rw, r, err)
		}
		if s.m != nil {
			s.m.HTTPRequests.WithLabelValues(pattern, strconv.Itoa(rw.code)).Inc()
		}
	})
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	w.code = code
	w.ResponseWriter.WriteHeader(code)
}

// httpError is an error with an HTTP status.
type httpError struct {
	code int
	msg  string
}

func (e *httpError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &httpError{code: http.StatusBadRequest, msg: fmt.Sprintf(format, args...)}
}

// writeError maps errors to status codes at the edge.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusInternalServerError
	var he *httpError
	var ps prompts.Problems
	switch {
	case errors.As(err, &he):
		code = he.code
	case errors.As(err, &ps):
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "invalid bot definition", "problems": problemStrings(ps)})
		return
	case errors.Is(err, store.ErrNotFound), errors.Is(err, conversation.ErrNoBot):
		code = http.StatusNotFound
	case errors.Is(err, conversation.ErrNoSession):
		code = http.StatusNotFound
	case errors.Is(err, store.ErrConflict):
		code = http.StatusConflict
	case errors.Is(err, store.ErrInvalid):
		code = http.StatusBadRequest
	case errors.Is(err, store.ErrUnavailable):
		code = http.StatusServiceUnavailable
	case errors.Is(err, context.DeadlineExceeded):
		code = http.StatusGatewayTimeout
	}
	if code >= 500 {
		s.log.Error("api error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

func problemStrings(ps prompts.Problems) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// decode reads a JSON body into v, with clear errors.
func decode(r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return &httpError{code: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("reading body: %v", err)}
	}
	if !utf8.Valid(body) {
		return badRequest("body is not valid UTF-8")
	}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("invalid JSON body: %v", err)
	}
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, 200, map[string]string{"status": "ok"})
	return nil
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if s.st != nil {
		if err := s.st.Ping(ctx); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": err.Error()})
			return nil
		}
	}
	if s.ready != nil {
		if err := s.ready(); err != nil {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "starting", "error": err.Error()})
			return nil
		}
	}
	writeJSON(w, 200, map[string]string{"status": "ready"})
	return nil
}

// BotInfo describes a bot in API replies.
type BotInfo struct {
	Name          string   `json:"name"`
	Description   string   `json:"description,omitempty"`
	Languages     []string `json:"languages,omitempty"`
	ActiveVersion int      `json:"active_version"`
	LatestVersion int      `json:"latest_version"`
	Intents       int      `json:"intents"`
	Flows         int      `json:"flows"`
	Articles      int      `json:"articles"`
}

func (s *Server) botInfo(ctx context.Context, name string) (BotInfo, error) {
	b, err := s.reg.Draft(ctx, name)
	if err != nil {
		return BotInfo{}, err
	}
	info := BotInfo{Name: name, Description: b.Description, Languages: b.Languages, Intents: len(b.Intents), Flows: len(b.Flows), Articles: len(b.Knowledge)}
	if s.st != nil {
		rec, err := s.st.Bot(ctx, name)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return BotInfo{}, err
		}
		info.ActiveVersion, info.LatestVersion = rec.ActiveVersion, rec.LatestVersion
	}
	return info, nil
}

func (s *Server) listBots(w http.ResponseWriter, r *http.Request) error {
	names, err := s.reg.Names(r.Context())
	if err != nil {
		return err
	}
	out := []BotInfo{}
	for _, n := range names {
		info, err := s.botInfo(r.Context(), n)
		if err != nil {
			return err
		}
		out = append(out, info)
	}
	writeJSON(w, 200, map[string]any{"bots": out})
	return nil
}

func (s *Server) getBot(w http.ResponseWriter, r *http.Request) error {
	info, err := s.botInfo(r.Context(), r.PathValue("bot"))
	if err != nil {
		return err
	}
	writeJSON(w, 200, info)
	return nil
}

// putDraft replaces a bot's draft with a YAML (or JSON) document.
func (s *Server) putDraft(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("bot")
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return &httpError{code: http.StatusRequestEntityTooLarge, msg: fmt.Sprintf("reading body: %v", err)}
	}
	b, err := prompts.Parse(name+".yaml", body) // YAML is a superset of JSON
	if err != nil {
		return err
	}
	if b.Name == "" {
		b.Name = name
	}
	if b.Name != name {
		return badRequest("bot name %q in the body does not match %q in the path", b.Name, name)
	}
	if err := s.reg.SetDraft(r.Context(), b); err != nil {
		return err
	}
	info, err := s.botInfo(r.Context(), name)
	if err != nil {
		return err
	}
	writeJSON(w, 200, info)
	return nil
}

func (s *Server) publish(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Note string `json:"note"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &req); err != nil {
			return err
		}
	}
	v, err := s.reg.Publish(r.Context(), r.PathValue("bot"), req.Note)
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"bot": r.PathValue("bot"), "version": v})
	return nil
}

func (s *Server) versions(w http.ResponseWriter, r *http.Request) error {
	if s.st == nil {
		return &httpError{code: http.StatusNotImplemented, msg: "no store"}
	}
	name := r.PathValue("bot")
	if _, err := s.st.Bot(r.Context(), name); err != nil {
		return err
	}
	vs, err := s.st.Versions(r.Context(), name)
	if err != nil {
		return err
	}
	type ver struct {
		Version     int       `json:"version"`
		Note        string    `json:"note"`
		PublishedAt time.Time `json:"published_at"`
	}
	out := []ver{}
	for _, v := range vs {
		out = append(out, ver{v.Version, v.Note, v.PublishedAt})
	}
	writeJSON(w, 200, map[string]any{"bot": name, "versions": out})
	return nil
}

func (s *Server) rollback(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Version int `json:"version"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Version <= 0 {
		return badRequest("version must be a published version number")
	}
	if err := s.reg.Rollback(r.Context(), r.PathValue("bot"), req.Version); err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"bot": r.PathValue("bot"), "active_version": req.Version})
	return nil
}

// SessionRequest creates a text session.
type SessionRequest struct {
	Bot      string `json:"bot"`
	CallerID string `json:"caller_id"`
	Language string `json:"language"`
}

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) error {
	var req SessionRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	if req.Bot == "" {
		return badRequest("bot is required")
	}
	if req.Language != "" && req.Language != "en" && req.Language != "zh" {
		return badRequest("language %q is not supported (en, zh)", req.Language)
	}
	t, err := s.conv.Start(r.Context(), req.Bot, dialog.Info{CallerID: req.CallerID, Language: req.Language, Channel: "text"})
	if err != nil {
		return err
	}
	if s.m != nil {
		s.m.Sessions.WithLabelValues(req.Bot, "text").Inc()
	}
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) postMessage(w http.ResponseWriter, r *http.Request) error {
	var req struct {
		Text string `json:"text"`
	}
	if err := decode(r, &req); err != nil {
		return err
	}
	if utf8.RuneCountInString(req.Text) > 10000 {
		return badRequest("text is %d characters; the limit is 10000", utf8.RuneCountInString(req.Text))
	}
	t, err := s.conv.Say(r.Context(), r.PathValue("id"), req.Text)
	if err != nil {
		return err
	}
	writeJSON(w, 200, t)
	return nil
}

func (s *Server) getSession(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if live, ok := s.conv.Live(id); ok {
		writeJSON(w, 200, map[string]any{"session": sessionJSON(live.Snapshot()), "live": true})
		return nil
	}
	if s.st == nil {
		return fmt.Errorf("%w: %s", conversation.ErrNoSession, id)
	}
	rec, err := s.st.Session(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, 200, map[string]any{"session": sessionJSON(rec), "live": false})
	return nil
}

func (s *Server) listSessions(w http.ResponseWriter, r *http.Request) error {
	if s.st == nil {
		return &httpError{code: http.StatusNotImplemented, msg: "no store"}
	}
	q := r.URL.Query()
	f := store.SessionFilter{Bot: q.Get("bot"), Outcome: store.Outcome(q.Get("outcome"))}
	if f.Outcome != "" && !f.Outcome.Valid() {
		return badRequest("outcome %q is not one of resolved, handed_off, abandoned", f.Outcome)
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 1000 {
			return badRequest("limit must be 1..1000")
		}
		f.Limit = n
	}
	if v := q.Get("since"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return badRequest("since must be RFC 3339, e.g. 2026-11-25T00:00:00Z")
		}
		f.Since = t
	}
	list, err := s.st.Sessions(r.Context(), f)
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, x := range list {
		out = append(out, sessionJSON(x))
	}
	writeJSON(w, 200, map[string]any{"sessions": out})
	return nil
}

func sessionJSON(x store.Session) map[string]any {
	m := map[string]any{
		"id": x.ID, "bot": x.Bot, "bot_version": x.BotVersion, "channel": x.Channel,
		"caller_id": x.CallerID, "language": x.Language, "started_at": x.StartedAt,
		"outcome": string(x.Outcome),
	}
	if !x.EndedAt.IsZero() {
		m["ended_at"] = x.EndedAt
	}
	if x.HandoffQueue != "" {
		m["handoff_queue"], m["handoff_reason"] = x.HandoffQueue, x.HandoffReason
	}
	if x.CallID != "" {
		m["call_id"] = x.CallID
	}
	return m
}

// recording serves the stereo WAV of a voice session's call (caller left,
// bot or agent right): the copy QA redacted (review.RedactedPath) once it
// exists, the original before.
func (s *Server) recording(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var rec store.Session
	if live, ok := s.conv.Live(id); ok {
		rec = live.Snapshot()
	} else if s.st != nil {
		var err error
		if rec, err = s.st.Session(r.Context(), id); err != nil {
			return err
		}
	} else {
		return fmt.Errorf("%w: session %s", store.ErrNotFound, id)
	}
	if rec.CallID == "" {
		return fmt.Errorf("%w: session %s is not a call", store.ErrNotFound, id)
	}
	if s.recDir == "" {
		return fmt.Errorf("%w: recording is off (recording.enabled)", store.ErrNotFound)
	}
	orig, redacted, err := review.Recording(s.recDir, rec.CallID)
	if err != nil {
		return fmt.Errorf("%w: no recording of call %s", store.ErrNotFound, rec.CallID)
	}
	if redacted != "" { // QA has silenced the personal data in a copy
		orig = redacted
	}
	w.Header().Set("Content-Type", "audio/wav")
	http.ServeFile(w, r, orig)
	return nil
}

func (s *Server) transcript(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var turns []store.Turn
	if s.st != nil {
		var err error
		if _, err = s.st.Session(r.Context(), id); err != nil {
			if _, live := s.conv.Live(id); !live || !errors.Is(err, store.ErrUnavailable) {
				return err
			}
		}
		turns, err = s.st.Turns(r.Context(), id)
		if err != nil && !errors.Is(err, store.ErrUnavailable) {
			return err
		}
	}
	if live, ok := s.conv.Live(id); ok {
		turns = append(turns, live.Pending()...)
	}
	type turn struct {
		Seq        int              `json:"seq"`
		Speaker    string           `json:"speaker"`
		Text       string           `json:"text"`
		Intent     string           `json:"intent,omitempty"`
		Confidence float64          `json:"confidence,omitempty"`
		Action     string           `json:"action,omitempty"`
		Flow       string           `json:"flow,omitempty"`
		Step       string           `json:"step,omitempty"`
		Timings    map[string]int64 `json:"timings_us,omitempty"`
		At         time.Time        `json:"at"`
	}
	out := []turn{}
	for _, t := range turns {
		out = append(out, turn{t.Seq, t.Speaker, t.Text, t.Intent, t.Confidence, t.Action, t.Flow, t.Step, t.Timings, t.At})
	}
	writeJSON(w, 200, map[string]any{"session_id": id, "turns": out})
	return nil
}

func (s *Server) hangup(w http.ResponseWriter, r *http.Request) error {
	if err := s.conv.Hangup(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
